"""The their stack, run through __main__.py under mocks: the their-account lines of the security bar.

Each test reads what the program registered (inputs as the engine receives them, secret markers
kept); none asserts inside an apply.
"""

from __future__ import annotations

import configparser
import json
import shlex
from collections import Counter

import pytest

from harness.aws_mocks import AwsMocks
from harness.program_run import ProgramRun, RegisteredResource
from harness.stack_file import run_stack_file
from harness.wire import Secret, plain_occurrences
from tests.stack_runs import THEIR_STACK_FILE, run_their

USER = "aws:iam/user:User"
GROUP = "aws:iam/group:Group"
GROUP_MEMBERSHIP = "aws:iam/groupMembership:GroupMembership"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

# What the account ids and names of the tests' their stack file (tests/fixtures/Pulumi.their.yaml) must give
# (from the seed, not from the code).
YOUR_ROLE_ARN = "arn:aws:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA"


@pytest.fixture(scope="module")
def two_users_with_mfa() -> ProgramRun:
    return run_their(users=["alice", "bob"], requireMfa=True)


def statements(resource: RegisteredResource, key: str) -> list[dict]:
    return resource.json_input(key)["Statement"]


def local_role(run: ProgramRun) -> RegisteredResource:
    (role,) = [r for r in run.of_type(ROLE) if r.inputs["name"] == "3P_IAM_Assume_Role"]
    return role


def external_id(run: ProgramRun) -> str:
    return run.one(RANDOM_PASSWORD).outputs["result"]


def test_the_fixture_stack_file_registers_exactly_the_identity(their_run):
    inventory = Counter(r.type for r in their_run.resources)
    assert inventory == {
        "third-party-ec2-access:remote_access:RemoteAccessIdentity": 1,
        RANDOM_PASSWORD: 1,
        USER: 1,
        ACCESS_KEY: 1,
        SECRET: 1,
        SECRET_VERSION: 1,
        GROUP: 1,
        GROUP_MEMBERSHIP: 1,
        GROUP_POLICY: 1,
        ROLE: 1,
        ROLE_POLICY: 1,
    }
    component = their_run.one("third-party-ec2-access:remote_access:RemoteAccessIdentity")
    assert all(r.parent_urn == component.urn for r in their_run.resources if r is not component)


def test_users_are_members_of_the_group_and_hold_no_policy_of_their_own(two_users_with_mfa):
    run = two_users_with_mfa
    assert sorted(u.inputs["name"] for u in run.of_type(USER)) == ["alice", "bob"]
    # Removing a user from config removes it even with the MFA device the admin gave it.
    assert all(u.inputs["forceDestroy"] is True for u in run.of_type(USER))
    assert run.one(GROUP).inputs["name"] == "GroupRemoteAccess"
    membership = run.one(GROUP_MEMBERSHIP)
    assert membership.inputs["group"] == "GroupRemoteAccess"
    assert sorted(membership.inputs["users"]) == ["alice", "bob"]
    # Nothing grants a user anything directly: no user policy, no attachment, no console password.
    granting_types = {r.type for r in run.resources} & {
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/userLoginProfile:UserLoginProfile",
    }
    assert granting_types == set()


def test_the_group_may_only_assume_the_local_role_as_oneself(their_run):
    group_policy = their_run.one(GROUP_POLICY)
    assert group_policy.inputs["group"] == "GroupRemoteAccess"
    (statement,) = statements(group_policy, "policy")
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert statement["Resource"] == local_role(their_run).outputs["arn"]
    assert statement["Condition"] == {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}}


