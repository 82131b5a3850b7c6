"""PrivateSsmNetwork: private subnets that reach AWS only through VPC endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount
from components.contract import PROJECT
from components.encrypted_log_group import EncryptedLogGroup, EncryptedLogGroupArgs
from components.network_dns import VpcDnsFirewall, VpcDnsFirewallArgs, instance_dns_names
from components.network_policies import (
    flow_logs_delivery_policy,
    flow_logs_trust_policy,
    interface_endpoint_policy,
    s3_gateway_endpoint_policy,
)

HTTPS = 443


@dataclass(frozen=True)
class EndpointService:
    """A VPC endpoint service of this region, as ``DescribeVpcEndpointServices`` describes it."""

    service_name: str
    """Its full name (``com.amazonaws.eu-west-1.ssm``…)."""
    private_dns_name: str
    """The name an interface endpoint with private DNS answers for (``ssm.eu-west-1.amazonaws.com``)."""
    policy_supported: bool
    """``VpcEndpointPolicySupported``: where false, AWS ignores the endpoint's policy and allows full access
    (AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies")."""


@dataclass(frozen=True)
class PrivateSubnet:
    cidr: str
    """The subnet's IPv4 block, inside the VPC's."""
    availability_zone: str
    """Its own zone: no two subnets share one."""


@dataclass
class PrivateSsmNetworkArgs:
    vpc_cidr: str
    """The VPC's IPv4 block."""
    subnets: Sequence[PrivateSubnet]
    """The private subnets; every interface endpoint has an address in each."""
    interface_endpoints: Mapping[str, EndpointService]
    """Short name (``ssm``) -> the region's endpoint service (``com.amazonaws.eu-west-1.ssm``), as looked up."""
    s3_gateway_service: str
    """The S3 gateway endpoint's service name in this region."""
    agent_buckets: Sequence[str]
    """The AWS-owned buckets SSM Agent reads (the S3 gateway lets them through, as the instance role reads them)."""
    dns_suffix: str
    """The partition's DNS suffix, for S3's names."""
    extra_dns_names: Sequence[str]
    """Names the instances may resolve beyond what they need for AWS (from config)."""
    dns_query_log_group_name: str
    """The log group Resolver query logging writes to."""
    dns_query_log_retention_days: int
    """How long DNS query logs are kept."""
    log_delivery_principal: str
    """CloudWatch Logs' delivery service, which writes the query logs."""
    flow_log_group_name: str
    """The log group VPC Flow Logs writes to."""
    flow_log_retention_days: int
    """How long flow log records are kept."""
    account: AwsAccount
    """Where the network lives."""
    logs_service_principal: str
    """CloudWatch Logs' principal in this region (it encrypts the flow log group)."""
    flow_logs_service_principal: str
    """VPC Flow Logs' principal (it assumes the delivery role)."""


class PrivateSsmNetwork(pulumi.ComponentResource):
    """A VPC with DNS, private subnets with no internet route (no internet gateway, no NAT, no public
    addresses), interface endpoints with private DNS, an S3 gateway endpoint, each endpoint with a policy
    that admits only this account's principals, two security groups that allow nothing but HTTPS between
    instances and endpoints, encrypted flow logs, and a DNS firewall that resolves only the names the
    instances need, with every query logged."""

    vpc: aws.ec2.Vpc
    subnet_ids: list[pulumi.Output[str]]
    instance_security_group: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: PrivateSsmNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:network:PrivateSsmNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            enable_dns_support=True,  # private DNS of the interface endpoints needs both
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=child,
        )
        # The VPC's default security group allows all traffic among its members: adopt it, with no rule.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-security-group", vpc_id=self.vpc.id, opts=child)

        route_table = aws.ec2.RouteTable(
            f"{name}-private-routes", vpc_id=self.vpc.id, tags={"Name": f"{name}-private"}, opts=child
        )
        subnets = []
        for index, subnet in enumerate(args.subnets):
            private_subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=subnet.cidr,
                availability_zone=subnet.availability_zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{subnet.availability_zone}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-routes", subnet_id=private_subnet.id, route_table_id=route_table.id, opts=child
            )
            subnets.append(private_subnet)
        self.subnet_ids = [s.id for s in subnets]

        endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=self.vpc.id,
            description="VPC interface endpoints: HTTPS in from the instances and from each other only",
            tags={"Name": f"{name}-endpoints"},
            opts=child,
        )
        self.instance_security_group = aws.ec2.SecurityGroup(
            f"{name}-instances",
            vpc_id=self.vpc.id,
            description="Private instances: HTTPS out to the VPC endpoints and S3 only, nothing in",
            tags={"Name": f"{name}-instances"},
            opts=child,
        )

        s3_gateway = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=args.s3_gateway_service,
            vpc_endpoint_type="Gateway",
            route_table_ids=[route_table.id],
            policy=pulumi.Output.json_dumps(s3_gateway_endpoint_policy(args.account, args.agent_buckets)),
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        for service, endpoint_service in args.interface_endpoints.items():
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=self.vpc.id,
                service_name=endpoint_service.service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[endpoint_security_group.id],
                policy=pulumi.Output.json_dumps(interface_endpoint_policy(args.account, service)),
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )

        # HTTPS only, between the instances and the endpoints (and S3): nothing else in or out. The rules
        # are resources of their own because the two groups refer to each other.
        instances, endpoints = self.instance_security_group.id, endpoint_security_group.id
        for rule, rule_name, group, peer, description in [
            (aws.vpc.SecurityGroupIngressRule, "endpoints-from-instances", endpoints,
             {"referenced_security_group_id": instances}, "HTTPS from the private instances"),
            (aws.vpc.SecurityGroupIngressRule, "endpoints-from-endpoints", endpoints,
             {"referenced_security_group_id": endpoints}, "HTTPS among the endpoints' interfaces"),
            (aws.vpc.SecurityGroupEgressRule, "instances-to-endpoints", instances,
             {"referenced_security_group_id": endpoints}, "HTTPS to the VPC interface endpoints"),
            (aws.vpc.SecurityGroupEgressRule, "instances-to-s3", instances,
             {"prefix_list_id": s3_gateway.prefix_list_id}, "HTTPS to S3 (dnf repositories, agent updates)"),
        ]:  # fmt: skip
            rule(
                f"{name}-{rule_name}",
                security_group_id=group,
                ip_protocol="tcp",
                from_port=HTTPS,
                to_port=HTTPS,
                description=description,
                **peer,
                opts=child,
            )

        self._flow_logs(name, args)
        VpcDnsFirewall(
            f"{name}-dns",
            VpcDnsFirewallArgs(
                vpc_id=self.vpc.id,
                allowed_names=instance_dns_names(
                    region=args.account.region,
                    dns_suffix=args.dns_suffix,
                    endpoint_dns_names=[e.private_dns_name for e in args.interface_endpoints.values()],
                    agent_buckets=args.agent_buckets,
                    extra=args.extra_dns_names,
                ),
                query_log_group_name=args.dns_query_log_group_name,
                query_log_retention_days=args.dns_query_log_retention_days,
                account=args.account,
                logs_service_principal=args.logs_service_principal,
                log_delivery_principal=args.log_delivery_principal,
            ),
            opts=child,
        )

        self.register_outputs(
            {
                "vpcId": self.vpc.id,
                "subnetIds": self.subnet_ids,
                "instanceSecurityGroupId": self.instance_security_group.id,
            }
        )

    def _flow_logs(self, name: str, args: PrivateSsmNetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        flow_logs = EncryptedLogGroup(
            f"{name}-flow-logs",
            EncryptedLogGroupArgs(
                log_group_name=args.flow_log_group_name,
                retention_days=args.flow_log_retention_days,
                account=args.account,
                logs_service_principal=args.logs_service_principal,
                key_description=f"Encrypts the VPC flow logs of {args.flow_log_group_name}",
            ),
            opts=child,
        )
        delivery_role = aws.iam.Role(
            f"{name}-flow-logs-delivery",
            description="VPC Flow Logs writes this VPC's records to its log group",
            assume_role_policy=pulumi.Output.json_dumps(
                flow_logs_trust_policy(args.account, args.flow_logs_service_principal)
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-delivery",
            role=delivery_role.id,
            policy=pulumi.Output.json_dumps(flow_logs_delivery_policy(args.account, args.flow_log_group_name)),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_logs.log_group.arn,
            iam_role_arn=delivery_role.arn,
            tags={"Name": name},
            opts=child,
        )
