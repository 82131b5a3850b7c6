"""Your stack's config: the network, the third parties and what each may reach, the session preferences."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from components.config.checks import (
    LINUX_USER,
    SOURCE_IDENTITY_MIN_LENGTH,
    SUDO_USERS,
    SYSTEM_USERS,
    SYSTEMD_USERS_PREFIX,
    check_iam_name,
    check_os_user_prefix,
    check_party_name,
    check_person_os_user,
    session_role_name,
)
from components.config.errors import ConfigError, ObjectValue, RawValues, shown
from components.contract import DEFAULT_TAG_KEY, EXTERNAL_ID_PATTERN

YOURS_KEYS = frozenset({"account", "tagKey", "network", "thirdParties", "instances", "session"})

DEFAULT_VPC_CIDR = "10.24.34.0/23"
DEFAULT_SUBNET_CIDRS = ["10.24.34.0/24"]  # one private subnet, as the seed README promises

SUBNET_CIDRS_KEY = "network.subnetCidrs"
"""Where the subnets stand in config: the availability zone lookup names it when the region has too few."""
INTERFACE_ENDPOINTS_KEY = "network.interfaceEndpoints"
ACCEPT_ENDPOINTS_WITHOUT_POLICY_KEY = "network.acceptEndpointsWithoutPolicy"
"""Where the endpoint lookup points when a service ignores endpoint policies."""

REQUIRED_INTERFACE_ENDPOINTS = ("ssm", "ssmmessages", "logs", "kms")
"""Without these, no session works here: SSM itself, the session channel, log streaming, and the
KMS key that encrypts both sessions and their logs."""
OPTIONAL_INTERFACE_ENDPOINTS = ("ec2messages", "ec2", "sts", "monitoring", "secretsmanager")
DEFAULT_INTERFACE_ENDPOINTS = ["ssm", "ssmmessages", "ec2messages", "logs", "kms"]
"""ec2messages: SSM Agent before 3.3.40.0 still sends its commands through it."""

DEFAULT_INSTANCE_TYPE = "t4g.micro"
"""The cheapest current-generation type with 1 GiB of memory (Graviton): the agent, a few shells
and dnf fit; t4g.nano's 0.5 GiB leaves dnf little room."""

CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
DEFAULT_SESSION_LOG_RETENTION_DAYS = 365
DEFAULT_FLOW_LOG_RETENTION_DAYS = 365
"""A year, as Security Hub's CloudWatch.16 expects of log groups by default."""
DEFAULT_DNS_QUERY_LOG_RETENTION_DAYS = 365
"""The same year for the Resolver query logs."""

_DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
"""One label of a host name: letters, digits and -, not at either end (RFC 1123), in lowercase."""
DNS_NAME_MAX_LENGTH = 253

IDLE_TIMEOUT_MINUTES = (1, 60)
"""The session document schema's range for idleSessionTimeout."""
MAX_DURATION_MINUTES = (1, 1440)
"""The session document schema's range for maxSessionDuration."""
DEFAULT_IDLE_TIMEOUT_MINUTES = 20
DEFAULT_MAX_DURATION_MINUTES = 60

PRIVATE_BLOCKS = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""RFC 1918's private ranges, and the shared address space of RFC 6598, both of which AWS accepts for VPCs."""
VPC_PREFIX_LENGTHS = (16, 28)
"""AWS accepts VPC and subnet IPv4 blocks from /16 to /28."""
RESERVED_ADDRESSES_PER_SUBNET = 5
"""AWS keeps the first four addresses and the last one of every subnet."""

