"""The their stack's config: the customers it chains into, and its users."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

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
from components.config.errors import ConfigError, ObjectValue, RawValues, shown
from components.contract import cli_profile_name

THEIR_KEYS = frozenset(
    {
        "account",
        "partyName",
        "yourAccountId",
        "yourRoleName",
        "osUserPrefix",
        "customers",
        "users",
        "requireMfa",
        "accessKeySerial",
    }
)
ONE_CUSTOMER_KEYS = ("partyName", "yourAccountId", "yourRoleName", "osUserPrefix")
"""A stack serving one customer names it with these; a stack serving several lists them in customers."""

DEFAULT_USERS = ("alice",)

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
    if values.structured("customers", default=None) is None:
        customers = (_one_customer(values, users),)
        _check_os_users(customers, users, lambda _: "osUserPrefix")
    else:
        given = [key for key in ONE_CUSTOMER_KEYS if values.text(key) is not None]
        if given:
            raise ConfigError(given[0], "belongs in each entry of customers when customers is set, not beside it")
        customers = _customers(values, users)
        _check_os_users(customers, users, lambda index: f"customers[{index}].osUserPrefix")
    return TheirStackConfig(
        customers=customers,
        users=users,
        require_mfa=values.boolean("requireMfa", default=False),
        access_key_serial=values.integer("accessKeySerial", default=1, minimum=1),
    )


def _customer(
    name: str | None,
    users: tuple[str, ...],
    key: Callable[[str], str],
    required: Callable[[str], str],
    optional: Callable[[str], str | None],
) -> CustomerConfig:
    """A customer's party, account and role, read and checked in that order from the top level (one
    customer) or from an entry of customers; ``key`` names a key where its error will say it is."""
    party_name = required("partyName")
    check_party_name(key("partyName"), party_name)
    your_account_id = required("yourAccountId")
    check_account_id(key("yourAccountId"), your_account_id)
    your_role_name = session_role_name(key("partyName"), party_name, key("yourRoleName"), optional("yourRoleName"))
    if not cli_profile_name(party_name, name):
        raise ConfigError(
            key("partyName"),
            f"expected at least one ASCII letter or digit for the AWS CLI profile name, got {shown(party_name)}",
        )
    os_user_prefix = optional("osUserPrefix")
    if os_user_prefix is not None:
        check_os_user_prefix(key("osUserPrefix"), os_user_prefix)
    return CustomerConfig(name, party_name, your_account_id, your_role_name, users, os_user_prefix)


def _one_customer(values: RawValues, users: tuple[str, ...]) -> CustomerConfig:
    return _customer(None, users, str, values.required_text, values.text)


def _customers(values: RawValues, users: tuple[str, ...]) -> tuple[CustomerConfig, ...]:
    entries = values.list("customers", "customers")
    if not entries:
        raise ConfigError("customers", "expected at least one customer")
    customers: list[CustomerConfig] = []
    for index, raw in enumerate(entries):
        entry = ObjectValue(
            f"customers[{index}]", raw, {"name", "partyName", "yourAccountId", "yourRoleName", "osUserPrefix", "users"}
        )
        name = entry.required_text("name")
        if not _CUSTOMER_NAME.fullmatch(name):
            raise ConfigError(
                entry.key("name"),
                f"expected 1-20 lowercase letters, digits and -, starting with one, got {shown(name)}",
            )
        if name in [c.name for c in customers]:
            raise ConfigError(entry.key("name"), f"expected each customer once; {shown(name)} repeats")
        customer = _customer(name, users, entry.key, entry.required_text, entry.text)
        served = entry.list("users", "user names", default=list(users))
        for user_index, user in enumerate(served):
            if user not in users:
                raise ConfigError(
                    f"{entry.key('users')}[{user_index}]", f"expected one of the stack's users, got {shown(user)}"
                )
        _check_apart_from_earlier(entry, customer, customers)
        customers.append(dataclasses.replace(customer, users=tuple(served)))
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
                entry.key("name"),
                f"{shown(customer.name)} with partyName {shown(customer.party_name)} makes the same AWS CLI profile "
                f"name {shared[0]} as customers[{index}]; expected a name that makes a profile of its own",
            )
        if role == (other.your_account_id, other.your_role_name.casefold()):
            role_key = "yourRoleName" if entry.has("yourRoleName") else "partyName"
            raise ConfigError(
                entry.key(role_key),
                f"makes the same session role {customer.your_role_name} in account {customer.your_account_id} as "
                f"customers[{index}]; expected one role per customer in an account (set yourRoleName to tell them "
                "apart)",
            )


def _check_os_users(
    customers: tuple[CustomerConfig, ...], users: tuple[str, ...], prefix_key: Callable[[int], str]
) -> None:
    """Each user of a customer with per-person OS users must make a valid Linux user name there."""
    for index, customer in enumerate(customers):
        if customer.os_user_prefix is not None:
            for user in customer.users:
                check_person_os_user(f"users[{users.index(user)}]", prefix_key(index), customer.os_user_prefix, user)


def _users(values: RawValues) -> tuple[str, ...]:
    users = values.structured("users", default=list(DEFAULT_USERS))
    if not isinstance(users, list) or not users:
        raise ConfigError("users", f"expected a non-empty list of IAM user names, got {shown(users)}")
    seen: dict[str, int] = {}
    for index, user in enumerate(users):
        key = f"users[{index}]"
        if not isinstance(user, str):
            raise ConfigError(key, f"expected an IAM user name, got {shown(user)}")
        check_iam_name(key, user, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        # IAM names are unique regardless of case, so Alice and alice are the same user.
        folded = user.casefold()
        if folded in seen:
            raise ConfigError(key, f"expected each user once; {shown(user)} repeats users[{seen[folded]}]")
        seen[folded] = index
    return tuple(users)
