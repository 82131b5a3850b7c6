"""The yours stack's network, run through __main__.py under mocks: no way in or out but HTTPS to AWS."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from components.arns import instance_arn
from harness.program_run import ProgramRun, RegisteredResource
from proof.cases import instance_and_network
from proof.cases.world import YOURS, Names, World, endpoint_policy_support
from tests.shared_runs import agent_buckets_of_the_guide, yours_granting_existing, yours_in
from tests.stack_runs import run_yours, yours_mocks

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"

# Anything that would open a path to or from the internet.
INTERNET_PATH_TYPES = {
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/eipAssociation:EipAssociation",
    "aws:ec2/route:Route",
    "aws:ec2/vpnGateway:VpnGateway",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
}


@pytest.fixture(scope="module")
def run(yours_run) -> ProgramRun:
    return yours_run


def security_group(run: ProgramRun, name_suffix: str) -> RegisteredResource:
    (group,) = [g for g in run.of_type(SECURITY_GROUP) if g.name.endswith(name_suffix)]
    return group


def test_vpc_resolves_private_dns(run):
    vpc = run.one(VPC)
    assert vpc.inputs["cidrBlock"] == "10.24.34.0/23"
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True


def test_one_private_subnet_by_default_as_the_seed_promises(run):
    (subnet,) = run.of_type(SUBNET)
    assert subnet.inputs["cidrBlock"] == "10.24.34.0/24"
    assert subnet.inputs["mapPublicIpOnLaunch"] is False


def test_each_subnet_gets_its_own_availability_zone():
    run = run_yours(network={"vpcCidr": "10.0.0.0/16", "subnetCidrs": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]})
    zones = [s.inputs["availabilityZone"] for s in run.of_type(SUBNET)]
    assert sorted(zones) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_more_subnets_than_zones_stops_before_any_resource():
    run = run_yours(
        mocks=yours_mocks(zones=("a", "b")),
        network={"vpcCidr": "10.0.0.0/16", "subnetCidrs": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]},
        expect_error=True,
    )
    assert str(run.error).startswith("third-party-ec2-access:network.subnetCidrs: expected at most 2 subnets")
    assert run.resources == []


def test_no_internet_gateway_nat_public_address_or_route(run):
    assert {r.type for r in run.resources} & INTERNET_PATH_TYPES == set()
    for table in run.of_type(ROUTE_TABLE):
        assert table.inputs.get("routes", []) == []  # only the implicit local route
    for instance in run.of_type("aws:ec2/instance:Instance"):
        assert instance.inputs["associatePublicIpAddress"] is False
    assert "assignGeneratedIpv6CidrBlock" not in run.one(VPC).inputs


def test_security_groups_allow_only_https(run):
    rules = run.of_type(INGRESS_RULE) + run.of_type(EGRESS_RULE)
    assert rules
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)
        assert "cidrIpv4" not in rule.inputs
        assert "cidrIpv6" not in rule.inputs
    for group in run.of_type(SECURITY_GROUP):  # no inline rule hides beside the rule resources
        assert not group.inputs.get("ingress")
        assert not group.inputs.get("egress")
    default_group = run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default_group.inputs.get("ingress")
    assert not default_group.inputs.get("egress")
    assert "0.0.0.0/0" not in json.dumps([r.inputs for r in run.resources])


def test_security_groups_reference_each_other_as_designed(run):
    endpoints = security_group(run, "-endpoints")
    instances = security_group(run, "-instances")
    s3 = next(e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway")

    ingress = {(r.inputs["securityGroupId"], r.inputs["referencedSecurityGroupId"]) for r in run.of_type(INGRESS_RULE)}
    assert ingress == {(endpoints.id, instances.id), (endpoints.id, endpoints.id)}  # nothing in to the instances

    egress = {
        (r.inputs["securityGroupId"], r.inputs.get("referencedSecurityGroupId"), r.inputs.get("prefixListId"))
        for r in run.of_type(EGRESS_RULE)
    }
    assert egress == {(instances.id, endpoints.id, None), (instances.id, None, s3.outputs["prefixListId"])}


def test_interface_endpoints_with_private_dns_in_every_subnet(run):
    interface = [e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    services = sorted(e.inputs["serviceName"] for e in interface)
    assert services == sorted(
        f"com.amazonaws.eu-west-1.{s}" for s in ["ssm", "ssmmessages", "ec2messages", "logs", "kms"]
    )
    subnet_ids = sorted(s.id for s in run.of_type(SUBNET))
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert sorted(endpoint.inputs["subnetIds"]) == subnet_ids
        assert endpoint.inputs["securityGroupIds"] == [security_group(run, "-endpoints").id]


def test_s3_gateway_endpoint_on_the_private_route_table(run):
    (s3,) = [e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    assert s3.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    assert s3.inputs["routeTableIds"] == [run.one(ROUTE_TABLE).id]
    associations = run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    assert sorted(a.inputs["subnetId"] for a in associations) == sorted(s.id for s in run.of_type(SUBNET))


def test_every_endpoint_admits_only_this_accounts_principals(run):
    endpoints = run.of_type(ENDPOINT)
    assert len(endpoints) == 6
    for endpoint in endpoints:
        first, *rest = endpoint.json_input("policy")["Statement"]
        assert (first["Effect"], first["Principal"]) == ("Allow", "*")
        assert first["Condition"]["StringEquals"]["aws:PrincipalAccount"] == "111122223333"
        # The only unconditioned grant is reading AWS's own buckets through the S3 gateway.
        assert [s for s in rest if s["Action"] != "s3:GetObject"] == []


def test_endpoints_whose_requests_name_own_resources_reach_only_this_accounts(run):
    resource_account = {
        endpoint.inputs["serviceName"].rsplit(".", 1)[-1]: endpoint.json_input("policy")["Statement"][0]["Condition"][
            "StringEquals"
        ].get("aws:ResourceAccount")
        for endpoint in run.of_type(ENDPOINT)
    }
    # logs:DescribeLogGroups and SSM Agent's list calls name no resource, and AWS-RunShellScript is AWS's:
    # aws:ResourceAccount there would refuse SSM Agent itself.
    assert resource_account == {
        "s3": "111122223333",
        "kms": "111122223333",
        "ssm": None,
        "ssmmessages": None,
        "ec2messages": None,
        "logs": None,
    }


def gateway_reads(run: ProgramRun) -> list[str]:
    (s3,) = [e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    (aws_owned,) = [s for s in s3.json_input("policy")["Statement"] if s["Action"] == "s3:GetObject"]
    assert "Condition" not in aws_owned  # dnf reads its repositories unauthenticated
    return sorted(aws_owned["Resource"])


@pytest.mark.parametrize(("partition", "region"), [("aws", "eu-west-1"), ("aws-us-gov", "us-gov-west-1")])
def test_the_s3_gateway_reads_only_the_aws_owned_buckets_amazon_linux_and_ssm_agent_use(partition, region):
    run = yours_in(partition, region)
    # The Amazon Linux 2023 names of AWS's data perimeter examples ("Service-owned resources"), and the agent's.
    assert gateway_reads(run) == sorted(
        f"arn:{partition}:s3:::{bucket}/*"
        for bucket in [f"al2023-repos-{region}-de612dc2", f"al2023-{region}", *agent_buckets_of_the_guide(region)]
    )


def test_a_granted_macos_instance_adds_the_macos_patch_bucket_to_the_gateway():
    assert "arn:aws:s3:::aws-patchmanager-macos-eu-west-1/*" in gateway_reads(yours_granting_existing("mac2-m2.metal"))
    assert not [r for r in gateway_reads(yours_granting_existing("m7i.large")) if "macos" in r]


# -- endpoint policies AWS would ignore ------------------------------------------------------------------


def test_an_endpoint_whose_service_ignores_endpoint_policies_stops_the_program_before_any_resource():
    run = run_yours(yours_mocks(endpoints_without_policy_support=frozenset({"ssmmessages"})), expect_error=True)
    assert str(run.error) == (
        "third-party-ec2-access:network.interfaceEndpoints[1]: expected services that enforce endpoint policies; "
        "com.amazonaws.eu-west-1.ssmmessages does not support endpoint policies here (VpcEndpointPolicySupported "
        "is false), so AWS would ignore the endpoint's policy and admit any account's credentials through it. To "
        "deploy it all the same, add ssmmessages to network.acceptEndpointsWithoutPolicy"
    )
    assert run.resources == []
    lookups = [i for i in run.invokes if i.token == "aws:ec2/getVpcEndpointService:getVpcEndpointService"]
    assert {i.args["service"] for i in lookups} >= {"ssm", "ssmmessages", "ec2messages", "logs", "kms"}


def test_an_accepted_endpoint_without_policy_support_deploys_with_a_warning_and_leaves_the_proof(caplog):
    mocks = yours_mocks(endpoints_without_policy_support=frozenset({"ssmmessages"}))
    with caplog.at_level(logging.WARNING):
        run = run_yours(mocks, network={"acceptEndpointsWithoutPolicy": ["ssmmessages"]})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [w for w in warnings if "ssmmessages" in w] == [
        "network.acceptEndpointsWithoutPolicy accepts ssmmessages: com.amazonaws.eu-west-1.ssmmessages does not "
        "support endpoint policies here (VpcEndpointPolicySupported is false), so AWS would ignore the endpoint's "
        "policy and admit any account's credentials through it"
    ]
    assert any(e.inputs["serviceName"].endswith(".ssmmessages") for e in run.of_type(ENDPOINT))
    # The proof's world takes the support from the deployment's lookup, and counts foreign credentials refused
    # through an endpoint only where its policy is enforced.
    support = endpoint_policy_support(run)
    assert support == {"ssm": True, "ssmmessages": False, "ec2messages": True, "logs": True, "kms": True}
    refused = [
        c.name
        for c in instance_and_network.cases(Names(world_of(run)))
        if c.name.startswith("foreign credentials through")
    ]
    assert refused == [f"foreign credentials through the {s} endpoint" for s in ["ssm", "ec2messages", "logs", "kms"]]


def world_of(run: ProgramRun) -> World:
    """The proof's world as far as the network's cases need it; the other fields are left empty."""
    empty = {f.name: "" for f in dataclasses.fields(World)}
    return World(
        **empty
        | {
            "their_a": {},
            "their_b": {},
            "yours": run.stack_outputs,
            "instance_a": instance_arn(YOURS, "i-0123456789abcdef0"),
            "fleet_role_name": "fleet-instance-role",
            "vpc": run.stack_outputs["vpcId"],
            "endpoint_policy_supported": endpoint_policy_support(run),
        }
    )


def test_flow_logs_go_to_an_encrypted_retained_log_group(run):
    flow_log = run.one(FLOW_LOG)
    assert flow_log.inputs["vpcId"] == run.one(VPC).id
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    (log_group,) = [g for g in run.of_type(LOG_GROUP) if g.outputs["arn"] == flow_log.inputs["logDestination"]]
    assert log_group.inputs["retentionInDays"] == 365
    (key,) = [k for k in run.of_type(KMS_KEY) if k.outputs["arn"] == log_group.inputs["kmsKeyId"]]
    assert key.inputs["enableKeyRotation"] is True
    logs_statement = next(
        s
        for s in key.json_input("policy")["Statement"]
        if s["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    )
    assert logs_statement["Condition"] == {
        "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group.outputs["arn"]}
    }


def test_flow_logs_role_serves_only_this_accounts_flow_logs(run):
    flow_log = run.one(FLOW_LOG)
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.outputs["arn"] == flow_log.inputs["iamRoleArn"]]
    (trust,) = role.json_input("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*"}
    (policy,) = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id]
    log_group_arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/third-party-ec2-access/yours/vpc-flow-logs"
    writes = policy.json_input("policy")["Statement"][0]
    assert writes["Resource"] == [log_group_arn, f"{log_group_arn}:*"]
