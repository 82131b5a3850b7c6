"""The their stack's config: the customers it chains into, and its users."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from components.cli_profile import profiles_written
from components.config.checks import (
    SOURCE_IDENTITY_MIN_LENGTH,
    check_account_id,
    check_iam_name,
    check_os_user_prefix,
    check_party_name,
    check_person_os_user,
    session_role_name,
)
from components.config.errors import ConfigError, shown
from components.config.keys import ACCOUNT, Boolean, ListOf, ListOfObjects, Text, WholeNumber
from components.config.readers import ObjectValue, RawValues
from components.contract import cli_profile_name

PARTY_NAME = Text("partyName")
"""The tag value the customer's account grants, e.g. ``Third_Party_A``."""
YOUR_ACCOUNT_ID = Text("yourAccountId")
YOUR_ROLE_NAME = Text("yourRoleName")
"""Unset, derived from the party name as the yours stack derives it."""
OS_USER_PREFIX = Text("osUserPrefix")
ONE_CUSTOMER_KEYS = (PARTY_NAME, YOUR_ACCOUNT_ID, YOUR_ROLE_NAME, OS_USER_PREFIX)
"""A stack serving one customer names it with these; a stack serving several lists them in customers."""

CUSTOMER_NAME = Text("name")
CUSTOMER_USERS = ListOf("users", "user names", default=None)
"""Unset, all of the stack's users serve the customer."""
CUSTOMERS = ListOfObjects("customers", "customers", (CUSTOMER_NAME, *ONE_CUSTOMER_KEYS, CUSTOMER_USERS), default=None)
"""Unset, the stack serves the one customer its top-level keys name."""
USERS = ListOf("users", "IAM user names", default=("alice",))
REQUIRE_MFA = Boolean("requireMfa", default=False)
ACCESS_KEY_SERIAL = WholeNumber("accessKeySerial", default=1, minimum=1)

THEIR_KEYS = (ACCOUNT, *ONE_CUSTOMER_KEYS, CUSTOMERS, USERS, REQUIRE_MFA, ACCESS_KEY_SERIAL)

_CUSTOMER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")
"""A short label that goes into the customer's IAM names (``3P_IAM_Assume_Role-acme``)."""


@dataclass(frozen=True)
class CustomerConfig:
    """One customer account the stack's users chain into, with an ExternalId and a local role of its own."""

    name: str | None
    """Its label in IAM names and outputs; None for the one customer of a stack that serves one."""
    party_name: str
    """The tag value that customer's account grants, e.g. ``Third_Party_A``."""
    your_account_id: str
    """The 12-digit id of that customer's account, which hosts the instances."""
    your_role_name: str
    """The session role in that account that the local role may assume."""
    users: tuple[str, ...]
    """The users who may chain into that account (all of the stack's users unless it names some)."""
    os_user_prefix: str | None = None
    """When that account gives each person an OS user of their own: its prefix (the person's is the prefix
    and their user name), which their sessions must carry as a session tag."""
    os_user_prefix_key: str = field(default="", compare=False)
    """Where the prefix stands in config, for the check of each user's OS user name; not part of its value."""


@dataclass(frozen=True)
class TheirStackConfig:
    """A third party's stack: the identity its users chain from, into one role of each customer account."""

    customers: tuple[CustomerConfig, ...]
    """One customer (named None, with the seed's IAM names), or several, each named."""
    users: tuple[str, ...]
    """IAM users created in the stack; each may chain into its customers' accounts as itself."""
    require_mfa: bool
    """Whether assuming a local role requires an MFA-authenticated session."""
    access_key_serial: int
    """Bumping it replaces every user's access key (the new key exists before the old one is deleted)."""


def parse_their_config(values: RawValues) -> TheirStackConfig:
    users = _users(values)
    if values.structured(CUSTOMERS) is None:
        customers: tuple[CustomerConfig, ...] = (_customer(None, users, values),)
    else:
        given = [key.name for key in ONE_CUSTOMER_KEYS if values.text(key) is not None]
        if given:
            raise ConfigError(given[0], "belongs in each entry of customers when customers is set, not beside it")
        customers = _customers(values, users)
    _check_os_users(customers, users)
    return TheirStackConfig(
        customers=customers,
        users=users,
        require_mfa=values.boolean(REQUIRE_MFA),
        access_key_serial=values.integer(ACCESS_KEY_SERIAL),
    )