_TAG_KEY = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,128}")
_INSTANCE_ID = re.compile(r"i-([0-9a-f]{8}|[0-9a-f]{17})")
_INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+")
_ROLE_ARN = re.compile(
    r"arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([A-Za-z0-9_+=,.@/-]+/)?[A-Za-z0-9_+=,.@-]{1,64}"
)
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
_KMS_KEY_ID = re.compile(r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_CUSTOMER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")
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
    config_key: str = field(default="", compare=False)
    """Where it stands in config (``thirdParties[0]``), for errors found later; not part of its value."""


@dataclass(frozen=True)
class NewInstanceConfig:
    """An instance this stack creates."""

    name: str
    granted_to: str
    instance_type: str
    subnet_index: int

    @property
    def key(self) -> str:
        """Its key in the stack's outputs."""
        return self.name


@dataclass(frozen=True)
class ExistingInstanceConfig:
    """An instance you already run: tagged in place, never replaced or stopped."""

    instance_id: str
    granted_to: str
    config_key: str = field(default="", compare=False)
    """Where its id stands in config (``instances[2].id``), for errors found later; not part of its value."""

    @property
    def key(self) -> str:
        """Its key in the stack's outputs."""
        return self.instance_id


InstanceConfig = NewInstanceConfig | ExistingInstanceConfig


@dataclass(frozen=True)
class NetworkConfig:
    vpc_cidr: ipaddress.IPv4Network
    subnet_cidrs: tuple[ipaddress.IPv4Network, ...]
    """One private subnet per entry, each in its own availability zone."""
    interface_endpoints: tuple[str, ...]
    """Short service names (``ssm``, ``logs``…) of the interface endpoints."""
    flow_log_retention_days: int
    allowed_dns_names: tuple[str, ...] = ()
    """Names the instances may resolve beyond those they need for AWS (``repo.example.com``, ``*.example.com``)."""
    accept_endpoints_without_policy: tuple[str, ...] = ()
    """Interface endpoints deployed even where their service ignores endpoint policies (the deployer accepts it)."""
    dns_query_log_retention_days: int = DEFAULT_DNS_QUERY_LOG_RETENTION_DAYS


@dataclass(frozen=True)
class SessionConfig:
    idle_timeout_minutes: int
    max_duration_minutes: int
    log_retention_days: int
    adopt_session_key: str | None = None
    """The key of a session log group a destroyed stack kept: adopt both rather than collide with them."""
    adopt_sweeper_key: str | None = None
    """The same for the session sweeper's log group."""


@dataclass(frozen=True)
class YoursStackConfig:
    """Your account's stack: the instances and who may open sessions on them."""

    tag_key: str
    """The ABAC tag key; the policies use this key, never a literal."""
    network: NetworkConfig
    third_parties: tuple[ThirdPartyConfig, ...]
    instances: tuple[InstanceConfig, ...]
    """In config's order."""
    session: SessionConfig

    @property
    def new_instances(self) -> tuple[NewInstanceConfig, ...]:
        return tuple(i for i in self.instances if isinstance(i, NewInstanceConfig))

    @property
    def existing_instances(self) -> tuple[ExistingInstanceConfig, ...]:
        return tuple(i for i in self.instances if isinstance(i, ExistingInstanceConfig))


def parse_yours_config(values: RawValues, *, third_parties_secret: bool, now: datetime) -> YoursStackConfig:
    tag_key = _tag_key(values)
    third_parties = _third_parties(values, secret=third_parties_secret, now=now)
    network = values.object(
        "network",
        {
            "vpcCidr",
            "subnetCidrs",
            "interfaceEndpoints",
            "flowLogRetentionDays",
            "allowedDnsNames",
            "acceptEndpointsWithoutPolicy",
            "dnsQueryLogRetentionDays",
        },
    )
    vpc_cidr, subnet_cidrs = _addresses(network)
    interface_endpoints = _interface_endpoints(network)
    instances = _instances(values, {p.name for p in third_parties}, subnet_count=len(subnet_cidrs))
    _check_room_in_subnets(network, subnet_cidrs, interface_endpoints, instances)
    return YoursStackConfig(
        tag_key=tag_key,
        network=NetworkConfig(
            vpc_cidr=vpc_cidr,
            subnet_cidrs=subnet_cidrs,
            interface_endpoints=interface_endpoints,
            flow_log_retention_days=_retention_days(network, "flowLogRetentionDays", DEFAULT_FLOW_LOG_RETENTION_DAYS),
            allowed_dns_names=_allowed_dns_names(network),
            accept_endpoints_without_policy=_accepted_endpoints_without_policy(network, interface_endpoints),
            dns_query_log_retention_days=_retention_days(
                network, "dnsQueryLogRetentionDays", DEFAULT_DNS_QUERY_LOG_RETENTION_DAYS
            ),
        ),
        third_parties=third_parties,
        instances=instances,
        session=_session(values),
    )


def _tag_key(values: RawValues) -> str:
    tag_key = values.text("tagKey")
    if tag_key is None:
        tag_key = DEFAULT_TAG_KEY
    if not _TAG_KEY.fullmatch(tag_key) or tag_key.lower().startswith("aws:"):
        raise ConfigError(
            "tagKey",
            f"expected a tag key of 1-128 ASCII letters, digits, spaces and _.:/=+-@, not starting with aws:, "
            f"got {shown(tag_key)}",
        )
    return tag_key


# -- third parties ------------------------------------------------------------------------------


def _third_parties(values: RawValues, *, secret: bool, now: datetime) -> tuple[ThirdPartyConfig, ...]:
    parties: list[ThirdPartyConfig] = []
    for index, entry in enumerate(values.list("thirdParties", "third parties")):
        party = ObjectValue(
            f"thirdParties[{index}]",
            entry,
            {
                "name",
                "stack",
                "customer",
                "roleArn",
                "externalId",
                "runAsUser",
                "osUserPrefix",
                "people",
                "expires",
                "roleName",
            },
        )
        name = party.required_text("name")
        check_party_name(party.key("name"), name)
        role_name = session_role_name(party.key("name"), name, party.key("roleName"), party.text("roleName"))
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
                config_key=party.path,
            )
        )
    _reject_repeats("thirdParties", "name", [p.name for p in parties], "party names")
    # IAM role names are unique regardless of case.
    _reject_repeats(
        "thirdParties", "roleName", [p.role_name for p in parties], "IAM role names", normalize=str.casefold
    )
    _reject_repeats("thirdParties", "runAsUser", [p.run_as_user for p in parties], "OS users (give each party its own)")
    _reject_shared_os_user_names(parties)
    return tuple(parties)


