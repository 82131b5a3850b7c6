"""third-party-ec2-access: builds the their or the yours side, as the stack's `account` config says."""

from __future__ import annotations

from typing import Any

import pulumi

from components.arns import iam_role_arn
from components.aws_lookups import (
    amazon_linux_2023_image,
    availability_zones,
    current_account,
    endpoint_service_name,
    service_principal,
)
from components.cli_profile import aws_cli_config
from components.config import TheirStackConfig, YoursStackConfig, load_stack_config
from components.config.yours import ExistingInstanceConfig, NewInstanceConfig
from components.fleet import InstanceFleet, InstanceFleetArgs, NewInstance
from components.naming import log_group_name
from components.network import PrivateSsmNetwork, PrivateSsmNetworkArgs, PrivateSubnet
from components.remote_access import RemoteAccessIdentity, RemoteAccessIdentityArgs


def build_their_stack(config: TheirStackConfig) -> dict[str, Any]:
    """The third party's account: the users, and the local role that chains into your account."""
    account = current_account()
    your_role_arn = iam_role_arn(account.partition, config.your_account_id, config.your_role_name)
    identity = RemoteAccessIdentity(
        "remote-access",
        RemoteAccessIdentityArgs(
            users=config.users,
            your_role_arn=your_role_arn,
            require_mfa=config.require_mfa,
            access_key_serial=config.access_key_serial,
        ),
    )
    return {
        "partyName": config.party_name,
        "accountId": account.account_id,
        "assumeRoleArn": identity.local_role.arn,
        "externalId": identity.external_id,
        "yourRoleArn": your_role_arn,
        "users": {
            user: {"arn": u.arn, "credentialsSecretArn": u.credentials_secret_arn} for user, u in identity.users.items()
        },
        "awsCliConfig": {
            user: aws_cli_config(party_name=config.party_name, user=user, region=account.region)
            for user in config.users
        },
    }


def build_yours_stack(config: YoursStackConfig) -> dict[str, Any]:
    """Your account: the private network, the tagged instances and their Run As users."""
    account = current_account()
    # Every lookup comes first: a config the account cannot satisfy stops before any resource.
    zones = availability_zones(len(config.network.subnet_cidrs), key="network.subnetCidrs")
    interface_endpoint_services = {
        service: endpoint_service_name(service, endpoint_type="Interface")
        for service in config.network.interface_endpoints
    }
    new_instances = [i for i in config.instances if isinstance(i, NewInstanceConfig)]
    images = {t: amazon_linux_2023_image(t) for t in sorted({i.instance_type for i in new_instances})}

    network = PrivateSsmNetwork(
        "network",
        PrivateSsmNetworkArgs(
            vpc_cidr=str(config.network.vpc_cidr),
            subnets=[
                PrivateSubnet(str(cidr), zone) for cidr, zone in zip(config.network.subnet_cidrs, zones, strict=True)
            ],
            interface_endpoint_services=interface_endpoint_services,
            s3_gateway_service=endpoint_service_name("s3", endpoint_type="Gateway"),
            flow_log_group_name=log_group_name(pulumi.get_stack(), "vpc-flow-logs"),
            flow_log_retention_days=config.network.flow_log_retention_days,
            account=account,
            logs_service_principal=service_principal("logs"),
            flow_logs_service_principal=service_principal("vpc-flow-logs"),
        ),
    )
    fleet = InstanceFleet(
        "fleet",
        InstanceFleetArgs(
            tag_key=config.tag_key,
            new_instances=[
                NewInstance(
                    name=i.name,
                    granted_to=i.granted_to,
                    instance_type=i.instance_type,
                    image_id=images[i.instance_type],
                    subnet_id=network.subnet_ids[i.subnet_index],
                )
                for i in new_instances
            ],
            existing_instances={
                i.instance_id: i.granted_to for i in config.instances if isinstance(i, ExistingInstanceConfig)
            },
            run_as_users={p.name: p.run_as_user for p in config.third_parties},
            security_group_id=network.instance_security_group.id,
            partition=account.partition,
            ec2_service_principal=service_principal("ec2"),
        ),
    )
    return {
        "vpcId": network.vpc.id,
        "instances": {
            key: {"id": i.instance_id, "party": i.party, "osUser": i.os_user} for key, i in fleet.instances.items()
        },
    }


stack_config = load_stack_config()
if isinstance(stack_config, TheirStackConfig):
    stack_outputs = build_their_stack(stack_config)
else:
    stack_outputs = build_yours_stack(stack_config)
for output_name, output_value in stack_outputs.items():
    pulumi.export(output_name, output_value)
