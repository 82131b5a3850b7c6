"""The third parties your stack grants sessions to: where the role to trust comes from, the OS users their
sessions run as, and when their access ends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from components.config.checks import (
    CUSTOMER_LABEL,
    LINUX_USER,
    SOURCE_IDENTITY_MIN_LENGTH,
    SUDO_USERS,
    SYSTEM_USERS,
    SYSTEMD_USERS_PREFIX,
    check_iam_name,
    check_os_user_prefix,
    check_party_name,
    check_person_os_user,
    reject_repeats,
    session_role_name,
)
from components.config.errors import ConfigError, shown
from components.config.keys import ListOf, ListOfObjects, Text
from components.config.readers import ObjectValue, RawValues, whole_number
from components.config.yours.session import IDLE_TIMEOUT_MINUTES, MAX_DURATION_MINUTES
from components.contract import EXTERNAL_ID_PATTERN, cli_profile_name
from components.port_forwarding_document import (
    MAX_CONTENT_BYTES,
    MAX_NAME_LENGTH,
    content_bytes,
    port_forwarding_document_content,
    port_forwarding_document_name,
)

NAME = Text("name")
STACK = Text("stack")
CUSTOMER = Text("customer")
ROLE_ARN = Text("roleArn")
EXTERNAL_ID = Text("externalId")
RUN_AS_USER = Text("runAsUser")
OS_USER_PREFIX = Text("osUserPrefix")
PEOPLE = ListOf("people", "IAM user names", default=None)
"""No default: a party with per-person users and explicit trust must list its people."""
EXPIRES = Text("expires")
ROLE_NAME = Text("roleName")
"""Unset, derived from the party's name as its their stack derives it."""
PORTS = ListOf("ports", "port numbers")
"""Unset or empty, no port forwarding: the party gets a shell only."""
THIRD_PARTIES = ListOfObjects(
    "thirdParties",
    "third parties",
    (NAME, STACK, CUSTOMER, ROLE_ARN, EXTERNAL_ID, RUN_AS_USER, OS_USER_PREFIX, PEOPLE, EXPIRES, ROLE_NAME, PORTS),
)

_ROLE_ARN = re.compile(
    r"arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([A-Za-z0-9_+=,.@/-]+/)?[A-Za-z0-9_+=,.@-]{1,64}"
)
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}")


@dataclass(frozen=True)
class SecretText:
    """A config value the user stored as a secret; it never shows in a repr or an error."""

    value: str = field(repr=False)


@dataclass(frozen=True)
class TheirStackReference:
    """The party's their stack lives on your Pulumi backend: read its outputs directly."""

    stack: str
    """A stack reference name such as ``organization/third-party-ec2-access/their``."""
    customer: str | None = None
    """Which of its customers you are, when that their stack serves several (its ``customers`` output)."""


@dataclass(frozen=True)
class ExplicitTrust:
    """The party's their stack lives elsewhere: its admin sent the two values it outputs."""

    role_arn: str
    """Their ``assumeRoleArn``: the role your session role trusts."""
    external_id: SecretText
    """Their ``externalId``."""


@dataclass(frozen=True)
class PartyKeys:
    """Where a party's values stand in config, for the errors found after parsing: by its their stack's
    outputs, or by AWS."""

    entry: str
    """The party's entry (``thirdParties[0]``)."""
    name: str
    stack: str
    customer: str
    role_arn: str
    os_user_prefix: str
    ports: str

    @classmethod
    def of(cls, party: ObjectValue) -> PartyKeys:
        return cls(
            entry=party.path,
            name=party.key(NAME),
            stack=party.key(STACK),
            customer=party.key(CUSTOMER),
            role_arn=party.key(ROLE_ARN),
            os_user_prefix=party.key(OS_USER_PREFIX),
            ports=party.key(PORTS),
        )


@dataclass(frozen=True)
class ThirdPartyConfig:
    name: str
    """The ABAC tag value of this party's instances, and the name its their stack declares."""
    run_as_user: str | None
    """The plain OS user every session of the party runs as; None when each person has their own."""
    os_user_prefix: str | None
    """When set, each person runs as this prefix and their IAM user name (``tpa-alice``) instead."""
    people: tuple[str, ...]
    """Its people's IAM user names, given in config for a party with per-person users and explicit trust
    (a party on your backend gives them in its their stack's outputs instead)."""
    role_name: str
    """Its session role in your account."""
    trust: TheirStackReference | ExplicitTrust
    """Where the role to trust and the ExternalId come from."""
    expires: datetime | None
    """When its access ends (UTC), if ever."""
    ports: tuple[int, ...]
    """The ports on its instances it may forward to (each to the instance itself), in config's order; empty: none."""
    config_keys: PartyKeys = field(compare=False)
    """Where its values stand in config; not part of its value."""


