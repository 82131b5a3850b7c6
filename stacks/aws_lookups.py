"""What the program asks AWS before it creates anything.

Every lookup runs before the first resource is registered, so a config that the account cannot
satisfy (more subnets than availability zones, say) stops the program with one line naming the
key, never with half a stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.config import ConfigError, ExplicitTrust, NetworkConfig, ThirdPartyConfig, YoursStackConfig
from components.network import EndpointService
from components.network_policies import is_macos_instance_type, ssm_agent_buckets

AMAZON_LINUX_2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{architecture}"
"""The public SSM parameter that always names the current Amazon Linux 2023 image."""


def current_account() -> AwsAccount:
    return AwsAccount(
        partition=aws.get_partition().partition,
        account_id=aws.get_caller_identity().account_id,
        region=aws.get_region().region,
    )


def check_trusted_role_partition(party: ThirdPartyConfig, partition: str) -> None:
    """A role of another partition can never assume into this one: say so rather than deploy a dead trust."""
    if isinstance(party.trust, ExplicitTrust) and not party.trust.role_arn.startswith(f"arn:{partition}:"):
        raise ConfigError(
            party.config_keys.role_arn,
            f"expected a role in this stack's partition ({partition}), got {party.trust.role_arn}",
        )


def service_principal(service: str) -> str:
    """A service's principal in this partition and region (``logs.eu-west-1.amazonaws.com``…)."""
    return aws.get_service_principal(service_name=service).name


def availability_zones(count: int, *, key: str) -> list[str]:
    """``count`` zones, one per subnet, among those open to the account without opting in."""
    zones = aws.get_availability_zones(
        state="available", filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}]
    ).names
    if len(zones) < count:
        raise ConfigError(
            key, f"expected at most {len(zones)} subnets, one per availability zone available here; got {count}"
        )
    return sorted(zones)[:count]


def endpoint_service(service: str, *, endpoint_type: str) -> EndpointService:
    found = aws.ec2.get_vpc_endpoint_service(service=service, service_type=endpoint_type)
    return EndpointService(
        service_name=found.service_name,
        private_dns_name=found.private_dns_name or "",
        policy_supported=bool(found.vpc_endpoint_policy_supported),
    )


def check_endpoint_policies_apply(network: NetworkConfig, services: Mapping[str, EndpointService]) -> None:
    """An endpoint whose service ignores endpoint policies admits anyone's credentials: stop, unless config
    accepts it for that service, and then say so at every deployment."""
    accepting_key = network.config_keys.accept_endpoints_without_policy
    for name, key in zip(network.interface_endpoints, network.config_keys.interface_endpoints, strict=True):
        if services[name].policy_supported:
            continue
        problem = (
            f"{services[name].service_name} does not support endpoint policies here (VpcEndpointPolicySupported is "
            "false), so AWS would ignore the endpoint's policy and admit any account's credentials through it"
        )
        if name not in network.accept_endpoints_without_policy:
            raise ConfigError(
                key,
                f"expected services that enforce endpoint policies; {problem}. To deploy it all the same, "
                f"add {name} to {accepting_key}",
            )
        pulumi.log.warn(f"{accepting_key} accepts {name}: {problem}")


def amazon_linux_2023_image(instance_type: str) -> str:
    """The current Amazon Linux 2023 image for the instance type's architecture."""
    architectures = aws.ec2.get_instance_type(instance_type=instance_type).supported_architectures
    architecture = "arm64" if "arm64" in architectures else "x86_64"
    return aws.ssm.get_parameter(name=AMAZON_LINUX_2023_PARAMETER.format(architecture=architecture)).value


@dataclass(frozen=True)
class ExistingInstanceRole:
    """The role an existing instance runs as, through its instance profile."""

    name: str
    arn: str
    macos: bool = False
    """Whether the instance runs macOS (it is an EC2 Mac instance)."""


def existing_instance_role(instance_id: str, *, key: str) -> ExistingInstanceRole:
    """The role of an instance you already run: Session Manager needs one, and it needs session rights."""
    instance = aws.ec2.get_instance(instance_id=instance_id)
    profile = instance.iam_instance_profile
    if not profile:
        raise ConfigError(
            key,
            f"expected an instance with an IAM instance profile (Session Manager needs one, with "
            f"AmazonSSMManagedInstanceCore); {instance_id} has none",
        )
    role = aws.iam.get_instance_profile(name=profile)
    return ExistingInstanceRole(
        name=role.role_name, arn=role.role_arn, macos=is_macos_instance_type(instance.instance_type)
    )


@dataclass(frozen=True)
class YoursLookups:
    """Everything the yours stack asks AWS, asked before it registers any resource."""

    account: AwsAccount
    dns_suffix: str
    """The partition's DNS suffix (``amazonaws.com``, ``amazonaws.com.cn``)."""
    availability_zones: list[str]
    """One zone per configured subnet."""
    interface_endpoints: dict[str, EndpointService]
    """Short name -> the region's endpoint service, per configured interface endpoint."""
    s3_gateway_service: str
    images: dict[str, str]
    """Instance type -> the current Amazon Linux 2023 image for its architecture."""
    existing_instance_roles: dict[str, ExistingInstanceRole]
    """Existing instance id -> the role it runs as."""
    agent_buckets: list[str]
    """The AWS-owned buckets SSM Agent reads here: the macOS patch bucket too once a macOS instance is granted
    (only existing instances can be: new ones run Amazon Linux 2023)."""
    logs_service_principal: str
    log_delivery_principal: str
    """CloudWatch Logs' delivery service, which writes vended logs such as Resolver query logs."""
    flow_logs_service_principal: str
    ec2_service_principal: str
    lambda_service_principal: str
    scheduler_service_principal: str


def yours_lookups(config: YoursStackConfig) -> YoursLookups:
    new_instance_types = {i.instance_type for i in config.new_instances}
    account = current_account()
    for party in config.third_parties:
        check_trusted_role_partition(party, account.partition)
    interface_endpoints = {
        service: endpoint_service(service, endpoint_type="Interface") for service in config.network.interface_endpoints
    }
    check_endpoint_policies_apply(config.network, interface_endpoints)
    existing_instance_roles = {
        i.instance_id: existing_instance_role(i.instance_id, key=i.config_key) for i in config.existing_instances
    }
    macos = any(role.macos for role in existing_instance_roles.values())
    return YoursLookups(
        account=account,
        dns_suffix=aws.get_partition().dns_suffix,
        availability_zones=availability_zones(
            len(config.network.subnet_cidrs), key=config.network.config_keys.subnet_cidrs
        ),
        interface_endpoints=interface_endpoints,
        s3_gateway_service=endpoint_service("s3", endpoint_type="Gateway").service_name,
        images={instance_type: amazon_linux_2023_image(instance_type) for instance_type in sorted(new_instance_types)},
        existing_instance_roles=existing_instance_roles,
        agent_buckets=ssm_agent_buckets(account.region, macos=macos),
        logs_service_principal=service_principal("logs"),
        log_delivery_principal=service_principal("delivery.logs"),
        flow_logs_service_principal=service_principal("vpc-flow-logs"),
        ec2_service_principal=service_principal("ec2"),
        lambda_service_principal=service_principal("lambda"),
        scheduler_service_principal=service_principal("scheduler"),
    )