def _os_users(
    party: ObjectValue, trust: TheirStackReference | ExplicitTrust
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """One shared OS user (runAsUser), or one per person (osUserPrefix, and people when trust is explicit)."""
    if party.has("runAsUser") == party.has("osUserPrefix"):
        raise ConfigError(
            party.path,
            "expected either runAsUser (one OS user for the whole party) or osUserPrefix (one per person), "
            "exactly one of the two",
        )
    if party.has("runAsUser"):
        if party.has("people"):
            raise ConfigError(party.key("people"), "goes with osUserPrefix only; runAsUser is one user for everyone")
        return _run_as_user(party), None, ()
    prefix_key = party.key("osUserPrefix")
    prefix = party.required_text("osUserPrefix")
    check_os_user_prefix(prefix_key, prefix)
    if isinstance(trust, TheirStackReference):
        if party.has("people"):
            raise ConfigError(
                party.key("people"), "goes with roleArn and externalId only; a their stack gives its own people"
            )
        return None, prefix, ()
    people = party.list("people", "IAM user names", default=[])
    if not people:
        raise ConfigError(
            party.key("people"), "expected the IAM user names of the party's people, each of whom gets an OS user"
        )
    for index, person in enumerate(people):
        key = f"{party.key('people')}[{index}]"
        if not isinstance(person, str):
            raise ConfigError(key, f"expected an IAM user name, got {shown(person)}")
        check_iam_name(key, person, "an IAM user name", min_length=SOURCE_IDENTITY_MIN_LENGTH)
        check_person_os_user(key, prefix_key, prefix, person)
    _reject_repeats(party.key("people"), None, people, "people", normalize=str.casefold)
    return None, prefix, tuple(people)


def _reject_shared_os_user_names(parties: list[ThirdPartyConfig]) -> None:
    """No OS user of one party may be a user of another: no party's users start with another's prefix."""
    for index, party in enumerate(parties):
        if party.os_user_prefix is None:
            continue
        for other_index, other in enumerate(parties):
            names = other.os_user_prefix or other.run_as_user
            if other_index != index and names is not None and names.startswith(party.os_user_prefix):
                what = "osUserPrefix" if other.os_user_prefix else "runAsUser"
                raise ConfigError(
                    f"thirdParties[{index}].osUserPrefix",
                    f"expected a prefix no other party's OS users start with; thirdParties[{other_index}].{what} "
                    f"{names} does",
                )


def _run_as_user(party: ObjectValue) -> str:
    key = party.key("runAsUser")
    user = party.required_text("runAsUser")
    if not LINUX_USER.fullmatch(user):
        raise ConfigError(key, f"expected a Linux user name (lowercase, digits, _ and -, up to 32), got {shown(user)}")
    if user in SUDO_USERS:
        raise ConfigError(key, f"expected a plain user without sudo; {user} has sudo on Amazon Linux")
    if user in SYSTEM_USERS or user.startswith(SYSTEMD_USERS_PREFIX):
        raise ConfigError(key, f"expected a user of its own; {user} is a system account")
    return user


def _trust(party: ObjectValue, *, secret: bool) -> TheirStackReference | ExplicitTrust:
    explicit = party.has("roleArn") or party.has("externalId")
    if explicit and party.has("customer"):
        raise ConfigError(party.key("customer"), "goes with stack only; roleArn and externalId name the customer's")
    if party.has("stack") == explicit:
        raise ConfigError(
            party.path,
            "expected either stack (a stack reference to the party's their stack) "
            "or roleArn and externalId (the values its admin sent you), exactly one of the two",
        )
    if party.has("stack"):
        stack = party.required_text("stack")
        if not _STACK_NAME.fullmatch(stack):
            raise ConfigError(
                party.key("stack"), f"expected a stack name such as org/project/stack, got {shown(stack)}"
            )
        customer = party.text("customer")
        if customer is not None and not _CUSTOMER_NAME.fullmatch(customer):
            raise ConfigError(
                party.key("customer"), f"expected the customer name its their stack gives you, got {shown(customer)}"
            )
        return TheirStackReference(stack, customer)
    role_arn = party.required_text("roleArn")
    if not _ROLE_ARN.fullmatch(role_arn):
        raise ConfigError(
            party.key("roleArn"),
            "expected an IAM role ARN such as arn:aws:iam::222233334444:role/3P_IAM_Assume_Role, "
            f"got {shown(role_arn)}",
        )
    external_id = party.raw("externalId")
    key = party.key("externalId")
    if not secret:
        raise ConfigError(key, f"expected a secret; set it with pulumi config set --secret --path '{key}' <value>")
    # The value is secret: the messages below never show it.
    if not isinstance(external_id, str) or not _EXTERNAL_ID.fullmatch(external_id):
        raise ConfigError(
            key, "expected 2-1224 characters that STS accepts in an ExternalId: letters, digits, _+=,.@:/-"
        )
    return ExplicitTrust(role_arn=role_arn, external_id=SecretText(external_id))


def _expires(party: ObjectValue, now: datetime) -> datetime | None:
    text = party.text("expires")
    if text is None:
        return None
    key = party.key("expires")
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


# -- network ------------------------------------------------------------------------------------


def _addresses(network: ObjectValue) -> tuple[ipaddress.IPv4Network, tuple[ipaddress.IPv4Network, ...]]:
    vpc_cidr = _cidr(network.key("vpcCidr"), network.text("vpcCidr", default=DEFAULT_VPC_CIDR))
    subnets = network.list("subnetCidrs", "CIDR blocks", default=DEFAULT_SUBNET_CIDRS)
    if not subnets:
        raise ConfigError(network.key("subnetCidrs"), "expected at least one private subnet")
    subnet_cidrs: list[ipaddress.IPv4Network] = []
    for index, text in enumerate(subnets):
        key = f"{network.key('subnetCidrs')}[{index}]"
        subnet = _cidr(key, text)
        if not subnet.subnet_of(vpc_cidr):
            raise ConfigError(key, f"expected a block inside the VPC's {vpc_cidr}, got {subnet}")
        for other_index, other in enumerate(subnet_cidrs):
            if subnet.overlaps(other):
                raise ConfigError(
                    key, f"expected a block apart from the others; {subnet} overlaps subnetCidrs[{other_index}] {other}"
                )
        subnet_cidrs.append(subnet)
    return vpc_cidr, tuple(subnet_cidrs)


def _cidr(key: str, text: Any) -> ipaddress.IPv4Network:
    shortest, longest = VPC_PREFIX_LENGTHS
    try:
        cidr = ipaddress.IPv4Network(text, strict=True) if isinstance(text, str) else None
    except ValueError:
        cidr = None
    if cidr is None or "/" not in text:
        raise ConfigError(
            key, f"expected an IPv4 CIDR block such as 10.24.34.0/24 (no host bits set), got {shown(text)}"
        )
    if not shortest <= cidr.prefixlen <= longest:
        raise ConfigError(key, f"expected a block from /{shortest} to /{longest}, as AWS accepts, got {cidr}")
    # AWS accepts a public block for a VPC, but this network is private by design: a public block would
    # shadow the real addresses it covers for everything in the VPC.
    if not any(cidr.subnet_of(private) for private in PRIVATE_BLOCKS):
        raise ConfigError(
            key, f"expected a private block, inside {', '.join(map(str, PRIVATE_BLOCKS))}; got {cidr}, a public one"
        )
    return cidr


def _interface_endpoints(network: ObjectValue) -> tuple[str, ...]:
    key = network.key("interfaceEndpoints")
    endpoints = network.list("interfaceEndpoints", "service names", default=DEFAULT_INTERFACE_ENDPOINTS)
    known = REQUIRED_INTERFACE_ENDPOINTS + OPTIONAL_INTERFACE_ENDPOINTS
    for index, name in enumerate(endpoints):
        if name not in known:
            raise ConfigError(f"{key}[{index}]", f"expected one of {', '.join(known)}, got {shown(name)}")
    _reject_repeats(key, None, endpoints, "endpoints")
    missing = [name for name in REQUIRED_INTERFACE_ENDPOINTS if name not in endpoints]
    if missing:
        raise ConfigError(
            key, f"expected {', '.join(REQUIRED_INTERFACE_ENDPOINTS)} at least; sessions need {', '.join(missing)}"
        )
    return tuple(endpoints)


def _allowed_dns_names(network: ObjectValue) -> tuple[str, ...]:
    """Extra names the DNS Firewall lets through: a host name, or ``*.`` and a domain of two labels or more,
    never every name (``*``) nor a whole top-level domain (``com``, ``*.com``)."""
    key = network.key("allowedDnsNames")
    names = network.list("allowedDnsNames", "DNS names", default=[])
    for index, name in enumerate(names):
        domain = name.removeprefix("*.") if isinstance(name, str) else None
        labels = domain.split(".") if domain else []
        if not (
            isinstance(name, str)
            and len(labels) >= 2
            and len(domain) <= DNS_NAME_MAX_LENGTH
            and all(_DNS_LABEL.fullmatch(label) for label in labels)
        ):
            raise ConfigError(
                f"{key}[{index}]",
                "expected a DNS name of two labels or more in lowercase (repo.example.com), or *. and one "
                f"(*.example.com), never * nor a bare top-level domain; got {shown(name)}",
            )
    _reject_repeats(key, None, names, "names")
    return tuple(names)


def _accepted_endpoints_without_policy(network: ObjectValue, interface_endpoints: tuple[str, ...]) -> tuple[str, ...]:
    key = ACCEPT_ENDPOINTS_WITHOUT_POLICY_KEY
    accepted = network.list("acceptEndpointsWithoutPolicy", "interface endpoint names", default=[])
    for index, name in enumerate(accepted):
        if name not in interface_endpoints:
            raise ConfigError(
                f"{key}[{index}]",
                f"expected one of network.interfaceEndpoints ({', '.join(interface_endpoints)}), got {shown(name)}",
            )
    _reject_repeats(key, None, accepted, "endpoints")
    return tuple(accepted)


def _check_room_in_subnets(
    network: ObjectValue,
    subnet_cidrs: tuple[ipaddress.IPv4Network, ...],
    interface_endpoints: tuple[str, ...],
    instances: tuple[InstanceConfig, ...],
) -> None:
    """Every interface endpoint puts one address in every subnet; each new instance takes one."""
    for index, subnet in enumerate(subnet_cidrs):
        placed = sum(1 for i in instances if isinstance(i, NewInstanceConfig) and i.subnet_index == index)
        needed = len(interface_endpoints) + placed
        usable = subnet.num_addresses - RESERVED_ADDRESSES_PER_SUBNET
        if needed > usable:
            raise ConfigError(
                f"{network.key('subnetCidrs')}[{index}]",
                f"expected room for {len(interface_endpoints)} endpoint addresses and {placed} instances; "
                f"{subnet} has {usable} usable addresses",
            )


def _retention_days(entry: ObjectValue, key: str, default: int) -> int:
    days = entry.integer(key, default=default, minimum=1)
    if days not in CLOUDWATCH_RETENTION_DAYS:
        raise ConfigError(
            entry.key(key),
            f"expected one of CloudWatch Logs' retention periods in days ({CLOUDWATCH_RETENTION_DAYS}), got {days}",
        )
    return days


# -- instances ----------------------------------------------------------------------------------


def _instances(values: RawValues, party_names: Set[str], *, subnet_count: int) -> tuple[InstanceConfig, ...]:
    instances: list[InstanceConfig] = []
    for index, raw in enumerate(values.list("instances", "instances")):
        entry = ObjectValue(f"instances[{index}]", raw, {"name", "id", "grantedTo", "instanceType", "subnet"})
        granted_to = entry.required_text("grantedTo")
        if granted_to not in party_names:
            known = ", ".join(sorted(party_names)) or "none configured"
            raise ConfigError(
                entry.key("grantedTo"),
                f"expected the name of a party in thirdParties ({known}), got {shown(granted_to)}",
            )
        if entry.has("name") == entry.has("id"):
            raise ConfigError(
                entry.path, "expected either name (a new instance) or id (an existing one), exactly one of the two"
            )
        instances.append(
            _new_instance(entry, granted_to, subnet_count)
            if entry.has("name")
            else _existing_instance(entry, granted_to)
        )
    names = [i.name if isinstance(i, NewInstanceConfig) else None for i in instances]
    _reject_repeats("instances", "name", names, "instance names", normalize=str.casefold)
    ids = [i.instance_id if isinstance(i, ExistingInstanceConfig) else None for i in instances]
    _reject_repeats("instances", "id", ids, "instance ids")
    return tuple(instances)


def _new_instance(entry: ObjectValue, granted_to: str, subnet_count: int) -> NewInstanceConfig:
    name = entry.required_text("name")
    if not _INSTANCE_NAME.fullmatch(name):
        raise ConfigError(
            entry.key("name"),
            f"expected 1-63 letters, digits, . _ and -, starting with a letter or digit, got {shown(name)}",
        )
    instance_type = entry.text("instanceType", default=DEFAULT_INSTANCE_TYPE)
    if not _INSTANCE_TYPE.fullmatch(instance_type):
        raise ConfigError(
            entry.key("instanceType"), f"expected an EC2 instance type such as t4g.micro, got {shown(instance_type)}"
        )
    subnet_index = entry.integer("subnet", default=0, minimum=0, maximum=subnet_count - 1)
    return NewInstanceConfig(name=name, granted_to=granted_to, instance_type=instance_type, subnet_index=subnet_index)


def _existing_instance(entry: ObjectValue, granted_to: str) -> ExistingInstanceConfig:
    for key in ("instanceType", "subnet"):
        if entry.has(key):
            raise ConfigError(entry.key(key), "applies to new instances only; an existing instance is only tagged")
    instance_id = entry.required_text("id")
    if not _INSTANCE_ID.fullmatch(instance_id):
        raise ConfigError(
            entry.key("id"), f"expected an instance id: i- and 8 or 17 hex digits, got {shown(instance_id)}"
        )
    return ExistingInstanceConfig(instance_id=instance_id, granted_to=granted_to, config_key=entry.key("id"))


# -- session ------------------------------------------------------------------------------------


def _session(values: RawValues) -> SessionConfig:
    session = values.object(
        "session",
        {"idleTimeoutMinutes", "maxDurationMinutes", "logRetentionDays", "adoptSessionKey", "adoptSweeperKey"},
    )
    low, high = IDLE_TIMEOUT_MINUTES
    idle = session.integer("idleTimeoutMinutes", default=DEFAULT_IDLE_TIMEOUT_MINUTES, minimum=low, maximum=high)
    low, high = MAX_DURATION_MINUTES
    duration = session.integer("maxDurationMinutes", default=DEFAULT_MAX_DURATION_MINUTES, minimum=low, maximum=high)
    return SessionConfig(
        idle_timeout_minutes=idle,
        max_duration_minutes=duration,
        log_retention_days=_retention_days(session, "logRetentionDays", DEFAULT_SESSION_LOG_RETENTION_DAYS),
        adopt_session_key=_key_id(session, "adoptSessionKey"),
        adopt_sweeper_key=_key_id(session, "adoptSweeperKey"),
    )


def _key_id(entry: ObjectValue, key: str) -> str | None:
    key_id = entry.text(key)
    if key_id is not None and not _KMS_KEY_ID.fullmatch(key_id):
        raise ConfigError(
            entry.key(key), f"expected a KMS key id such as 1234abcd-12ab-34cd-56ef-1234567890ab, got {shown(key_id)}"
        )
    return key_id


def _reject_repeats(
    list_key: str, item_key: str | None, values: list[Any], what: str, *, normalize: Callable[[Any], Any] = str
) -> None:
    """Rejects the second of two equal entries (``None`` entries are skipped)."""
    first_index: dict[Any, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        normalized = normalize(value)
        if normalized in first_index:
            key = f"{list_key}[{index}]" + (f".{item_key}" if item_key else "")
            raise ConfigError(
                key, f"expected distinct {what}; {shown(value)} repeats {list_key}[{first_index[normalized]}]"
            )
        first_index[normalized] = index
