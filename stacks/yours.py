"""The yours stack: your account's private network, the tagged instances, and who may open sessions on them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pulumi

from components.cli_profile import start_port_forwarding_command, start_session_command
from components.config import TheirStackReference, YoursStackConfig
from components.config.yours.parties import port_forwarding_document_names
from components.contract import PROJECT, log_group_name, session_document_name
from components.fleet import FleetInstance, InstanceFleet, InstanceFleetArgs, NewInstance
from components.network import PrivateSsmNetwork, PrivateSsmNetworkArgs, PrivateSubnet
from components.session_access import (
    InstanceRole,
    PortForwarding,
    ThirdPartySessionAccess,
    ThirdPartySessionAccessArgs,
)
from components.session_notifications import NotifiedParty, SessionNotifications, SessionNotificationsArgs
from components.session_sweeper import SWEPT_ROLES_OUTPUT, PartySessions, SessionSweeper, SessionSweeperArgs
from stacks.aws_lookups import service_principal, yours_lookups
from stacks.their_stack_reference import session_party


def build_yours_stack(config: YoursStackConfig, now: datetime) -> dict[str, Any]:
    """Your account: the private network, the tagged instances, and who may open sessions on them."""
    stack = pulumi.get_stack()
    port_documents = port_forwarding_document_names(stack, config.third_parties)
    # Every lookup comes first: a config the account cannot satisfy stops before any resource.
    aws = yours_lookups(config)
    account = aws.account
    notified = config.notifications.emails
    notification_principals = (service_principal("events"), service_principal("cloudtrail")) if notified else None

    network = PrivateSsmNetwork(
        "network",
        PrivateSsmNetworkArgs(
            vpc_cidr=str(config.network.vpc_cidr),
            subnets=[
                PrivateSubnet(str(cidr), zone)
                for cidr, zone in zip(config.network.subnet_cidrs, aws.availability_zones, strict=True)
            ],
            interface_endpoints=aws.interface_endpoints,
            s3_gateway_service=aws.s3_gateway_service,
            agent_buckets=aws.agent_buckets,
            dns_suffix=aws.dns_suffix,
            extra_dns_names=config.network.allowed_dns_names,
            dns_query_log_group_name=log_group_name(stack, "vpc-dns-queries"),
            dns_query_log_retention_days=config.network.dns_query_log_retention_days,
            log_delivery_principal=aws.log_delivery_principal,
            flow_log_group_name=log_group_name(stack, "vpc-flow-logs"),
            flow_log_retention_days=config.network.flow_log_retention_days,
            account=account,
            logs_service_principal=aws.logs_service_principal,
            flow_logs_service_principal=aws.flow_logs_service_principal,
        ),
    )
    parties = [session_party(party, index) for index, party in enumerate(config.third_parties)]
    fleet = InstanceFleet(
        "fleet",
        InstanceFleetArgs(
            tag_key=config.tag_key,
            new_instances=[
                NewInstance(
                    name=i.name,
                    granted_to=i.granted_to,
                    instance_type=i.instance_type,
                    image_id=aws.images[i.instance_type],
                    subnet_id=network.subnet_ids[i.subnet_index],
                )
                for i in config.new_instances
            ],
            existing_instances={i.instance_id: i.granted_to for i in config.existing_instances},
            os_users={party.name: party.os_users for party in parties},
            access_ends={p.name: p.expires for p in config.third_parties},
            security_group_id=network.instance_security_group.id,
            account=account,
            ec2_service_principal=aws.ec2_service_principal,
            agent_buckets=aws.agent_buckets,
        ),
    )
    document_name = session_document_name(stack)
    access = ThirdPartySessionAccess(
        "session-access",
        ThirdPartySessionAccessArgs(
            parties=parties,
            tag_key=config.tag_key,
            instance_roles={
                "fleet-instances": InstanceRole(fleet.instance_role.name, fleet.instance_role.arn),
                **{
                    f"existing-{role.name}": InstanceRole(role.name, role.arn)
                    for role in aws.existing_instance_roles.values()
                },
            },
            document_name=document_name,
            log_group_name=log_group_name(stack, "sessions"),
            log_retention_days=config.session.log_retention_days,
            idle_timeout_minutes=config.session.idle_timeout_minutes,
            max_duration_minutes=config.session.max_duration_minutes,
            account=account,
            logs_service_principal=aws.logs_service_principal,
            adopt_key_id=config.session.adopt_session_key,
            port_forwarding={
                p.name: PortForwarding(port_documents[p.name], p.ports) for p in config.third_parties if p.ports
            },
        ),
    )

    # This stack's own outputs, as its last update left them: the only memory of the session roles removed
    # from config, whose open sessions the sweeper must still end. A stack may read its own outputs back
    # (pulumi/pulumi#3722, a maintainer's example); before its first update it has none, so get_output gives
    # None (pulumi/pulumi pkg/backend GetStackOutputs: no root stack resource, no outputs).
    previous_update = pulumi.StackReference(
        "previous-update", stack_name=f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}"
    )
    sweeper = SessionSweeper(
        "session-sweeper",
        SessionSweeperArgs(
            log_group_name=log_group_name(stack, "session-sweeper"),
            document_names=[document_name, *port_documents.values()],
            parties=[
                PartySessions(
                    party=party.name,
                    role_name=party.role_name,
                    role_id=access.session_roles[party.name].unique_id,
                    expires=party.expires,
                    instance_ids=[i.instance_id for i in fleet.instances.values() if i.party == party.name],
                    people=party.os_users.people if party.os_users.prefix else None,
                )
                for party in parties
            ],
            previous_roles=previous_update.get_output(SWEPT_ROLES_OUTPUT),
            now=now,
            longest_session=timedelta(minutes=config.session.max_duration_minutes),
            log_retention_days=config.session.log_retention_days,
            account=account,
            logs_service_principal=aws.logs_service_principal,
            lambda_service_principal=aws.lambda_service_principal,
            scheduler_service_principal=aws.scheduler_service_principal,
            adopt_key_id=config.session.adopt_sweeper_key,
        ),
    )

    if notification_principals:
        events_principal, cloudtrail_principal = notification_principals
        SessionNotifications(
            "session-notifications",
            SessionNotificationsArgs(
                emails=notified,
                parties=[
                    NotifiedParty(
                        party.name, party.role_name, access.session_roles[party.name].unique_id, party.expires
                    )
                    for party in parties
                ],
                sweeper_role_id=sweeper.role.unique_id,
                stack_path=f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}",
                topic_name=f"{PROJECT}-{stack}-sessions",
                trail_name=f"{PROJECT}-{stack}-session-calls",
                trail_retention_days=config.session.log_retention_days,
                account=account,
                events_service_principal=events_principal,
                cloudtrail_service_principal=cloudtrail_principal,
            ),
        )

    # The name its their stack gives this account, when that stack serves several: it is in the profile name.
    customers = {p.name: p.trust.customer for p in config.third_parties if isinstance(p.trust, TheirStackReference)}

    def connect_command(instance: FleetInstance) -> pulumi.Output[str]:
        return pulumi.Output.from_input(instance.instance_id).apply(
            lambda target: start_session_command(
                target=target,
                document_name=document_name,
                region=account.region,
                party_name=instance.party,
                customer=customers.get(instance.party),
            )
        )

    ports = {p.name: p.ports for p in config.third_parties}

    def forwarding_commands(key: str, instance: FleetInstance) -> dict[str, pulumi.Output[str]]:
        """``instance-a:5432`` -> the command forwarding that port, for each port of the instance's party."""
        return {
            f"{key}:{port}": pulumi.Output.from_input(instance.instance_id).apply(
                lambda target, port=port: start_port_forwarding_command(
                    target=target,
                    document_name=port_documents[instance.party],
                    port=port,
                    region=account.region,
                    party_name=instance.party,
                    customer=customers.get(instance.party),
                )
            )
            for port in ports[instance.party]
        }

    return {
        "sessionRoles": {party: role.arn for party, role in access.session_roles.items()},
        "instances": {key: instance.as_output() for key, instance in fleet.instances.items()},
        "sessionDocument": access.document.name,
        "sessionLogGroup": access.log_group.name,
        "kmsKeyArn": access.key.arn,
        "vpcId": network.vpc.id,
        SWEPT_ROLES_OUTPUT: sweeper.swept_roles,
        "connectCommands": {
            party.name: {
                command_key: command
                for key, i in fleet.instances.items()
                if i.party == party.name
                for command_key, command in {key: connect_command(i), **forwarding_commands(key, i)}.items()
            }
            for party in config.third_parties
        },
    }
