"""The their stack's config: the customers it chains into, and who its people are: IAM users it creates
(``users``, the default), the sessions of an IAM Identity Center permission set (``identityCenter``), or the
sessions of roles the vendor's own identity provider federates into (``federatedRoles``)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from components.cli_profile import profiles_written
from components.config.checks import (
    CUSTOMER_LABEL,
    SOURCE_IDENTITY_MIN_LENGTH,
    check_account_id,
    check_iam_name,
    check_os_user_prefix,
    check_party_name,
    check_person_os_user,
    reject_repeats,
    session_role_name,
)
from components.config.errors import ConfigError, shown
from components.config.keys import ACCOUNT, Boolean, ListOf, ListOfObjects, Object, Text, WholeNumber
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

PERMISSION_SET_NAME = Text("permissionSetName")
"""The permission set whose sessions may chain; its roles are ``AWSReservedSSO_<name>_<suffix>``."""
USER_ATTRIBUTE = Text("userAttribute")
"""The attribute for access control that names the person: the session tag key of each session."""
INSTANCE_ARN = Text("instanceArn")
"""Set, the stack creates the permission set in that Identity Center instance, with the inline policy it needs."""
START_URL = Text("startUrl")
"""The AWS access portal URL, for the SSO profile the stack writes; unset, the user runs aws configure sso."""
SSO_REGION = Text("ssoRegion")
"""The region of the Identity Center instance; unset, the stack's region."""
IDENTITY_CENTER = Object("identityCenter", (PERMISSION_SET_NAME, USER_ATTRIBUTE, INSTANCE_ARN, START_URL, SSO_REGION))
"""Set, the people are the sessions of an IAM Identity Center permission set: no IAM user, no access key."""
FEDERATED_ROLES = ListOf("federatedRoles", "IAM role names or ARNs of this account", default=None)
"""Set, the people are the sessions of these roles, whose identity provider sets each session's source identity."""
PEOPLE = ListOf("people", "the people's names", default=None)
"""With identityCenter or federatedRoles: each person's name (their attribute value, or source identity)."""

THEIR_KEYS = (
    ACCOUNT,
    *ONE_CUSTOMER_KEYS,
    CUSTOMERS,
    USERS,
    REQUIRE_MFA,
    ACCESS_KEY_SERIAL,
    IDENTITY_CENTER,
    FEDERATED_ROLES,
    PEOPLE,
)

_PERMISSION_SET_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{1,32}")
"""A permission set's name (CreatePermissionSet API reference, Name: 1-32 of ``[\\w+=,.@-]``)."""
_TAG_KEY = re.compile(r"[A-Za-z0-9_.:/=+@-]{1,128}")
"""A session tag key (AWS STS Tag API reference: 1-128 of ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``), ASCII and without
spaces, as it stands inside the policy variable ``${aws:PrincipalTag/<key>}``."""
_INSTANCE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}")
"""An Identity Center instance ARN (CreatePermissionSet API reference, InstanceArn)."""
_START_URL = re.compile(r"https://[^\s]+")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/((?:[!-~]+/)?)([A-Za-z0-9_+=,.@-]{1,64})")
"""A role's ARN, with its path (IAM identifiers: ``/`` or ``/`` and printable ASCII and ``/``)."""


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
class IdentityCenterSignIn:
    """The people are the sessions of one IAM Identity Center permission set, each named by an attribute."""

    permission_set_name: str
    user_attribute: str
    """The attribute for access control Identity Center passes as a session tag; its value is the person."""
    instance_arn: str | None
    """Set, the stack manages the permission set in that instance."""
    start_url: str | None
    """The AWS access portal URL, for the profile text; None when config gives none."""
    sso_region: str | None
    """The Identity Center instance's region; None: the stack's."""


@dataclass(frozen=True)
class FederatedSignIn:
    """The people are the sessions of roles an identity provider federates into, each with a source identity."""

    roles: tuple[str, ...]
    """Each role as config names it: a role name (no path), or the role's ARN."""


