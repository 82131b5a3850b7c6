"""The yours stack's instances, run through __main__.py under mocks: the instance lines of the security bar."""

from __future__ import annotations

import base64
import gzip

import pytest

from components.iam_documents import iam_time
from components.run_as_user.converge_script import run_as_user_script
from harness.aws_mocks import ExistingInstance
from harness.program_run import ProgramRun
from tests.shared_runs import (
    EXISTING_INSTANCE,
    EXPIRES,
    agent_buckets_of_the_guide,
    expiring_run,
    yours_granting_existing,
    yours_in,
)
from tests.stack_runs import run_yours, yours_mocks

INSTANCE = "aws:ec2/instance:Instance"
ASSOCIATION = "aws:ssm/association:Association"
TAG = "aws:ec2/tag:Tag"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

# The public parameters AWS documents for the current Amazon Linux 2023 images.
AL2023_ARM64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
AL2023_X86_64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

EXISTING = EXISTING_INSTANCE


@pytest.fixture(scope="module")
def with_existing_instance() -> ProgramRun:
    return run_yours(
        yours_mocks(existing_instances={EXISTING: ExistingInstance("legacy-app", role_name="LegacyAppRole")}),
        instances=[
            {"name": "instance-a", "grantedTo": "Third_Party_A"},
            {"name": "instance-b", "grantedTo": "Third_Party_B", "instanceType": "t3.micro"},
            {"id": EXISTING, "grantedTo": "Third_Party_A"},
        ],
    )


def image_answer(run: ProgramRun, parameter: str) -> str:
    """The image id the program was told for an SSM parameter."""
    (lookup,) = [
        i for i in run.invokes if i.token == "aws:ssm/getParameter:getParameter" and i.args["name"] == parameter
    ]
    return lookup.answer["value"]


def instance(run: ProgramRun, name: str):
    (found,) = [i for i in run.of_type(INSTANCE) if i.inputs["tags"]["Name"] == name]
    return found


def test_instances_require_imdsv2_encrypt_their_volume_and_have_no_public_address(yours_run):
    instances = yours_run.of_type(INSTANCE)
    assert len(instances) == 2
    for created in instances:
        metadata = created.inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required"
        assert metadata["httpPutResponseHopLimit"] == 1
        assert created.inputs["rootBlockDevice"]["encrypted"] is True
        assert created.inputs["associatePublicIpAddress"] is False
        assert created.inputs["subnetId"] == yours_run.one("aws:ec2/subnet:Subnet").id


def test_instances_run_the_current_amazon_linux_2023_for_their_architecture(with_existing_instance):
    run = with_existing_instance
    graviton = instance(run, "instance-a")
    intel = instance(run, "instance-b")
    assert graviton.inputs["instanceType"] == "t4g.micro"  # the default
    assert graviton.inputs["ami"] == image_answer(run, AL2023_ARM64)
    assert intel.inputs["instanceType"] == "t3.micro"
    assert intel.inputs["ami"] == image_answer(run, AL2023_X86_64)


def test_a_new_image_release_does_not_replace_running_instances(yours_run):
    for created in yours_run.of_type(INSTANCE):
        assert "ami" in created.ignore_changes
        assert created.replacement_trigger is None


def test_instances_carry_the_abac_tag_and_a_name(yours_run):
    assert instance(yours_run, "instance-a").inputs["tags"] == {
        "ExternalAccessGrantedTo": "Third_Party_A",
        "Name": "instance-a",
    }
    assert instance(yours_run, "instance-b").inputs["tags"]["ExternalAccessGrantedTo"] == "Third_Party_B"


def test_the_tag_key_comes_from_config_everywhere():
    run = run_yours(tagKey="VendorAccess")
    assert all(set(i.inputs["tags"]) == {"VendorAccess", "Name"} for i in run.of_type(INSTANCE))
    assert all(a.inputs["targets"][0]["key"] == "tag:VendorAccess" for a in run.of_type(ASSOCIATION))


def test_existing_instances_are_only_tagged(with_existing_instance):
    run = with_existing_instance
    (tag,) = run.of_type(TAG)
    assert tag.inputs == {"resourceId": EXISTING, "key": "ExternalAccessGrantedTo", "value": "Third_Party_A"}
    assert len(run.of_type(INSTANCE)) == 2  # the existing one is not created, replaced or imported
    # Only the tag changes it; the session sweeper's code names it too, as a grant to watch.
    mentions = [r for r in run.resources if EXISTING in str(r.inputs) and r.type != "aws:lambda/function:Function"]
    assert mentions == [tag]
    assert run.stack_outputs["instances"][EXISTING] == {
        "id": EXISTING,
        "party": "Third_Party_A",
        "osUser": "third-party-a",
    }