def parse_third_parties(values: RawValues, *, secret: bool, now: datetime) -> tuple[ThirdPartyConfig, ...]:
    """The parties, each checked, then checked apart from each other; ``secret`` tells whether thirdParties
    is stored as a secret (an ExternalId must be)."""
    parties: list[ThirdPartyConfig] = []
    for party in values.entries(THIRD_PARTIES):
        name = party.required_text(NAME)
        check_party_name(party.key(NAME), name)
        role_name = session_role_name(party.key(NAME), name, party.key(ROLE_NAME), party.text(ROLE_NAME))
        trust = _trust(party, secret=secret)
        run_as_user, os_user_prefix, people = _os_users(party, trust)
        parties.append(
            ThirdPartyConfig(
                name=name,
                run_as_user=run_as_user,
                os_user_prefix=os_user_prefix,
                people=people,
                role_name=role_name,
                trust=trust,
                expires=_expires(party, now),
                ports=_ports(party, name),
                config_keys=PartyKeys.of(party),
            )
        )
    list_key = THIRD_PARTIES.name
    reject_repeats(list_key, NAME.name, [p.name for p in parties], "party names")
    # IAM role names are unique regardless of case.
    reject_repeats(list_key, ROLE_NAME.name, [p.role_name for p in parties], "IAM role names", normalize=str.casefold)
    reject_repeats(list_key, RUN_AS_USER.name, [p.run_as_user for p in parties], "OS users (give each party its own)")
    _reject_shared_os_user_names(parties)
    # Each party with ports gets a document named after its AWS CLI profile name, which must be its own.
    reject_repeats(
        list_key,
        PORTS.name,
        [cli_profile_name(p.name) if p.ports else None for p in parties],
        "port-forwarding document names (made of the party name's ASCII letters and digits)",
    )
    return tuple(parties)


def port_forwarding_document_names(stack: str, parties: tuple[ThirdPartyConfig, ...]) -> dict[str, str]:
    """Party -> the name of its port-forwarding document, for the parties with ports; the name holds the stack's,
    which config cannot know, so the program asks before it registers anything."""
    names = {p.name: port_forwarding_document_name(stack, p.name) for p in parties if p.ports}
    for party in parties:
        if party.name in names and len(names[party.name]) > MAX_NAME_LENGTH:
            raise ConfigError(
                party.config_keys.ports,
                f"expected a shorter party or stack name: its port-forwarding document {names[party.name]} is "
                f"{len(names[party.name])} characters, over the {MAX_NAME_LENGTH} Systems Manager accepts",
            )
    return names


def _ports(party: ObjectValue, name: str) -> tuple[int, ...]:
    """Whole numbers 1-65535, each once, that its port-forwarding document can carry."""
    key = party.key(PORTS)
    ports = tuple(
        whole_number(f"{key}[{index}]", port, minimum=1, maximum=65535) for index, port in enumerate(party.list(PORTS))
    )
    reject_repeats(key, None, list(ports), "ports")
    if ports and not cli_profile_name(name):
        raise ConfigError(
            key, "expected a party name with an ASCII letter or digit, which its port-forwarding document's name needs"
        )
    # The document grows with its ports; measured at the longest timeouts, so no session setting can push it over.
    largest = port_forwarding_document_content(
        party_name=name,
        ports=ports,
        idle_timeout_minutes=IDLE_TIMEOUT_MINUTES.maximum,
        max_duration_minutes=MAX_DURATION_MINUTES.maximum,
    )
    if content_bytes(largest) > MAX_CONTENT_BYTES:
        raise ConfigError(
            key,
            f"expected fewer ports: {len(ports)} make its port-forwarding document {content_bytes(largest)} bytes, "
            f"over the {MAX_CONTENT_BYTES} Systems Manager accepts",
        )
    return ports