SignIn = IdentityCenterSignIn | FederatedSignIn | None
"""Who the people are: None for the stack's own IAM users."""


@dataclass(frozen=True)
class TheirStackConfig:
    """A third party's stack: the identity its users chain from, into one role of each customer account."""

    customers: tuple[CustomerConfig, ...]
    """One customer (named None, with the seed's IAM names), or several, each named."""
    users: tuple[str, ...]
    """The people, each of whom may chain into its customers' accounts as themselves: IAM users created in the
    stack, or the people config lists when they sign in through Identity Center or a federated role."""
    require_mfa: bool
    """Whether assuming a local role requires an MFA-authenticated session."""
    access_key_serial: int
    """Bumping it replaces every user's access key (the new key exists before the old one is deleted)."""
    sign_in: SignIn = None
    """How the people sign in: None for IAM users of the stack, else Identity Center or federated roles."""

    @property
    def iam_users(self) -> tuple[str, ...]:
        """The IAM users the stack creates: none unless the people sign in as IAM users."""
        return self.users if self.sign_in is None else ()


def parse_their_config(values: RawValues) -> TheirStackConfig:
    sign_in = _sign_in(values)
    people_key = USERS.name if sign_in is None else PEOPLE.name
    people = _users(values) if sign_in is None else _people(values)
    require_mfa = values.boolean(REQUIRE_MFA)
    if sign_in is not None and require_mfa:
        raise ConfigError(
            REQUIRE_MFA.name,
            "applies to IAM users only; with identityCenter or federatedRoles, require MFA where people sign in "
            "(Identity Center's or your identity provider's MFA settings)",
        )
    if values.structured(CUSTOMERS) is None:
        customers: tuple[CustomerConfig, ...] = (_customer(None, people, values),)
    else:
        given = [key.name for key in ONE_CUSTOMER_KEYS if values.text(key) is not None]
        if given:
            raise ConfigError(given[0], "belongs in each entry of customers when customers is set, not beside it")
        customers = _customers(values, people, serving_some=sign_in is None)
    _check_os_users(customers, people, people_key)
    return TheirStackConfig(
        customers=customers,
        users=people,
        require_mfa=require_mfa,
        access_key_serial=values.integer(ACCESS_KEY_SERIAL),
        sign_in=sign_in,
    )


def _sign_in(values: RawValues) -> SignIn:
    """At most one of users, identityCenter and federatedRoles says who the people are."""
    given = [key.name for key in (USERS, IDENTITY_CENTER, FEDERATED_ROLES) if values.has(key)]
    if len(given) > 1:
        raise ConfigError(
            given[1], f"replaces {given[0]}: set one of users (IAM users), identityCenter or federatedRoles"
        )
    if values.has(PEOPLE) and not {IDENTITY_CENTER.name, FEDERATED_ROLES.name} & set(given):
        raise ConfigError(PEOPLE.name, "lists the people of identityCenter or federatedRoles; IAM users are in users")
    if values.has(IDENTITY_CENTER):
        return _identity_center(values.object(IDENTITY_CENTER))
    if values.has(FEDERATED_ROLES):
        return FederatedSignIn(_federated_roles(values))
    return None


