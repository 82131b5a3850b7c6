"""The yours stack's session access, run through __main__.py under mocks: who, where, as whom, until when."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from components.iam_documents import iam_time
from harness.aws_mocks import AwsMocks, ExistingInstance
from harness.program_run import ProgramRun, RegisteredResource, stack_reference_outputs
from harness.wire import Secret, plain_occurrences
from tests.shared_runs import EXPIRES, expiring_run, yours_in
from tests.stack_runs import PARTY_B, THEIR_STACKS, run_their, run_yours, their_stack_references, yours_mocks

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DOCUMENT = "aws:ssm/document:Document"

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "session_document.schema.json").read_text())

SESSION_LOG_GROUP = "/third-party-ec2-access/yours/sessions"
DOCUMENT_NAME = "third-party-ec2-access-yours-session"
DOCUMENT_ARN = f"arn:aws:ssm:eu-west-1:111122223333:document/{DOCUMENT_NAME}"
INSTANCES_ARN = "arn:aws:ec2:eu-west-1:111122223333:instance/*"

# Actions a session role may be allowed at all; anything else allowed breaks least privilege.
ALLOWED_ACTIONS = {
    "ssm:StartSession",
    "ssm:TerminateSession",
    "ssm:ResumeSession",
    "ssmmessages:OpenDataChannel",
    "kms:GenerateDataKey",
}
SESSION_ACTIONS = ALLOWED_ACTIONS - {"kms:GenerateDataKey"}
"""What starts, resumes, ends or carries a session."""


def session_role(run: ProgramRun, party: str = "Third_Party_A") -> RegisteredResource:
    role_name = "SSMStartSession_IAM_Role_" + party.replace("_", "")
    (role,) = [r for r in run.of_type(ROLE) if r.inputs.get("name") == role_name]
    return role


def permissions(run: ProgramRun, role: RegisteredResource) -> list[dict]:
    (policy,) = [p for p in run.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
    return policy.json_input("policy")["Statement"]


def by_sid(statements: list[dict]) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements}


def actions_of(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def session_key(run: ProgramRun) -> RegisteredResource:
    (log_group,) = [g for g in run.of_type(LOG_GROUP) if g.inputs["name"] == SESSION_LOG_GROUP]
    (key,) = [k for k in run.of_type(KMS_KEY) if k.outputs["arn"] == log_group.inputs["kmsKeyId"]]
    return key


SESSION_KEY_ID, SWEEPER_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def reconfigured() -> ProgramRun:
    """The reference yours stack with its optional settings changed: another tag key, other session timeouts, and
    the log groups and keys a destroy kept adopted (deploying again after a destroy)."""
    return run_yours(
        tagKey="VendorAccess",
        session={
            "idleTimeoutMinutes": 5,
            "maxDurationMinutes": 1440,
            "adoptSessionKey": SESSION_KEY_ID,
            "adoptSweeperKey": SWEEPER_KEY_ID,
        },
    )


@pytest.fixture(scope="module")
def expiring() -> tuple[ProgramRun, str]:
    """Party A expiring, party B not: the sweeper's tests' run (tests/test_session_sweeper.py), and the expiry."""
    return expiring_run(), iam_time(EXPIRES)


# -- the session role's trust ---------------------------------------------------------------------


def test_session_role_trusts_only_the_partys_role_with_external_id_and_source_identity(yours_run):
    their = their_stack_references()[THEIR_STACKS["Third_Party_A"][0]].outputs
    role = session_role(yours_run)
    assert isinstance(role.raw_inputs["assumeRolePolicy"], Secret)  # it holds the ExternalId
    assume, carry = role.json_input("assumeRolePolicy")["Statement"]
    for statement in (assume, carry):
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"AWS": their["assumeRoleArn"]}
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Condition"] == {
        # The session is named after the person the source identity names: bob cannot call his "alice".
        "StringEquals": {"sts:ExternalId": their["externalId"], "sts:RoleSessionName": "${aws:SourceIdentity}"},
        "Null": {"sts:SourceIdentity": "false"},
    }
    assert carry["Action"] == "sts:SetSourceIdentity"
    assert carry["Condition"] == {"Null": {"sts:SourceIdentity": "false"}}


def test_access_ends_at_the_expiry_in_trust_and_in_permissions(expiring):
    run, expires = expiring
    role = session_role(run)
    for trust in role.json_input("assumeRolePolicy")["Statement"]:
        assert trust["Condition"]["DateLessThan"] == {"aws:CurrentTime": expires}
    # Every session action: credentials obtained before the expiry neither start, nor resume, nor open the
    # data channel of a session after it.
    ending = [s for s in permissions(run, role) if s["Effect"] == "Allow" and actions_of(s) & SESSION_ACTIONS]
    assert set().union(*(actions_of(s) for s in ending)) == SESSION_ACTIONS
    until_expiry = {"aws:CurrentTime": expires}
    assert [s["Sid"] for s in ending if s.get("Condition", {}).get("DateLessThan") != until_expiry] == []
    for trust_b in session_role(run, "Third_Party_B").json_input("assumeRolePolicy")["Statement"]:
        assert "DateLessThan" not in trust_b["Condition"]  # only the party given an expiry


def test_the_run_as_tag_names_the_partys_os_user(yours_run):
    assert session_role(yours_run).inputs["tags"] == {
        "SSMSessionRunAs": "third-party-a",
        "ExternalAccessGrantedTo": "Third_Party_A",
    }
    # Party B gives each person their own user: its role has no Run As tag to fall back on.
    assert session_role(yours_run, "Third_Party_B").inputs["tags"] == {"ExternalAccessGrantedTo": "Third_Party_B"}


def test_a_per_person_partys_trust_requires_and_allows_only_the_callers_own_run_as_tag(yours_run):
    assume, carry, tag = session_role(yours_run, "Third_Party_B").json_input("assumeRolePolicy")["Statement"]
    own_os_user = {"aws:RequestTag/SSMSessionRunAs": "tpb-${aws:SourceIdentity}"}
    assert own_os_user.items() <= assume["Condition"]["StringEquals"].items()
    assert "aws:RequestTag/SSMSessionRunAs" not in json.dumps(carry)
    assert (tag["Action"], tag["Principal"]) == ("sts:TagSession", assume["Principal"])
    assert tag["Condition"] == {
        "StringEquals": own_os_user,
        "ForAllValues:StringEquals": {"aws:TagKeys": ["SSMSessionRunAs"]},
    }


def test_a_shared_user_partys_trust_allows_no_session_tag(yours_run):
    assert "TagSession" not in json.dumps(session_role(yours_run).json_input("assumeRolePolicy"))


def test_the_trust_stays_the_same_size_whatever_the_number_of_people(yours_run):
    # The reference run's party B lists two people (tests/stack_runs.py, THEIR_CONFIG); here it lists forty.
    forty = [f"person{n:03}" for n in range(40)]
    their_b = run_their(
        AwsMocks(account_id=THEIR_STACKS["Third_Party_B"][1]),
        partyName="Third_Party_B",
        osUserPrefix="tpb-",
        users=forty,
    )
    assert stack_reference_outputs(their_b).outputs["people"] == forty
    run = run_yours(
        yours_mocks(stack_references={**their_stack_references(), PARTY_B["stack"]: stack_reference_outputs(their_b)})
    )
    trust = session_role(run, "Third_Party_B").inputs["assumeRolePolicy"]
    assert trust == session_role(yours_run, "Third_Party_B").inputs["assumeRolePolicy"]


# -- the session role's permissions ---------------------------------------------------------------


def test_sessions_start_only_on_instances_tagged_for_the_party_through_the_managed_document(yours_run):
    statements = permissions(yours_run, session_role(yours_run))
    starts = [s for s in statements if s["Effect"] == "Allow" and "ssm:StartSession" in actions_of(s)]
    on_instances = next(s for s in starts if s["Resource"] == INSTANCES_ARN)
    assert on_instances["Condition"]["StringEquals"] == {"ssm:resourceTag/ExternalAccessGrantedTo": "Third_Party_A"}
    assert on_instances["Condition"]["BoolIfExists"] == {"ssm:SessionDocumentAccessCheck": "true"}
    assert [s["Resource"] for s in starts if s is not on_instances] == [DOCUMENT_ARN]
    deny_documents = next(s for s in statements if s["Effect"] == "Deny" and "ssm:StartSession" in actions_of(s))
    assert sorted(deny_documents["NotResource"]) == sorted([DOCUMENT_ARN, INSTANCES_ARN])


def test_the_tag_condition_uses_the_configured_tag_key(reconfigured):
    statements = permissions(reconfigured, session_role(reconfigured))
    assert any("ssm:resourceTag/VendorAccess" in s.get("Condition", {}).get("StringEquals", {}) for s in statements)
    assert "ExternalAccessGrantedTo" not in json.dumps(statements)


def test_sessions_end_or_resume_only_when_they_are_the_callers_own(yours_run):
    statements = permissions(yours_run, session_role(yours_run))
    (own,) = [s for s in statements if actions_of(s) & {"ssm:TerminateSession", "ssm:ResumeSession"}]
    assert actions_of(own) == {"ssm:TerminateSession", "ssm:ResumeSession"}
    assert own["Resource"] == "arn:aws:ssm:eu-west-1:111122223333:session/*"
    assert own["Condition"] == {"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}}


def test_nothing_else_is_allowed_and_chaining_commands_and_listings_are_denied(yours_run):
    statements = permissions(yours_run, session_role(yours_run))
    allowed = set().union(*(actions_of(s) for s in statements if s["Effect"] == "Allow"))
    assert allowed == ALLOWED_ACTIONS
    assert all("*" not in action for action in allowed)
    denied = set().union(*(actions_of(s) for s in statements if s["Effect"] == "Deny" and s.get("Resource") == "*"))
    assert {"sts:AssumeRole", "ssm:SendCommand", "ssm:DescribeSessions", "ssm:DescribeInstanceInformation"} <= denied
    (channel,) = [s for s in statements if actions_of(s) == {"ssmmessages:OpenDataChannel"}]
    # Her own sessions, as AWS names them: her session name (her source identity) and a suffix; in this
    # account and region only.
    assert channel["Resource"] == "arn:aws:ssm:eu-west-1:111122223333:session/${aws:SourceIdentity}-*"
    (encrypt,) = [s for s in statements if actions_of(s) == {"kms:GenerateDataKey"}]
    assert encrypt["Resource"] == session_key(yours_run).outputs["arn"]


def test_the_policy_says_it_in_seven_statements(yours_run):
    assert len(permissions(yours_run, session_role(yours_run))) == 7


# -- one OS user per person: the party's listed people only ------------------------------------------

ONLY_THE_PEOPLE = "DenyEveryoneButThePartysPeople"


def test_a_per_person_partys_role_denies_everything_to_anyone_but_the_people_of_its_their_stack(yours_run):
    deny = by_sid(permissions(yours_run, session_role(yours_run, "Third_Party_B")))[ONLY_THE_PEOPLE]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", "*", "*")
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceIdentity": ["alice", "bob"]}}
    # A shared-user party lists no one: its people are whoever their account lets through.
    assert ONLY_THE_PEOPLE not in by_sid(permissions(yours_run, session_role(yours_run)))


EXTERNAL_IDS = {"Third_Party_C": "partyC-external-id-0042", "Third_Party_D": "partyD-external-id-0043"}


@pytest.fixture(scope="module")
def other_backends() -> ProgramRun:
    """Two parties whose their stacks are on another backend, trusted from explicit values set as a secret
    (``--secret thirdParties``): C with one shared OS user, D with an OS user per person listed in config."""
    return run_yours(
        thirdParties=[
            {
                "name": "Third_Party_C",
                "roleArn": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role",
                "externalId": EXTERNAL_IDS["Third_Party_C"],
                "runAsUser": "third-party-c",
            },
            {
                "name": "Third_Party_D",
                "roleArn": "arn:aws:iam::555566667777:role/3P_IAM_Assume_Role",
                "externalId": EXTERNAL_IDS["Third_Party_D"],
                "osUserPrefix": "tpd-",
                "people": ["carol", "dave"],
            },
        ],
        instances=[{"name": "c1", "grantedTo": "Third_Party_C"}, {"name": "d1", "grantedTo": "Third_Party_D"}],
        secret_keys=("thirdParties",),
    )


def test_a_per_person_party_on_another_backend_is_pinned_to_the_people_in_config(other_backends):
    deny = by_sid(permissions(other_backends, session_role(other_backends, "Third_Party_D")))[ONLY_THE_PEOPLE]
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceIdentity": ["carol", "dave"]}}


# -- the Session document -------------------------------------------------------------------------


def test_the_session_document_is_the_stacks_own_and_valid_against_the_documented_schema(yours_run):
    document = yours_run.one(DOCUMENT)
    assert document.inputs["name"] == DOCUMENT_NAME != "SSM-SessionManagerRunShell"
    assert (document.inputs["documentType"], document.inputs["documentFormat"]) == ("Session", "JSON")
    content = document.json_input("content")
    jsonschema.validate(content, SCHEMA)
    assert content["sessionType"] == "Standard_Stream"


def test_the_document_runs_as_the_tagged_user_and_records_everything_encrypted(yours_run):
    inputs = yours_run.one(DOCUMENT).json_input("content")["inputs"]
    assert inputs["runAsEnabled"] is True
    assert inputs["runAsDefaultUser"] == ""  # no fallback user: a role without the tag gets no session
    assert inputs["cloudWatchLogGroupName"] == SESSION_LOG_GROUP
    assert inputs["cloudWatchStreamingEnabled"] is True
    assert inputs["cloudWatchEncryptionEnabled"] is True
    assert inputs["kmsKeyId"] == session_key(yours_run).outputs["keyId"]
    assert (inputs["idleSessionTimeout"], inputs["maxSessionDuration"]) == ("20", "60")
    assert inputs["shellProfile"]["linux"] == "cd ~"


def test_the_timeouts_come_from_config(reconfigured):
    inputs = reconfigured.one(DOCUMENT).json_input("content")
    assert (inputs["inputs"]["idleSessionTimeout"], inputs["inputs"]["maxSessionDuration"]) == ("5", "1440")
    jsonschema.validate(inputs, SCHEMA)


def test_the_schema_check_is_not_vacuous():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"schemaVersion": "1.0", "sessionType": "Standard_Stream", "inputs": {"runAs": True}}, SCHEMA
        )


# -- the session logs and their key ---------------------------------------------------------------


def test_session_logs_are_encrypted_retained_and_kept_when_the_stack_is_destroyed(yours_run):
    (log_group,) = [g for g in yours_run.of_type(LOG_GROUP) if g.inputs["name"] == SESSION_LOG_GROUP]
    key = session_key(yours_run)
    assert log_group.inputs["retentionInDays"] == 365
    assert log_group.retain_on_delete is True
    assert log_group.inputs["skipDestroy"] is True  # the same, where a policy pack can check it
    assert key.retain_on_delete is True  # without its key, a kept log group cannot be read
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30


def test_the_key_policy_lets_each_principal_do_only_its_part(yours_run):
    statements = by_sid(session_key(yours_run).json_input("policy")["Statement"])
    admin = statements["AccountAdministersKey"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert not actions_of(admin) & {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:*"}
    logs = statements["CloudWatchLogsUsesKeyForOneLogGroup"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnEquals": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:111122223333:log-group:{SESSION_LOG_GROUP}"
        }
    }
    sessions = statements["SessionRolesGenerateDataKeys"]
    assert actions_of(sessions) == {"kms:GenerateDataKey"}
    assert sorted(sessions["Principal"]["AWS"]) == sorted(
        session_role(yours_run, p).outputs["arn"] for p in ["Third_Party_A", "Third_Party_B"]
    )
    instances = statements["InstancesDecryptSessionData"]
    assert actions_of(instances) == {"kms:Decrypt"}
    fleet_role = next(r for r in yours_run.of_type(ROLE) if r.name == "fleet-instance-role")
    assert instances["Principal"] == {"AWS": [fleet_role.outputs["arn"]]}
    assert set(statements) == {
        "AccountAdministersKey",
        "CloudWatchLogsUsesKeyForOneLogGroup",
        "SessionRolesGenerateDataKeys",
        "InstancesDecryptSessionData",
    }


def test_the_instance_role_may_stream_to_the_session_log_group_and_decrypt(yours_run):
    fleet_role = next(r for r in yours_run.of_type(ROLE) if r.name == "fleet-instance-role")
    policy = yours_run.one("aws:iam/policy:Policy")
    (attachment,) = [a for a in yours_run.of_type(ATTACHMENT) if a.inputs["policyArn"] == policy.outputs["arn"]]
    assert attachment.inputs["role"] == fleet_role.outputs["name"]
    statements = by_sid(policy.json_input("policy")["Statement"])
    log_group_arn = f"arn:aws:logs:eu-west-1:111122223333:log-group:{SESSION_LOG_GROUP}"
    assert statements["WriteIntoTheLogGroup"]["Resource"] == [log_group_arn, f"{log_group_arn}:*"]
    assert statements["FindTheLogGroup"]["Resource"] == "*"  # DescribeLogGroups has no resource type
    assert statements["DecryptSessionData"]["Resource"] == session_key(yours_run).outputs["arn"]
    assert actions_of(statements["DecryptSessionData"]) == {"kms:Decrypt"}


def test_an_existing_instances_role_gets_the_same_session_rights():
    mocks = yours_mocks(existing_instances={"i-0123456789abcdef0": ExistingInstance("legacy-app", "LegacyAppRole")})
    run = run_yours(
        mocks,
        instances=[
            {"name": "instance-a", "grantedTo": "Third_Party_A"},
            {"id": "i-0123456789abcdef0", "grantedTo": "Third_Party_B"},
        ],
    )
    policy = run.one("aws:iam/policy:Policy")
    roles = sorted(a.inputs["role"] for a in run.of_type(ATTACHMENT) if a.inputs["policyArn"] == policy.outputs["arn"])
    fleet_role = next(r for r in run.of_type(ROLE) if r.name == "fleet-instance-role")
    assert roles == sorted([fleet_role.outputs["name"], "LegacyAppRole"])
    decrypters = by_sid(session_key(run).json_input("policy")["Statement"])["InstancesDecryptSessionData"]
    assert "arn:aws:iam::111122223333:role/LegacyAppRole" in decrypters["Principal"]["AWS"]


def test_an_existing_instance_without_instance_profile_stops_before_any_resource():
    mocks = yours_mocks(existing_instances={"i-0123456789abcdef0": ExistingInstance(None)})
    run = run_yours(mocks, instances=[{"id": "i-0123456789abcdef0", "grantedTo": "Third_Party_A"}], expect_error=True)
    assert str(run.error).startswith(
        "third-party-ec2-access:instances[0].id: expected an instance with an IAM instance profile"
    )
    assert run.resources == []


# -- where each party's trust comes from ----------------------------------------------------------


def test_a_party_on_another_backend_is_trusted_from_explicit_values_kept_secret(other_backends):
    assert other_backends.of_type("pulumi:pulumi:StackReference") == []
    role = session_role(other_backends, "Third_Party_C")
    assume, _ = role.json_input("assumeRolePolicy")["Statement"]
    assert assume["Principal"] == {"AWS": "arn:aws:iam::444455556666:role/3P_IAM_Assume_Role"}
    assert assume["Condition"]["StringEquals"]["sts:ExternalId"] == EXTERNAL_IDS["Third_Party_C"]
    for external_id in EXTERNAL_IDS.values():
        for resource in other_backends.resources:
            assert plain_occurrences(resource.raw_inputs, external_id) == [], resource.name
        assert plain_occurrences(other_backends.raw_stack_outputs, external_id) == []


def test_a_their_stack_missing_an_output_fails_with_a_clear_message():
    references = dict(their_stack_references())
    stack = THEIR_STACKS["Third_Party_A"][0]
    outputs = dict(references[stack].outputs)
    del outputs["externalId"]
    references[stack] = type(references[stack])(outputs, references[stack].secret_names)
    run = run_yours(yours_mocks(stack_references=references), expect_error=True)
    assert str(run.error) == (
        "third-party-ec2-access:thirdParties[0].stack: expected stack organization/third-party-ec2-access/their "
        'to export "externalId"; deploy that their stack first, or check its name'
    )


def test_a_their_stack_declaring_another_party_fails_with_a_clear_message():
    references = dict(their_stack_references())
    stack_a, stack_b = (THEIR_STACKS[p][0] for p in ["Third_Party_A", "Third_Party_B"])
    references[stack_a], references[stack_b] = references[stack_b], references[stack_a]
    run = run_yours(yours_mocks(stack_references=references), expect_error=True)
    message = str(run.error)
    assert message.startswith("third-party-ec2-access:thirdParties[")
    assert "declares partyName" in message
    assert "\n" not in message


# -- partitions and outputs -----------------------------------------------------------------------


@pytest.mark.parametrize(("partition", "region"), [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")])
def test_every_arn_follows_the_partition(partition, region):
    run = yours_in(partition, region)
    everything = json.dumps([r.inputs for r in run.resources] + [run.stack_outputs])
    assert "arn:aws:" not in everything
    assert f"arn:{partition}:iam::111122223333:role/SSMStartSession_IAM_Role_ThirdPartyA" in everything


def test_stack_outputs_follow_the_contract(yours_run):
    outputs = yours_run.stack_outputs
    assert set(outputs) == {
        "sessionRoles",
        "instances",
        "sessionDocument",
        "sessionLogGroup",
        "kmsKeyArn",
        "vpcId",
        "sweptSessionRoles",
        "connectCommands",
    }
    assert outputs["sessionRoles"] == {
        p: session_role(yours_run, p).outputs["arn"] for p in ["Third_Party_A", "Third_Party_B"]
    }
    assert outputs["sessionDocument"] == DOCUMENT_NAME
    assert outputs["sessionLogGroup"] == SESSION_LOG_GROUP
    assert outputs["kmsKeyArn"] == session_key(yours_run).outputs["arn"]


def test_each_party_gets_one_connect_command_per_granted_instance(yours_run):
    instance_a = yours_run.stack_outputs["instances"]["instance-a"]["id"]
    assert yours_run.stack_outputs["connectCommands"]["Third_Party_A"] == {
        "instance-a": f"aws ssm start-session --target {instance_a} --document-name {DOCUMENT_NAME} "
        '--reason "<why you connect>" --region eu-west-1 --profile third-party-a'
    }
    assert list(yours_run.stack_outputs["connectCommands"]["Third_Party_B"]) == ["instance-b"]


# -- deploying again after a destroy: the kept log groups and keys are adopted ---------------------------


def test_a_redeploy_adopts_the_log_groups_and_keys_a_destroy_kept(reconfigured):
    imported = {r.type: [] for r in reconfigured.resources}
    for r in reconfigured.resources:
        if r.import_id:
            imported[r.type].append(r.import_id)
    assert sorted(imported["aws:kms/key:Key"]) == sorted([SESSION_KEY_ID, SWEEPER_KEY_ID])
    assert sorted(imported["aws:cloudwatch/logGroup:LogGroup"]) == [
        "/third-party-ec2-access/yours/session-sweeper",
        "/third-party-ec2-access/yours/sessions",
    ]


def test_a_first_deploy_creates_them(yours_run):
    assert [r.name for r in yours_run.resources if r.import_id] == []


def test_a_key_to_adopt_must_be_a_key_id():
    run = run_yours(session={"adoptSessionKey": "arn:aws:kms:eu-west-1:111122223333:key/x"}, expect_error=True)
    assert str(run.error).startswith("third-party-ec2-access:session.adoptSessionKey: expected a KMS key id")