def _os_users(
    party: ObjectValue, trust: TheirStackReference | ExplicitTrust
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """One shared OS user (runAsUser), or one per person (osUserPrefix, and people when trust is explicit)."""
    if party.has(RUN_AS_USER) == party.has(OS_USER_PREFIX):
        raise ConfigError(
            party.path,
            "expected either runAsUser (one OS user for the whole party) or osUserPrefix (one per person), "
            "exactly one of the two",
        )
    if party.has(RUN_AS_USER):
        if party.has(PEOPLE):
            raise ConfigError(party.key(PEOPLE), "goes with osUserPrefix only; runAsUser is one user for everyone")
        return _run_as_user(party), None, ()
    prefix_key = party.key(OS_USER_PREFIX)
    prefix = party.required_text(OS_USER_PREFIX)
    check_os_user_prefix(prefix_key, prefix)
    if isinstance(trust, TheirStackReference):
        if party.has(PEOPLE):
            raise ConfigError(
                party.key(PEOPLE), "goes with roleArn and externalId only; a their stack gives its own people"
            )
        return None, prefix, ()
    people = party.list(PEOPLE) if party.has(PEOPLE) else []
    if not people:
        raise ConfigError(
            party.key(PEOPLE), "expected the IAM user names of the party's people, each of whom gets an OS user"
        )
    for index, person in enumerate(people):
        key = f"{party.key(PEOPLE)}[{index}]"
        if not isinstance(person, str):
            raise ConfigError(key, f"expected an IAM user name, got {shown(person)}")
        check_iam_name(key, person, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        check_person_os_user(key, prefix_key, prefix, person)
    reject_repeats(party.key(PEOPLE), None, people, "people", normalize=str.casefold)
    return None, prefix, tuple(people)


def _reject_shared_os_user_names(parties: list[ThirdPartyConfig]) -> None:
    """No OS user of one party may be a user of another: no party's users start with another's prefix."""
    for party in parties:
        if party.os_user_prefix is None:
            continue
        for other in parties:
            names = other.os_user_prefix or other.run_as_user
            if other is not party and names is not None and names.startswith(party.os_user_prefix):
                what = OS_USER_PREFIX if other.os_user_prefix else RUN_AS_USER
                raise ConfigError(
                    party.config_keys.os_user_prefix,
                    f"expected a prefix no other party's OS users start with; {other.config_keys.entry}.{what.name} "
                    f"{names} does",
                )


def _run_as_user(party: ObjectValue) -> str:
    key = party.key(RUN_AS_USER)
    user = party.required_text(RUN_AS_USER)
    if not LINUX_USER.fullmatch(user):
        raise ConfigError(key, f"expected a Linux user name (lowercase, digits, _ and -, up to 32), got {shown(user)}")
    if user in SUDO_USERS:
        raise ConfigError(key, f"expected a plain user without sudo; {user} has sudo on Amazon Linux")
    if user in SYSTEM_USERS or user.startswith(SYSTEMD_USERS_PREFIX):
        raise ConfigError(key, f"expected a user of its own; {user} is a system account")
    return user


def _trust(party: ObjectValue, *, secret: bool) -> TheirStackReference | ExplicitTrust:
    explicit = party.has(ROLE_ARN) or party.has(EXTERNAL_ID)
    if explicit and party.has(CUSTOMER):
        raise ConfigError(party.key(CUSTOMER), "goes with stack only; roleArn and externalId name the customer's")
    if party.has(STACK) == explicit:
        raise ConfigError(
            party.path,
            "expected either stack (a stack reference to the party's their stack) "
            "or roleArn and externalId (the values its admin sent you), exactly one of the two",
        )
    if party.has(STACK):
        stack = party.required_text(STACK)
        if not _STACK_NAME.fullmatch(stack):
            raise ConfigError(party.key(STACK), f"expected a stack name such as org/project/stack, got {shown(stack)}")
        customer = party.text(CUSTOMER)
        if customer is not None and not CUSTOMER_LABEL.fullmatch(customer):
            raise ConfigError(
                party.key(CUSTOMER), f"expected the customer name its their stack gives you, got {shown(customer)}"
            )
        return TheirStackReference(stack, customer)
    role_arn = party.required_text(ROLE_ARN)
    if not _ROLE_ARN.fullmatch(role_arn):
        raise ConfigError(
            party.key(ROLE_ARN),
            "expected an IAM role ARN such as arn:aws:iam::222233334444:role/3P_IAM_Assume_Role, "
            f"got {shown(role_arn)}",
        )
    external_id = party.raw(EXTERNAL_ID)
    key = party.key(EXTERNAL_ID)
    if not secret:
        raise ConfigError(key, f"expected a secret; set it with pulumi config set --secret --path '{key}' <value>")
    # The value is secret: the messages below never show it.
    if not isinstance(external_id, str) or not _EXTERNAL_ID.fullmatch(external_id):
        raise ConfigError(
            key, "expected 2-1224 characters that STS accepts in an ExternalId: letters, digits, _+=,.@:/-"
        )
    return ExplicitTrust(role_arn=role_arn, external_id=SecretText(external_id))


def _expires(party: ObjectValue, now: datetime) -> datetime | None:
    text = party.text(EXPIRES)
    if text is None:
        return None
    key = party.key(EXPIRES)
    try:
        expires = datetime.fromisoformat(text)
    except ValueError:
        expires = None
    if expires is None or "T" not in text or expires.utcoffset() != timedelta(0):
        raise ConfigError(key, f"expected an ISO-8601 UTC time such as 2027-06-30T00:00:00Z, got {shown(text)}")
    if expires <= now:
        raise ConfigError(
            key, f"expected a time still to come, got {shown(text)}, already past; remove the party or extend it"
        )
    return expires.astimezone(UTC)