def _customer(name: str | None, users: tuple[str, ...], source: RawValues | ObjectValue) -> CustomerConfig:
    """A customer's party, account and role, read and checked in that order from the top level (one
    customer) or from an entry of customers."""
    party_name = source.required_text(PARTY_NAME)
    check_party_name(source.key(PARTY_NAME), party_name)
    your_account_id = source.required_text(YOUR_ACCOUNT_ID)
    check_account_id(source.key(YOUR_ACCOUNT_ID), your_account_id)
    your_role_name = session_role_name(
        source.key(PARTY_NAME), party_name, source.key(YOUR_ROLE_NAME), source.text(YOUR_ROLE_NAME)
    )
    if not cli_profile_name(party_name, name):
        raise ConfigError(
            source.key(PARTY_NAME),
            f"expected at least one ASCII letter or digit for the AWS CLI profile name, got {shown(party_name)}",
        )
    os_user_prefix = source.text(OS_USER_PREFIX)
    if os_user_prefix is not None:
        check_os_user_prefix(source.key(OS_USER_PREFIX), os_user_prefix)
    return CustomerConfig(
        name, party_name, your_account_id, your_role_name, users, os_user_prefix, source.key(OS_USER_PREFIX)
    )


def _customers(values: RawValues, users: tuple[str, ...]) -> tuple[CustomerConfig, ...]:
    customers: list[CustomerConfig] = []
    for entry in values.entries(CUSTOMERS):
        name = entry.required_text(CUSTOMER_NAME)
        if not _CUSTOMER_NAME.fullmatch(name):
            raise ConfigError(
                entry.key(CUSTOMER_NAME),
                f"expected 1-20 lowercase letters, digits and -, starting with one, got {shown(name)}",
            )
        if name in [c.name for c in customers]:
            raise ConfigError(entry.key(CUSTOMER_NAME), f"expected each customer once; {shown(name)} repeats")
        customer = _customer(name, users, entry)
        served = entry.list(CUSTOMER_USERS) if entry.has(CUSTOMER_USERS) else list(users)
        for user_index, user in enumerate(served):
            if user not in users:
                raise ConfigError(
                    f"{entry.key(CUSTOMER_USERS)}[{user_index}]",
                    f"expected one of the stack's users, got {shown(user)}",
                )
        _check_apart_from_earlier(entry, customer, customers)
        customers.append(dataclasses.replace(customer, users=tuple(served)))
    if not customers:
        raise ConfigError(CUSTOMERS.name, "expected at least one customer")
    return tuple(customers)


def _check_apart_from_earlier(entry: ObjectValue, customer: CustomerConfig, earlier: list[CustomerConfig]) -> None:
    """A customer's profiles are its own, as a user serving several holds them all in one ``~/.aws/config`` (and
    one ExternalId file per profile); its session role is its own when it shares an account with another, as
    IAM names are unique per account regardless of case. Another account may hold a role of the same name."""
    profiles = profiles_written(customer.party_name, customer.name)
    role = (customer.your_account_id, customer.your_role_name.casefold())
    for index, other in enumerate(earlier):
        shared = sorted(set(profiles) & set(profiles_written(other.party_name, other.name)))
        if shared:
            raise ConfigError(
                entry.key(CUSTOMER_NAME),
                f"{shown(customer.name)} with partyName {shown(customer.party_name)} makes the same AWS CLI profile "
                f"name {shared[0]} as customers[{index}]; expected a name that makes a profile of its own",
            )
        if role == (other.your_account_id, other.your_role_name.casefold()):
            role_key = YOUR_ROLE_NAME if entry.has(YOUR_ROLE_NAME) else PARTY_NAME
            raise ConfigError(
                entry.key(role_key),
                f"makes the same session role {customer.your_role_name} in account {customer.your_account_id} as "
                f"customers[{index}]; expected one role per customer in an account (set yourRoleName to tell them "
                "apart)",
            )


def _check_os_users(customers: tuple[CustomerConfig, ...], users: tuple[str, ...]) -> None:
    """Each user of a customer with per-person OS users must make a valid Linux user name there."""
    for customer in customers:
        if customer.os_user_prefix is not None:
            for user in customer.users:
                check_person_os_user(
                    f"{USERS.name}[{users.index(user)}]",
                    customer.os_user_prefix_key,
                    customer.os_user_prefix,
                    user,
                )


def _users(values: RawValues) -> tuple[str, ...]:
    users = values.structured(USERS)
    if not isinstance(users, list) or not users:
        raise ConfigError(USERS.name, f"expected a non-empty list of IAM user names, got {shown(users)}")
    seen: dict[str, int] = {}
    for index, user in enumerate(users):
        key = f"{USERS.name}[{index}]"
        if not isinstance(user, str):
            raise ConfigError(key, f"expected an IAM user name, got {shown(user)}")
        check_iam_name(key, user, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        # IAM names are unique regardless of case, so Alice and alice are the same user.
        folded = user.casefold()
        if folded in seen:
            raise ConfigError(key, f"expected each user once; {shown(user)} repeats users[{seen[folded]}]")
        seen[folded] = index
    return tuple(users)
