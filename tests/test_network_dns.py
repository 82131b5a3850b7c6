"""The VPC's DNS under mocks: only the names the instances need resolve, failing closed, and every query logged."""

from __future__ import annotations

import pytest

from components.arns import AwsAccount
from components.config.yours.network import INTERFACE_ENDPOINTS
from components.network_dns import instance_dns_names
from components.network_policies import s3_gateway_endpoint_policy, ssm_agent_buckets
from harness.program_run import ProgramRun, RegisteredResource
from tests.stack_runs import run_yours

DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
RULE_GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"
RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"
ASSOCIATION = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
FIREWALL_CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig"
QUERY_LOG_CONFIG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"
QUERY_LOG_ASSOCIATION = "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
VPC = "aws:ec2/vpc:Vpc"
ENDPOINT_LOOKUP = "aws:ec2/getVpcEndpointService:getVpcEndpointService"
QUERY_LOG_GROUP = "/third-party-ec2-access/yours/vpc-dns-queries"


@pytest.fixture(scope="module")
def run(yours_run) -> ProgramRun:
    return yours_run


def domains(run: ProgramRun, resource_id: str) -> list[str]:
    (found,) = [d for d in run.of_type(DOMAIN_LIST) if d.id == resource_id]
    return found.inputs["domains"]


def rules(run: ProgramRun) -> dict[int, RegisteredResource]:
    (group,) = run.of_type(RULE_GROUP)
    found = [r for r in run.of_type(RULE) if r.inputs["firewallRuleGroupId"] == group.id]
    return {r.inputs["priority"]: r for r in found}


def test_the_allowed_names_go_first_and_every_other_name_is_blocked(run):
    by_priority = rules(run)
    assert sorted(by_priority) == [100, 200]  # DNS Firewall applies the lowest priority first
    allow, block = by_priority[100], by_priority[200]
    assert allow.inputs["action"] == "ALLOW"
    assert "ssm.eu-west-1.amazonaws.com" in domains(run, allow.inputs["firewallDomainListId"])
    assert block.inputs["action"] == "BLOCK"
    assert block.inputs["blockResponse"] == "NXDOMAIN"
    assert domains(run, block.inputs["firewallDomainListId"]) == ["*"]


def test_only_the_allowed_names_trust_where_they_redirect(run):
    # An endpoint's private name aliases its vpce- name: the allow rule trusts the chain of an allowed name
    # (CreateFirewallRule, FirewallDomainRedirectionAction), and nothing else does.
    by_priority = rules(run)
    assert by_priority[100].inputs["firewallDomainRedirectionAction"] == "TRUST_REDIRECTION_DOMAIN"
    assert "firewallDomainRedirectionAction" not in by_priority[200].inputs


def test_the_rule_group_is_on_the_vpc_and_fails_closed(run):
    vpc = run.one(VPC)
    association = run.one(ASSOCIATION)
    assert association.inputs["vpcId"] == vpc.id
    assert association.inputs["firewallRuleGroupId"] == run.one(RULE_GROUP).id
    assert 100 <= association.inputs["priority"] <= 9900  # AssociateFirewallRuleGroup's range
    config = run.one(FIREWALL_CONFIG)
    assert config.inputs == {"resourceId": vpc.id, "firewallFailOpen": "DISABLED"}