def test_existing_instances_may_share_an_instance_profile():
    # Two instances of one fleet with one profile (and so one role), each granted in place: both are tagged.
    other = "i-0123456789abcdef1"
    shared = ExistingInstance("legacy-app", role_name="LegacyAppRole")
    run = run_yours(
        yours_mocks(existing_instances={EXISTING: shared, other: shared}),
        instances=[{"id": EXISTING, "grantedTo": "Third_Party_A"}, {"id": other, "grantedTo": "Third_Party_B"}],
    )
    assert sorted((t.inputs["resourceId"], t.inputs["value"]) for t in run.of_type(TAG)) == [
        (EXISTING, "Third_Party_A"),
        (other, "Third_Party_B"),
    ]


def fleet_role_policy(run: ProgramRun) -> list[dict]:
    fleet = run.one("third-party-ec2-access:fleet:InstanceFleet")
    (policy,) = [r for r in run.children_of(fleet) if r.type == ROLE_POLICY]
    return policy.json_input("policy")["Statement"]


def test_instances_use_the_fleet_role_with_its_own_least_privilege_policy(yours_run):
    profile = yours_run.one("aws:iam/instanceProfile:InstanceProfile")
    for created in yours_run.of_type(INSTANCE):
        assert created.inputs["iamInstanceProfile"] == profile.outputs["name"]
    (role,) = [r for r in yours_run.of_type("aws:iam/role:Role") if r.outputs["name"] == profile.inputs["role"]]
    (trust,) = role.json_input("assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    fleet = yours_run.one("third-party-ec2-access:fleet:InstanceFleet")
    # No AWS managed policy (AmazonSSMManagedInstanceCore reads every parameter of the account); session
    # logging rights come from the session access component (tests/test_session_access.py).
    assert [a for a in yours_run.children_of(fleet) if a.type == ATTACHMENT] == []
    assert not [a for a in yours_run.of_type(ATTACHMENT) if ":aws:policy/" in a.inputs["policyArn"]]
    allowed = {a for s in fleet_role_policy(yours_run) if s["Effect"] == "Allow" for a in s["Action"]}
    assert not [a for a in allowed if a.startswith(("ssm:GetParameter", "ssm:Send", "ssm:Start")) or "*" in a]


def test_instance_credentials_are_bound_to_their_instance_and_vpc(yours_run):
    denies = {s["Sid"]: s for s in fleet_role_policy(yours_run) if s["Effect"] == "Deny"}
    for deny in denies.values():
        assert (deny["Action"], deny["Resource"]) == ("*", "*")
        assert deny["Condition"]["Null"] == {"ec2:SourceInstanceARN": "false"}
        assert deny["Condition"]["BoolIfExists"] == {"aws:ViaAWSService": "false"}
    assert denies["DenyInstanceCredentialsOutsideTheirVpc"]["Condition"]["StringNotEquals"] == {
        "aws:SourceVpc": "${aws:Ec2InstanceSourceVpc}"
    }
    assert denies["DenyInstanceCredentialsFromAnotherAddress"]["Condition"]["StringNotEquals"] == {
        "aws:Ec2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"
    }


def test_the_instance_policy_arns_follow_the_partition():
    run = yours_in("aws-us-gov", "us-gov-west-1")
    resources = [
        r
        for s in fleet_role_policy(run)
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert [r for r in resources if r != "*" and not r.startswith("arn:aws-us-gov:")] == []
    assert "arn:aws-us-gov:ssm:us-gov-west-1:*:document/AWS-RunShellScript" in resources


def test_each_run_as_user_is_created_on_exactly_its_partys_instances(yours_run):
    associations = {a.inputs["targets"][0]["values"][0]: a for a in yours_run.of_type(ASSOCIATION)}
    assert sorted(associations) == ["Third_Party_A", "Third_Party_B"]
    # Party A shares one user; party B's their stack gives its people, each their own (tpb- and their name).
    for party, users in [("Third_Party_A", ["third-party-a"]), ("Third_Party_B", ["tpb-alice", "tpb-bob"])]:
        association = associations[party]
        assert association.inputs["targets"] == [{"key": "tag:ExternalAccessGrantedTo", "values": [party]}]
        assert association.inputs["name"] == "AWS-RunShellScript"
        assert association.inputs["parameters"] == {"commands": run_as_user_script(users)}
        assert f"users='{' '.join(users)}'" in association.inputs["parameters"]["commands"]
        assert association.inputs["scheduleExpression"].startswith("rate(")  # converges on new and re-tagged instances


def test_an_expiring_partys_association_and_first_boot_carry_its_expiry():
    run = expiring_run()
    commands = {
        a.inputs["targets"][0]["values"][0]: a.inputs["parameters"]["commands"] for a in run.of_type(ASSOCIATION)
    }
    assert f"expires='{iam_time(EXPIRES)}'" in commands["Third_Party_A"]
    assert "expires=''" in commands["Third_Party_B"]
    # The first session need not wait for the association: the instance converges at first boot.
    user_data = gzip.decompress(base64.b64decode(instance(run, "instance-a").inputs["userDataBase64"])).decode()
    assert user_data == "#!/bin/bash\n" + commands["Third_Party_A"]
    assert {"userData", "userDataBase64"} <= set(instance(run, "instance-a").ignore_changes)


def test_one_association_serves_a_partys_linux_and_macos_instances(with_existing_instance):
    # An existing instance is granted by id and tagged; the party's association targets the tag, whatever
    # the platform, and its script picks the Linux or the macOS branch on the instance.
    (association,) = [
        a for a in with_existing_instance.of_type(ASSOCIATION) if a.inputs["targets"][0]["values"] == ["Third_Party_A"]
    ]
    commands = association.inputs["parameters"]["commands"]
    assert 'case "$(uname -s)" in\nDarwin)\n' in commands
    assert "dseditgroup" in commands
    assert "useradd" in commands
    (tag,) = with_existing_instance.of_type(TAG)
    assert (tag.inputs["key"], tag.inputs["value"]) == ("ExternalAccessGrantedTo", "Third_Party_A")


def test_instances_output_names_each_instance_its_party_and_os_user(yours_run):
    outputs = yours_run.stack_outputs["instances"]
    assert outputs == {
        "instance-a": {"id": instance(yours_run, "instance-a").id, "party": "Third_Party_A", "osUser": "third-party-a"},
        "instance-b": {
            "id": instance(yours_run, "instance-b").id,
            "party": "Third_Party_B",
            "osUser": "tpb-<IAM user name>",
        },
    }


def agent_bucket_reads(run: ProgramRun) -> list[str]:
    (reads,) = [s for s in fleet_role_policy(run) if s["Sid"] == "ReadSsmAgentBuckets"]
    assert reads["Action"] == "s3:GetObject"
    return sorted(reads["Resource"])


@pytest.mark.parametrize(("partition", "region"), [("aws", "eu-west-1"), ("aws-us-gov", "us-gov-west-1")])
def test_the_instance_role_reads_exactly_this_regions_ssm_agent_buckets(partition, region):
    # Through a VPC endpoint the instance profile must allow s3:GetObject on them (Systems Manager User Guide,
    # "SSM Agent communications with AWS managed S3 buckets"): the Linux buckets of that page, this region's only.
    run = yours_in(partition, region)
    assert agent_bucket_reads(run) == sorted(
        f"arn:{partition}:s3:::{bucket}/*" for bucket in agent_buckets_of_the_guide(region)
    )
    # The S3 gateway lets the same buckets through (one list feeds both), beside Amazon Linux's repositories.
    (s3,) = [e for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs["vpcEndpointType"] == "Gateway"]
    (gateway_reads,) = [s for s in s3.json_input("policy")["Statement"] if s["Action"] == "s3:GetObject"]
    assert set(agent_bucket_reads(run)) == {r for r in gateway_reads["Resource"] if "al2023" not in r}


def test_a_granted_macos_instance_adds_the_macos_patch_bucket_to_the_role():
    mac = yours_granting_existing("mac2.metal")
    assert "arn:aws:s3:::aws-patchmanager-macos-eu-west-1/*" in agent_bucket_reads(mac)
    assert not [r for r in agent_bucket_reads(yours_granting_existing("m7i.large")) if "macos" in r]
