"""What the program asks AWS before it creates anything.

Every lookup runs before the first resource is registered, so a config that the account cannot
satisfy (more subnets than availability zones, say) stops the program with one line naming the
key, never with half a stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from components.arns import AwsAccount
from components.config import ConfigError, YoursStackConfig
from components.config.yours import SUBNET_CIDRS_KEY, ExplicitTrust, ThirdPartyConfig

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
            f"{party.config_key}.roleArn",
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


def endpoint_service_name(service: str, *, endpoint_type: str) -> str:
    """The full service name of a VPC endpoint service (``com.amazonaws.eu-west-1.ssm``…) in this region."""
    return aws.ec2.get_vpc_endpoint_service(service=service, service_type=endpoint_type).service_name


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


def existing_instance_role(instance_id: str, *, key: str) -> ExistingInstanceRole:
    """The role of an instance you already run: Session Manager needs one, and it needs session rights."""
    profile = aws.ec2.get_instance(instance_id=instance_id).iam_instance_profile
    if not profile:
        raise ConfigError(
            key,
            f"expected an instance with an IAM instance profile (Session Manager needs one, with "
            f"AmazonSSMManagedInstanceCore); {instance_id} has none",
        )
    role = aws.iam.get_instance_profile(name=profile)
    return ExistingInstanceRole(name=role.role_name, arn=role.role_arn)


@dataclass(frozen=True)
class YoursLookups:
    """Everything the yours stack asks AWS, asked before it registers any resource."""

    account: AwsAccount
    availability_zones: list[str]
    """One zone per configured subnet."""
    interface_endpoint_services: dict[str, str]
    """Short name -> the region's full service name, per configured interface endpoint."""
    s3_gateway_service: str
    images: dict[str, str]
    """Instance type -> the current Amazon Linux 2023 image for its architecture."""
    existing_instance_roles: dict[str, ExistingInstanceRole]
    """Existing instance id -> the role it runs as."""
    logs_service_principal: str
    flow_logs_service_principal: str
    ec2_service_principal: str
    lambda_service_principal: str
    scheduler_service_principal: str


def yours_lookups(config: YoursStackConfig) -> YoursLookups:
    new_instance_types = {i.instance_type for i in config.new_instances}
    account = current_account()
    for party in config.third_parties:
        check_trusted_role_partition(party, account.partition)
    return YoursLookups(
        account=account,
        availability_zones=availability_zones(len(config.network.subnet_cidrs), key=SUBNET_CIDRS_KEY),
        interface_endpoint_services={
            service: endpoint_service_name(service, endpoint_type="Interface")
            for service in config.network.interface_endpoints
        },
        s3_gateway_service=endpoint_service_name("s3", endpoint_type="Gateway"),
        images={instance_type: amazon_linux_2023_image(instance_type) for instance_type in sorted(new_instance_types)},
        existing_instance_roles={
            i.instance_id: existing_instance_role(i.instance_id, key=i.config_key) for i in config.existing_instances
        },
        logs_service_principal=service_principal("logs"),
        flow_logs_service_principal=service_principal("vpc-flow-logs"),
        ec2_service_principal=service_principal("ec2"),
        lambda_service_principal=service_principal("lambda"),
        scheduler_service_principal=service_principal("scheduler"),
    )