def _identity_center(entry: ObjectValue) -> IdentityCenterSignIn:
    name = entry.required_text(PERMISSION_SET_NAME)
    if not _PERMISSION_SET_NAME.fullmatch(name):
        raise ConfigError(
            entry.key(PERMISSION_SET_NAME),
            f"expected a permission set name: 1-32 ASCII letters, digits and _+=,.@-, got {shown(name)}",
        )
    attribute = entry.required_text(USER_ATTRIBUTE)
    # Tag keys starting with aws: are AWS's own (Tagging AWS resources, tag naming limits).
    if not _TAG_KEY.fullmatch(attribute) or attribute.lower().startswith("aws:"):
        raise ConfigError(
            entry.key(USER_ATTRIBUTE),
            "expected the key of an attribute for access control: 1-128 ASCII letters, digits and _.:/=+-@, "
            f"not starting with aws:, got {shown(attribute)}",
        )
    checked: dict[Text, str | None] = {}
    for key, pattern, what in (
        (INSTANCE_ARN, _INSTANCE_ARN, "an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)"),
        (START_URL, _START_URL, "the AWS access portal URL (https://...)"),
        (SSO_REGION, _REGION, "an AWS region such as eu-west-1"),
    ):
        value = entry.text(key)
        if value is not None and not pattern.fullmatch(value):
            raise ConfigError(entry.key(key), f"expected {what}, got {shown(value)}")
        checked[key] = value
    return IdentityCenterSignIn(name, attribute, checked[INSTANCE_ARN], checked[START_URL], checked[SSO_REGION])


def _federated_roles(values: RawValues) -> tuple[str, ...]:
    roles = values.list(FEDERATED_ROLES)
    if not roles:
        raise ConfigError(FEDERATED_ROLES.name, f"expected a non-empty list of {FEDERATED_ROLES.of}")
    for index, role in enumerate(roles):
        key = f"{FEDERATED_ROLES.name}[{index}]"
        if not isinstance(role, str):
            raise ConfigError(key, f"expected an IAM role name or ARN, got {shown(role)}")
        if not role.startswith("arn:"):
            check_iam_name(key, role, "an IAM role name (give a role with a path as its ARN)")
        elif not ROLE_ARN.fullmatch(role):
            raise ConfigError(key, f"expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {shown(role)}")
    reject_repeats(FEDERATED_ROLES.name, None, roles, "roles")
    return tuple(roles)


def _people(values: RawValues) -> tuple[str, ...]:
    """The people of Identity Center or federated roles: each name becomes their source identity and session
    name (AssumeRole API reference: 2-64 of ``[\\w+=,.@-]``)."""
    people = values.structured(PEOPLE)
    if not isinstance(people, list) or not people:
        raise ConfigError(
            PEOPLE.name,
            f"expected a non-empty list of the people's names (with identityCenter, their attribute values), "
            f"got {shown(people)}",
        )
    for index, person in enumerate(people):
        key = f"{PEOPLE.name}[{index}]"
        if not isinstance(person, str):
            raise ConfigError(key, f"expected a person's name, got {shown(person)}")
        check_iam_name(key, person, "a person's name as STS takes it for a source identity", min_length=2)
    reject_repeats(PEOPLE.name, None, people, "people")
    return tuple(people)


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


def _customers(values: RawValues, users: tuple[str, ...], *, serving_some: bool) -> tuple[CustomerConfig, ...]:
    """``serving_some``: whether an entry may name the users serving it (IAM users only: every session of a
    permission set or federated role may assume each customer's local role)."""
    customers: list[CustomerConfig] = []
    for entry in values.entries(CUSTOMERS):
        name = entry.required_text(CUSTOMER_NAME)
        if not CUSTOMER_LABEL.fullmatch(name):
            raise ConfigError(
                entry.key(CUSTOMER_NAME),
                f"expected 1-20 lowercase letters, digits and -, starting with one, got {shown(name)}",
            )
        if name in [c.name for c in customers]:
            raise ConfigError(entry.key(CUSTOMER_NAME), f"expected each customer once; {shown(name)} repeats")
        customer = _customer(name, users, entry)
        if entry.has(CUSTOMER_USERS) and not serving_some:
            raise ConfigError(
                entry.key(CUSTOMER_USERS),
                "names IAM users; with identityCenter or federatedRoles every person serves every customer",
            )
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


def _check_os_users(customers: tuple[CustomerConfig, ...], users: tuple[str, ...], list_key: str) -> None:
    """Each person of a customer with per-person OS users must make a valid Linux user name there."""
    for customer in customers:
        if customer.os_user_prefix is not None:
            for user in customer.users:
                check_person_os_user(
                    f"{list_key}[{users.index(user)}]",
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
