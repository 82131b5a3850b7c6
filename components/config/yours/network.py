"""Your stack's network: the VPC and its private subnets, the interface endpoints, the names instances may
resolve, and how long the network's logs are kept."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from components.config.checks import reject_repeats
from components.config.errors import ConfigError, shown
from components.config.keys import ListOf, Object, RetentionDays, Text
from components.config.readers import ObjectValue

VPC_CIDR = Text("vpcCidr", default="10.24.34.0/23")
SUBNET_CIDRS = ListOf("subnetCidrs", "CIDR blocks", default=("10.24.34.0/24",))
"""One private subnet by default, as the seed README promises."""
INTERFACE_ENDPOINTS = ListOf(
    "interfaceEndpoints", "service names", default=("ssm", "ssmmessages", "ec2messages", "logs", "kms")
)
"""ec2messages by default too: SSM Agent before 3.3.40.0 still sends its commands through it."""
FLOW_LOG_RETENTION_DAYS = RetentionDays("flowLogRetentionDays", default=365)
"""A year, as Security Hub's CloudWatch.16 expects of log groups by default."""
ALLOWED_DNS_NAMES = ListOf("allowedDnsNames", "DNS names")
ACCEPT_ENDPOINTS_WITHOUT_POLICY = ListOf("acceptEndpointsWithoutPolicy", "interface endpoint names")
DNS_QUERY_LOG_RETENTION_DAYS = RetentionDays("dnsQueryLogRetentionDays", default=365)
"""The same year for the Resolver query logs."""
NETWORK = Object(
    "network",
    (
        VPC_CIDR,
        SUBNET_CIDRS,
        INTERFACE_ENDPOINTS,
        FLOW_LOG_RETENTION_DAYS,
        ALLOWED_DNS_NAMES,
        ACCEPT_ENDPOINTS_WITHOUT_POLICY,
        DNS_QUERY_LOG_RETENTION_DAYS,
    ),
)

REQUIRED_INTERFACE_ENDPOINTS = ("ssm", "ssmmessages", "logs", "kms")
"""Without these, no session works here: SSM itself, the session channel, log streaming, and the
KMS key that encrypts both sessions and their logs."""
OPTIONAL_INTERFACE_ENDPOINTS = ("ec2messages", "ec2", "sts", "monitoring", "secretsmanager")

_DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
"""One label of a host name: letters, digits and -, not at either end (RFC 1123), in lowercase."""
DNS_NAME_MAX_LENGTH = 253

PRIVATE_BLOCKS = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""RFC 1918's private ranges, and the shared address space of RFC 6598, both of which AWS accepts for VPCs."""
VPC_PREFIX_LENGTHS = (16, 28)
"""AWS accepts VPC and subnet IPv4 blocks from /16 to /28."""
RESERVED_ADDRESSES_PER_SUBNET = 5
"""AWS keeps the first four addresses and the last one of every subnet."""


@dataclass(frozen=True)
class NetworkKeys:
    """Where the network's values stand in config, for the errors the region's lookups find later."""

    subnet_cidrs: str
    interface_endpoints: tuple[str, ...]
    """One per interface endpoint, in their order (``network.interfaceEndpoints[0]``…)."""
    accept_endpoints_without_policy: str


@dataclass(frozen=True)
class NetworkConfig:
    vpc_cidr: ipaddress.IPv4Network
    subnet_cidrs: tuple[ipaddress.IPv4Network, ...]
    """One private subnet per entry, each in its own availability zone."""
    interface_endpoints: tuple[str, ...]
    """Short service names (``ssm``, ``logs``…) of the interface endpoints."""
    flow_log_retention_days: int
    allowed_dns_names: tuple[str, ...]
    """Names the instances may resolve beyond those they need for AWS (``repo.example.com``, ``*.example.com``)."""
    accept_endpoints_without_policy: tuple[str, ...]
    """Interface endpoints deployed even where their service ignores endpoint policies (the deployer accepts it)."""
    dns_query_log_retention_days: int
    config_keys: NetworkKeys = field(compare=False)
    """Where its values stand in config; not part of its value."""