def test_local_role_trusts_only_the_stacks_users_as_themselves(their_run):
    assume, carry = statements(local_role(their_run), "assumeRolePolicy")
    alice = their_run.one(USER)
    account = AwsMocks().account_id
    # The users live under the stack's own path, and the trust names the path: constant in size.
    assert alice.inputs["path"] == "/third-party-ec2-access/their/"
    assert alice.outputs["arn"] == f"arn:aws:iam::{account}:user/third-party-ec2-access/their/alice"
    users = {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:user/third-party-ec2-access/their/*"}}
    assert [(s["Effect"], s["Principal"], s["Action"]) for s in (assume, carry)] == [
        ("Allow", {"AWS": f"arn:aws:iam::{account}:root"}, "sts:AssumeRole"),
        ("Allow", {"AWS": f"arn:aws:iam::{account}:root"}, "sts:SetSourceIdentity"),
    ]
    assert assume["Condition"] == {
        "StringEquals": {"sts:SourceIdentity": "${aws:username}", "sts:RoleSessionName": "${aws:username}"},
        **users,
    }
    assert carry["Condition"] == {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}, **users}


def test_local_role_requires_mfa_when_required(two_users_with_mfa):
    for statement in statements(local_role(two_users_with_mfa), "assumeRolePolicy"):
        assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}


def test_local_role_may_assume_only_your_role_and_only_with_the_external_id(their_run):
    role = local_role(their_run)
    (role_policy,) = [p for p in their_run.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    assert their_run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    assume, carry = statements(role_policy, "policy")
    assert (assume["Effect"], assume["Action"], assume["Resource"]) == ("Allow", "sts:AssumeRole", YOUR_ROLE_ARN)
    assert assume["Condition"] == {"StringEquals": {"sts:ExternalId": external_id(their_run)}}
    assert (carry["Effect"], carry["Action"], carry["Resource"]) == ("Allow", "sts:SetSourceIdentity", YOUR_ROLE_ARN)


def test_access_keys_live_only_in_secrets_manager_as_secrets(two_users_with_mfa):
    run = two_users_with_mfa
    versions = run.of_type(SECRET_VERSION)
    assert len(versions) == len(run.of_type(ACCESS_KEY)) == len(run.of_type(SECRET)) == 2
    secret_ids = {s.id for s in run.of_type(SECRET)}
    assert sorted(s.inputs["namePrefix"] for s in run.of_type(SECRET)) == [
        "third-party-ec2-access/alice/access-key-",
        "third-party-ec2-access/bob/access-key-",
    ]
    stored = []
    for version in versions:
        assert version.inputs["secretId"] in secret_ids
        assert isinstance(version.raw_inputs["secretString"], Secret)
        stored.append(json.loads(version.inputs["secretString"]))
    keys = [{"AccessKeyId": k.outputs["id"], "SecretAccessKey": k.outputs["secret"]} for k in run.of_type(ACCESS_KEY)]
    assert sorted(stored, key=str) == sorted(keys, key=str)
    for key in keys:
        for value in key.values():
            for resource in run.resources:
                assert plain_occurrences(resource.raw_inputs, value) == [], resource.name
            assert plain_occurrences(run.raw_stack_outputs, value) == []


def test_every_output_holding_a_secret_is_secret(their_run):
    value = external_id(their_run)
    assert their_run.raw_stack_outputs["externalId"] == Secret(value)
    assert plain_occurrences(their_run.raw_stack_outputs, value) == []
    for resource in their_run.resources:
        assert plain_occurrences(resource.raw_inputs, value) == [], resource.name


def test_external_id_is_random_sts_safe_and_never_regenerated(their_run):
    password = their_run.one(RANDOM_PASSWORD)
    assert password.inputs["length"] >= 32
    assert password.inputs["special"] is False  # STS accepts [\w+=,.@:/-]; letters and digits are safe
    assert "keepers" not in password.inputs  # nothing to change it: stable across updates
    assert password.replacement_trigger is None


def test_bumping_the_serial_replaces_access_keys_creating_the_new_key_first(their_run):
    (key,) = their_run.of_type(ACCESS_KEY)
    assert key.replacement_trigger == 1
    assert key.delete_before_replace is False
    (bumped,) = run_their(accessKeySerial=2).of_type(ACCESS_KEY)
    assert bumped.replacement_trigger == 2
    assert bumped.name == key.name  # the same resource, replaced: not a new one beside the old


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_arns_use_the_partition_the_provider_reports(partition):
    run = run_their(AwsMocks(partition=partition, region="cn-north-1" if partition == "aws-cn" else "us-gov-west-1"))
    assert (
        run.stack_outputs["yourRoleArn"]
        == f"arn:{partition}:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA"
    )
    for statement in statements(local_role(run), "assumeRolePolicy"):
        assert statement["Principal"]["AWS"].startswith(f"arn:{partition}:")
        assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"].startswith(f"arn:{partition}:")
    everything = json.dumps([r.inputs for r in run.resources] + [run.stack_outputs])
    assert "arn:aws:" not in everything


def test_stack_outputs_follow_the_contract(their_run):
    outputs = their_run.stack_outputs
    assert set(outputs) == {
        "partyName",
        "accountId",
        "assumeRoleArn",
        "externalId",
        "yourRoleArn",
        "users",
        "awsCliConfig",
    }
    assert outputs["partyName"] == "Third_Party_A"
    assert outputs["accountId"] == AwsMocks().account_id
    assert outputs["assumeRoleArn"] == local_role(their_run).outputs["arn"]
    assert outputs["yourRoleArn"] == YOUR_ROLE_ARN
    (user,) = their_run.of_type(USER)
    assert outputs["users"] == {
        "alice": {"arn": user.outputs["arn"], "credentialsSecretArn": their_run.one(SECRET).outputs["arn"]}
    }


def test_aws_cli_config_holds_no_secret(their_run):
    config = their_run.raw_stack_outputs["awsCliConfig"]
    assert not isinstance(config, Secret)
    (key,) = their_run.of_type(ACCESS_KEY)
    for secret in (external_id(their_run), key.outputs["id"], key.outputs["secret"]):
        assert plain_occurrences(config, secret) == []


def test_aws_cli_config_is_the_full_profile_set_through_the_helper(their_run):
    config = configparser.ConfigParser()
    config.read_string(their_run.stack_outputs["awsCliConfig"]["alice"])
    assert config["profile third-party-a-source"]["region"] == "eu-west-1"
    helper = shlex.split(config["profile third-party-a"]["credential_process"])
    assert helper[:2] == ["third-party-ec2-access-credentials", "credentials"]
    options = dict(zip(helper[2::2], helper[3::2], strict=True))
    assert options == {
        "--source-profile": "third-party-a-source",
        "--local-role-arn": local_role(their_run).outputs["arn"],
        "--your-role-arn": YOUR_ROLE_ARN,
        "--external-id-file": "~/.aws/third-party-ec2-access/third-party-a.external-id",
    }


def test_aws_cli_config_names_each_users_mfa_device_when_mfa_is_required(two_users_with_mfa):
    for user in ["alice", "bob"]:
        config = configparser.ConfigParser()
        config.read_string(two_users_with_mfa.stack_outputs["awsCliConfig"][user])
        helper = shlex.split(config["profile third-party-a"]["credential_process"])
        assert helper[helper.index("--mfa-serial") + 1] == f"arn:aws:iam::111122223333:mfa/{user}"


def test_a_preview_registers_the_same_resources(their_run):
    # In a preview, values computed by the provider are unknown and applies over them do not run.
    preview = run_stack_file(THEIR_STACK_FILE, preview=True)
    assert preview.error is None
    assert sorted((r.type, r.name) for r in preview.resources) == sorted((r.type, r.name) for r in their_run.resources)
