"""VpcDnsFirewall: the VPC resolves only the names its instances need, and every query is logged.

The VPC's resolver answers any public name, and neither security groups nor flow logs see DNS, so a shell could
carry data out in queries to a domain whose name server it controls (Route 53 Developer Guide, "Route 53 Resolver
DNS Firewall": exfiltration through DNS is the case it is made for). A DNS Firewall rule group allows the names
the instances use and blocks every other one, failing closed; Resolver query logging records every query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.arns import AwsAccount, log_group_arn
from components.contract import PROJECT
from components.encrypted_log_group import EncryptedLogGroup, EncryptedLogGroupArgs
from components.iam_documents import policy_document, statement
from components.network_policies import amazon_linux_buckets

ALLOW_PRIORITY = 100
BLOCK_PRIORITY = 200
"""DNS Firewall applies a rule group's rules from the lowest priority up, the first match deciding (Route 53
Developer Guide, "DNS Firewall rule groups and rules"): the allowed names first, then everything else."""
EVERY_NAME = "*"
"""A domain list entry that matches every name."""
BLOCK_RESPONSE = "NXDOMAIN"
"""A blocked name does not exist, as far as the instance can tell; the query never leaves the resolver."""
RULE_GROUP_PRIORITY = 101
"""The association's priority among the VPC's rule groups, lowest first; AWS accepts values between 100 and 9900
and suggests leaving room around them (AssociateFirewallRuleGroup, Priority)."""
FAIL_CLOSED = "DISABLED"
"""``FirewallFailOpen``: when DNS Firewall cannot evaluate a query it blocks it (UpdateFirewallConfig)."""
TRUST_REDIRECTION = "TRUST_REDIRECTION_DOMAIN"
"""An allowed name may answer with a CNAME or alias into AWS's own names (an endpoint's private name aliases
its ``vpce-...`` name, S3's names chain to regional ones), which need not be listed. DNS Firewall then inspects
only the first name of the chain: every name it redirects to is trusted, those of names added in
``allowedDnsNames`` included, so add only names whose owner you trust (CreateFirewallRule,
FirewallDomainRedirectionAction)."""


def internal_domain(region: str) -> str:
    """Where EC2 names private addresses: ``ip-10-0-0-1.ec2.internal`` in us-east-1, and
    ``ip-10-0-0-1.<region>.compute.internal`` elsewhere (Amazon EC2 User Guide, "Amazon EC2 instance hostname
    types")."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def s3_regional_host(region: str, dns_suffix: str) -> str:
    """S3's regional endpoint, which the S3 gateway endpoint serves: SSM Agent's update URL
    (``https://s3.{Region}.amazonaws.com/amazon-ssm-{Region}/...``, aws/amazon-ssm-agent
    core/app/selfupdate/constants.go) and, with a bucket in front, virtual-hosted requests."""
    return f"s3.{region}.{dns_suffix}"


def and_below(name: str) -> list[str]:
    """A name and every name under it. The DNS Firewall guide does not say whether ``*.name`` also matches
    ``name`` itself, so both are listed, which is right under either reading."""
    return [name, f"*.{name}"]


def instance_dns_names(
    *,
    region: str,
    dns_suffix: str,
    endpoint_dns_names: Iterable[str],
    agent_buckets: Sequence[str],
    extra: Sequence[str] = (),
) -> list[str]:
    """Every name the instances resolve: the interface endpoints' private names, S3's regional name and those of
    the AWS-owned buckets they read (the Amazon Linux 2023 repositories, SSM Agent's buckets), the VPC's own
    names, and what config adds. Built from the same lookups and bucket list as the endpoints and their
    policies, so a name the instances use is never missing and nothing else is there."""
    s3 = s3_regional_host(region, dns_suffix)
    buckets = [*amazon_linux_buckets(region), *agent_buckets]
    # A lookup may answer no private DNS name for a service; it then has no name to allow, and DNS Firewall's
    # domain lists take no empty one.
    endpoints = [name for name in endpoint_dns_names if name]
    names = [*endpoints, s3, *(f"{bucket}.{s3}" for bucket in buckets), *and_below(internal_domain(region))]
    return sorted(set(names) | set(extra))


def query_log_delivery_policy(account: AwsAccount, log_group_name: str, delivery_principal: str) -> dict[str, Any]:
    """CloudWatch Logs' delivery service may write this account's query logs into the one log group, as the
    policy AWS would create for it says (CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs": the log
    group's resource policy for ``delivery.logs.amazonaws.com``), so nothing wider is created for it."""
    log_streams = f"{log_group_arn(account, log_group_name)}:log-stream:*"
    return policy_document(
        statement(
            "ResolverQueryLogsIntoTheirLogGroup",
            "Allow",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            principal={"Service": delivery_principal},
            resources=log_streams,
            condition={
                "StringEquals": {"aws:SourceAccount": account.account_id},
                "ArnLike": {"aws:SourceArn": account.arn("logs", "*")},
            },
        )
    )


@dataclass
class VpcDnsFirewallArgs:
    vpc_id: pulumi.Input[str]
    """The VPC whose queries are filtered and logged."""
    allowed_names: Sequence[str]
    """Every name the instances may resolve (from :func:`instance_dns_names`)."""
    query_log_group_name: str
    """The log group Resolver query logging writes to."""
    query_log_retention_days: int
    """How long query logs are kept."""
    account: AwsAccount
    """Where the VPC lives."""
    logs_service_principal: str
    """CloudWatch Logs' principal in this region (it encrypts the query log group)."""
    log_delivery_principal: str
    """CloudWatch Logs' delivery service, which writes the query logs."""


class VpcDnsFirewall(pulumi.ComponentResource):
    """A DNS Firewall rule group on the VPC (allow the listed names, block every other), failing closed, and
    Resolver query logging of the VPC into an encrypted, retained log group."""

    def __init__(self, name: str, args: VpcDnsFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{PROJECT}:network_dns:VpcDnsFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        allowed = aws.route53.ResolverFirewallDomainList(
            f"{name}-allowed", name=f"{name}-allowed", domains=list(args.allowed_names), opts=child
        )
        everything = aws.route53.ResolverFirewallDomainList(
            f"{name}-everything", name=f"{name}-everything", domains=[EVERY_NAME], opts=child
        )
        rule_group = aws.route53.ResolverFirewallRuleGroup(f"{name}-rules", name=f"{name}-rules", opts=child)
        aws.route53.ResolverFirewallRule(
            f"{name}-allow-needed-names",
            name="allow-the-names-the-instances-need",
            firewall_rule_group_id=rule_group.id,
            firewall_domain_list_id=allowed.id,
            priority=ALLOW_PRIORITY,
            action="ALLOW",
            firewall_domain_redirection_action=TRUST_REDIRECTION,
            opts=child,
        )
        aws.route53.ResolverFirewallRule(
            f"{name}-block-every-other-name",
            name="block-every-other-name",
            firewall_rule_group_id=rule_group.id,
            firewall_domain_list_id=everything.id,
            priority=BLOCK_PRIORITY,
            action="BLOCK",
            block_response=BLOCK_RESPONSE,
            opts=child,
        )
        aws.route53.ResolverFirewallRuleGroupAssociation(
            f"{name}-rules-on-the-vpc",
            name=f"{name}-rules-on-the-vpc",
            firewall_rule_group_id=rule_group.id,
            vpc_id=args.vpc_id,
            priority=RULE_GROUP_PRIORITY,
            opts=child,
        )
        aws.route53.ResolverFirewallConfig(
            f"{name}-fail-closed", resource_id=args.vpc_id, firewall_fail_open=FAIL_CLOSED, opts=child
        )

        query_logs = EncryptedLogGroup(
            f"{name}-query-logs",
            EncryptedLogGroupArgs(
                log_group_name=args.query_log_group_name,
                retention_days=args.query_log_retention_days,
                account=args.account,
                logs_service_principal=args.logs_service_principal,
                key_description=f"Encrypts the VPC's DNS query logs in {args.query_log_group_name}",
            ),
            opts=child,
        )
        delivery = aws.cloudwatch.LogResourcePolicy(
            f"{name}-query-log-delivery",
            policy_name=f"{name}-query-log-delivery",
            policy_document=pulumi.Output.json_dumps(
                query_log_delivery_policy(args.account, args.query_log_group_name, args.log_delivery_principal)
            ),
            opts=child,
        )
        query_log_config = aws.route53.ResolverQueryLogConfig(
            f"{name}-query-logging",
            name=f"{name}-query-logging",
            destination_arn=query_logs.log_group.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[delivery]),
        )
        aws.route53.ResolverQueryLogConfigAssociation(
            f"{name}-query-logging-on-the-vpc",
            resolver_query_log_config_id=query_log_config.id,
            resource_id=args.vpc_id,
            opts=child,
        )
        self.register_outputs({"ruleGroupId": rule_group.id, "queryLogGroupName": query_logs.log_group.name})