def test_every_query_of_the_vpc_is_logged_to_an_encrypted_retained_log_group(run):
    config = run.one(QUERY_LOG_CONFIG)
    (log_group,) = [g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup") if g.inputs["name"] == QUERY_LOG_GROUP]
    assert config.inputs["destinationArn"] == log_group.outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 365
    (key,) = [k for k in run.of_type("aws:kms/key:Key") if k.outputs["arn"] == log_group.inputs["kmsKeyId"]]
    assert key.inputs["enableKeyRotation"] is True
    association = run.one(QUERY_LOG_ASSOCIATION)
    assert association.inputs == {"resolverQueryLogConfigId": config.id, "resourceId": run.one(VPC).id}


def test_only_cloudwatch_logs_delivery_writes_the_query_logs_and_only_into_their_log_group(run):
    policy = run.one(LOG_RESOURCE_POLICY)
    (grant,) = policy.json_input("policyDocument")["Statement"]
    assert grant["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert sorted(grant["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert grant["Resource"] == f"arn:aws:logs:eu-west-1:111122223333:log-group:{QUERY_LOG_GROUP}:log-stream:*"
    assert grant["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:logs:eu-west-1:111122223333:*"},
    }
    # The delivery may be set up only once the policy is there.
    assert policy.urn in run.one(QUERY_LOG_CONFIG).dependencies


def test_the_allowed_names_are_built_from_what_the_deployment_looked_up(run):
    (allow_list,) = [d for d in run.of_type(DOMAIN_LIST) if d.inputs["domains"] != ["*"]]
    looked_up = [
        i.answer["privateDnsName"]
        for i in run.invokes
        if i.token == ENDPOINT_LOOKUP and i.args["serviceType"] == "Interface"
    ]
    assert allow_list.inputs["domains"] == instance_dns_names(
        region="eu-west-1",
        dns_suffix="amazonaws.com",
        endpoint_dns_names=looked_up,
        agent_buckets=ssm_agent_buckets("eu-west-1", macos=False),
    )


def test_names_config_adds_are_allowed_too():
    run = run_yours(network={"allowedDnsNames": ["repo.example.com", "*.example.org"]})
    (allow_list,) = [d for d in run.of_type(DOMAIN_LIST) if d.inputs["domains"] != ["*"]]
    assert {"repo.example.com", "*.example.org"} <= set(allow_list.inputs["domains"])


def test_every_name_cannot_be_allowed_and_nothing_is_registered():
    run = run_yours(network={"allowedDnsNames": ["*"]}, expect_error=True)
    assert str(run.error).startswith("third-party-ec2-access:network.allowedDnsNames[0]: expected a DNS name")
    assert run.resources == []


@pytest.mark.parametrize(
    ("partition", "region", "dns_suffix", "internal"),
    [
        ("aws", "eu-west-1", "amazonaws.com", "eu-west-1.compute.internal"),
        # EC2's private names in us-east-1 are ip-….ec2.internal (Amazon EC2 User Guide, instance hostname types).
        ("aws", "us-east-1", "amazonaws.com", "ec2.internal"),
        ("aws-cn", "cn-north-1", "amazonaws.com.cn", "cn-north-1.compute.internal"),
    ],
)
def test_the_allow_list_is_exactly_what_the_instances_need_in_the_region(partition, region, dns_suffix, internal):
    endpoint_names = [f"{service}.{region}.{dns_suffix}" for service in INTERFACE_ENDPOINTS.default]
    agent_buckets = ssm_agent_buckets(region, macos=False)
    names = instance_dns_names(
        region=region, dns_suffix=dns_suffix, endpoint_dns_names=endpoint_names, agent_buckets=agent_buckets
    )
    # Every bucket the S3 gateway lets the instances read is reached at its virtual-hosted name on S3's regional
    # endpoint, and no other bucket is.
    gateway = s3_gateway_endpoint_policy(AwsAccount(partition, "111122223333", region), agent_buckets)
    (reads,) = [s for s in gateway["Statement"] if s["Action"] == "s3:GetObject"]
    s3 = f"s3.{region}.{dns_suffix}"
    bucket_hosts = {
        arn.removeprefix(f"arn:{partition}:s3:::").removesuffix("/*") + f".{s3}" for arn in reads["Resource"]
    }
    assert set(names) == {*endpoint_names, s3, *bucket_hosts, internal, f"*.{internal}"}
    assert f"amazon-ssm-{region}.{s3}" in names  # SSM Agent's updates
    assert f"al2023-repos-{region}-de612dc2.{s3}" in names  # dnf's mirror list
    assert not [n for n in names if n in {"*", "com", "*.com"} or (n.endswith(".amazonaws.com") and n.startswith("*."))]


def test_an_endpoint_without_a_private_dns_name_adds_no_empty_name():
    names = instance_dns_names(
        region="eu-west-1",
        dns_suffix="amazonaws.com",
        endpoint_dns_names=["ssm.eu-west-1.amazonaws.com", ""],
        agent_buckets=ssm_agent_buckets("eu-west-1", macos=False),
    )
    assert "" not in names
    assert "ssm.eu-west-1.amazonaws.com" in names