def addresses(network: ObjectValue) -> tuple[ipaddress.IPv4Network, tuple[ipaddress.IPv4Network, ...]]:
    """The VPC's block and its subnets' blocks, each inside it and apart from the others."""
    vpc_cidr = _cidr(network.key(VPC_CIDR), network.text(VPC_CIDR))
    subnets = network.list(SUBNET_CIDRS)
    if not subnets:
        raise ConfigError(network.key(SUBNET_CIDRS), "expected at least one private subnet")
    subnet_cidrs: list[ipaddress.IPv4Network] = []
    for index, text in enumerate(subnets):
        key = f"{network.key(SUBNET_CIDRS)}[{index}]"
        subnet = _cidr(key, text)
        if not subnet.subnet_of(vpc_cidr):
            raise ConfigError(key, f"expected a block inside the VPC's {vpc_cidr}, got {subnet}")
        for other_index, other in enumerate(subnet_cidrs):
            if subnet.overlaps(other):
                raise ConfigError(
                    key,
                    f"expected a block apart from the others; {subnet} overlaps "
                    f"{SUBNET_CIDRS.name}[{other_index}] {other}",
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


def interface_endpoints(network: ObjectValue) -> tuple[str, ...]:
    key = network.key(INTERFACE_ENDPOINTS)
    endpoints = network.list(INTERFACE_ENDPOINTS)
    known = REQUIRED_INTERFACE_ENDPOINTS + OPTIONAL_INTERFACE_ENDPOINTS
    for index, name in enumerate(endpoints):
        if name not in known:
            raise ConfigError(f"{key}[{index}]", f"expected one of {', '.join(known)}, got {shown(name)}")
    reject_repeats(key, None, endpoints, "endpoints")
    missing = [name for name in REQUIRED_INTERFACE_ENDPOINTS if name not in endpoints]
    if missing:
        raise ConfigError(
            key, f"expected {', '.join(REQUIRED_INTERFACE_ENDPOINTS)} at least; sessions need {', '.join(missing)}"
        )
    return tuple(endpoints)


def check_room_in_subnets(
    network: ObjectValue,
    subnet_cidrs: tuple[ipaddress.IPv4Network, ...],
    interface_endpoints: tuple[str, ...],
    instance_subnets: list[int],
) -> None:
    """Every interface endpoint puts one address in every subnet; each new instance (``instance_subnets``
    holds the subnet index of each) takes one."""
    for index, subnet in enumerate(subnet_cidrs):
        placed = instance_subnets.count(index)
        needed = len(interface_endpoints) + placed
        usable = subnet.num_addresses - RESERVED_ADDRESSES_PER_SUBNET
        if needed > usable:
            raise ConfigError(
                f"{network.key(SUBNET_CIDRS)}[{index}]",
                f"expected room for {len(interface_endpoints)} endpoint addresses and {placed} instances; "
                f"{subnet} has {usable} usable addresses",
            )


def network_config(
    network: ObjectValue,
    vpc_cidr: ipaddress.IPv4Network,
    subnet_cidrs: tuple[ipaddress.IPv4Network, ...],
    endpoints: tuple[str, ...],
) -> NetworkConfig:
    """The network, its addresses and endpoints checked already (the instances need them), the rest read now."""
    return NetworkConfig(
        vpc_cidr=vpc_cidr,
        subnet_cidrs=subnet_cidrs,
        interface_endpoints=endpoints,
        flow_log_retention_days=network.retention_days(FLOW_LOG_RETENTION_DAYS),
        allowed_dns_names=_allowed_dns_names(network),
        accept_endpoints_without_policy=_accepted_endpoints_without_policy(network, endpoints),
        dns_query_log_retention_days=network.retention_days(DNS_QUERY_LOG_RETENTION_DAYS),
        config_keys=NetworkKeys(
            subnet_cidrs=network.key(SUBNET_CIDRS),
            interface_endpoints=tuple(
                f"{network.key(INTERFACE_ENDPOINTS)}[{index}]" for index in range(len(endpoints))
            ),
            accept_endpoints_without_policy=network.key(ACCEPT_ENDPOINTS_WITHOUT_POLICY),
        ),
    )


def _allowed_dns_names(network: ObjectValue) -> tuple[str, ...]:
    """Extra names the DNS Firewall lets through: a host name, or ``*.`` and a domain of two labels or more,
    never every name (``*``) nor a whole top-level domain (``com``, ``*.com``)."""
    key = network.key(ALLOWED_DNS_NAMES)
    names = network.list(ALLOWED_DNS_NAMES)
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
    reject_repeats(key, None, names, "names")
    return tuple(names)


def _accepted_endpoints_without_policy(network: ObjectValue, endpoints: tuple[str, ...]) -> tuple[str, ...]:
    key = network.key(ACCEPT_ENDPOINTS_WITHOUT_POLICY)
    accepted = network.list(ACCEPT_ENDPOINTS_WITHOUT_POLICY)
    for index, name in enumerate(accepted):
        if name not in endpoints:
            raise ConfigError(
                f"{key}[{index}]",
                f"expected one of {network.key(INTERFACE_ENDPOINTS)} ({', '.join(endpoints)}), got {shown(name)}",
            )
    reject_repeats(key, None, accepted, "endpoints")
    return tuple(accepted)
