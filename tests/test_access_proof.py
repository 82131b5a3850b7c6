"""Least privilege, proven: a real IAM engine decides every request of the table below, over the
policies both stacks actually registered (two parties; party A requires MFA and expires).

Every context key a decision depends on (time, user id, source identity, MFA, tags) is passed
explicitly, so no decision depends on today's date. Then each security condition is removed from
the registered policies, one at a time, and at least one decision of the table must change.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from components.iam_documents import iam_time
from harness.aws_mocks import AwsMocks
from harness.program_run import stack_reference_outputs
from proof.access_model import RegisteredPolicies, collect_policies
from proof.iam_engine import Decision, Request, evaluate
from proof.mutations import mutations
from tests.conftest import THEIR_STACKS, YOUR_ACCOUNT, run_their, run_yours, yours_mocks

THEIR_A, THEIR_B, OUTSIDER = "222233334444", "333344445555", "444455556666"
REGION = "eu-west-1"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
"""Given to principals outside the product, to show that only the trust policies stop them."""
PUBLIC_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::eve-loot/*"}],
}
"""The policy of the bucket a party would copy your data to: anyone may write."""


@dataclass(frozen=True)
class Case:
    name: str
    request: Request
    expected: Decision
    also: tuple[dict[str, Any], ...] = ()
    """Identity policies the principal has beyond what the stacks registered."""
    endpoint: str | None = None
    """The VPC endpoint (its service, ``s3``, ``ssm``...) the request goes through, from inside the VPC."""
    resource_policy: dict[str, Any] | None = None
    """The policy of a resource the stacks do not own (another account's bucket, say)."""


@dataclass
class World:
    """The registered policies, and the values the requests name."""

    policies: RegisteredPolicies
    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return self.values[name]


@pytest.fixture(scope="module")
def world() -> World:
    their_a = run_their(
        AwsMocks(account_id=THEIR_A), partyName="Third_Party_A", requireMfa=True, users=["alice", "bob"]
    )
    their_b = run_their(AwsMocks(account_id=THEIR_B), partyName="Third_Party_B")
    expires = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)
    stack_a, stack_b = THEIR_STACKS["Third_Party_A"][0], THEIR_STACKS["Third_Party_B"][0]
    yours = run_yours(
        yours_mocks(
            stack_references={stack_a: stack_reference_outputs(their_a), stack_b: stack_reference_outputs(their_b)}
        ),
        thirdParties=[
            {"name": "Third_Party_A", "stack": stack_a, "runAsUser": "third-party-a", "expires": expires.isoformat()},
            {"name": "Third_Party_B", "stack": stack_b, "runAsUser": "third-party-b"},
        ],
    )
    instances = yours.stack_outputs["instances"]
    fleet_role = next(r for r in yours.of_type("aws:iam/role:Role") if r.name == "fleet-instance-role")
    return World(
        collect_policies(their_a, their_b, yours),
        {
            "their_a": their_a.stack_outputs,
            "their_b": their_b.stack_outputs,
            "yours": yours.stack_outputs,
            "instance_a": f"arn:aws:ec2:{REGION}:{YOUR_ACCOUNT}:instance/{instances['instance-a']['id']}",
            "instance_b": f"arn:aws:ec2:{REGION}:{YOUR_ACCOUNT}:instance/{instances['instance-b']['id']}",
            "fleet_role_name": fleet_role.outputs["name"],
            "vpc": yours.stack_outputs["vpcId"],
            "before_expiry": iam_time(expires - timedelta(days=1)),
            "after_expiry": iam_time(expires + timedelta(seconds=1)),
        },
    )


def decision_table(w: World) -> list[Case]:
    alice = w.their_a["users"]["alice"]["arn"]
    local_role_a = w.their_a["assumeRoleArn"]
    alice_local = f"arn:aws:sts::{THEIR_A}:assumed-role/3P_IAM_Assume_Role/alice"
    bob_local_b = f"arn:aws:sts::{THEIR_B}:assumed-role/3P_IAM_Assume_Role/bob"
    session_role_a, session_role_b = w.yours["sessionRoles"]["Third_Party_A"], w.yours["sessionRoles"]["Third_Party_B"]
    alice_session = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice"
    bob_session = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyB/bob"
    instance_session = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/{w.fleet_role_name}/i-0123456789abcdef0"
    alice_userid = "AROAPARTYASESSIONROLE:alice"
    document = f"arn:aws:ssm:{REGION}:{YOUR_ACCOUNT}:document/{w.yours['sessionDocument']}"
    key = w.yours["kmsKeyArn"]
    log_group = f"arn:aws:logs:{REGION}:{YOUR_ACCOUNT}:log-group:{w.yours['sessionLogGroup']}"
    own_session = f"arn:aws:ssm:{REGION}:{YOUR_ACCOUNT}:session/alice-0123456789abcdef0"
    log_stream = f"{log_group}:log-stream:alice-0123456789abcdef0"
    tag = "ssm:resourceTag/ExternalAccessGrantedTo"

    def without(context: dict, *keys: str) -> dict:
        return {k: v for k, v in context.items() if k not in keys}

    hop_1 = {
        "aws:username": "alice",
        "sts:SourceIdentity": "alice",
        "sts:RoleSessionName": "alice",
        "aws:MultiFactorAuthPresent": "true",
        "aws:CurrentTime": w.before_expiry,
    }
    hop_2 = {
        "sts:ExternalId": w.their_a["externalId"],
        "aws:SourceIdentity": "alice",
        "sts:SourceIdentity": "alice",
        "sts:RoleSessionName": "alice",
        "aws:CurrentTime": w.before_expiry,
    }
    bob = w.their_a["users"]["bob"]["arn"]
    bob_local = f"arn:aws:sts::{THEIR_A}:assumed-role/3P_IAM_Assume_Role/bob"
    bob_session_a = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/bob"
    eve = f"arn:aws:sts::{OUTSIDER}:assumed-role/Exfiltrate/eve"
    # Credentials EC2 delivered to instance A, used on instance A through the VPC's endpoints.
    instance_ip = "10.24.34.10"
    on_instance = {
        "ec2:SourceInstanceARN": w.instance_a,
        "aws:Ec2InstanceSourceVpc": w.vpc,
        "aws:Ec2InstanceSourcePrivateIPv4": instance_ip,
        "aws:SourceVpc": w.vpc,
        "aws:VpcSourceIp": instance_ip,
        "aws:ViaAWSService": "false",
        # The engine takes the accounts from the context, as AWS fills them in.
        "aws:PrincipalAccount": YOUR_ACCOUNT,
        "aws:ResourceAccount": YOUR_ACCOUNT,
    }
    lifted = without(on_instance, "aws:SourceVpc", "aws:VpcSourceIp")
    """The same credentials, copied off the instance and used from the internet."""
    in_vpc = {"aws:SourceVpc": w.vpc, "aws:VpcSourceIp": "10.24.34.99"}
    """A request from inside the VPC, through its endpoints."""
    eve_context = {**in_vpc, "aws:PrincipalAccount": OUTSIDER, "aws:ResourceAccount": OUTSIDER}
    parameter = f"arn:aws:ssm:{REGION}:{YOUR_ACCOUNT}:parameter/prod/db-password"
    session = {"aws:userid": alice_userid, "aws:SourceIdentity": "alice", "aws:CurrentTime": w.before_expiry}
    on_a = {**session, tag: "Third_Party_A", "ssm:SessionDocumentAccessCheck": "true"}

    def assume(principal: str, role: str, context: dict, action: str = "sts:AssumeRole") -> Request:
        return Request(principal, action, role, role.split(":")[4], context)

    def in_yours(principal: str, action: str, resource: str, context: dict) -> Request:
        return Request(principal, action, resource, YOUR_ACCOUNT, context)

    return [
        # -- hop 1: alice into her own local role ----------------------------------------------
        Case("alice assumes her local role as herself, with MFA", assume(alice, local_role_a, hop_1), "Allowed"),
        Case(
            "alice sets her own name as source identity",
            assume(alice, local_role_a, hop_1, "sts:SetSourceIdentity"),
            "Allowed",
        ),
        Case(
            "alice without MFA",
            assume(alice, local_role_a, without(hop_1, "aws:MultiFactorAuthPresent")),
            "ImplicitlyDenied",
        ),
        Case(
            "alice without a source identity",
            assume(alice, local_role_a, without(hop_1, "sts:SourceIdentity")),
            "ImplicitlyDenied",
        ),
        Case(
            "alice naming bob as her source identity",
            assume(alice, local_role_a, {**hop_1, "sts:SourceIdentity": "bob"}),
            "ImplicitlyDenied",
        ),
        Case(
            "bob, a listed user of her party, names his session alice",
            assume(bob, local_role_a, {**hop_1, "aws:username": "bob", "sts:SourceIdentity": "bob"}),
            "ImplicitlyDenied",
        ),
        Case(
            "alice tags her session at hop 1",
            assume(alice, local_role_a, hop_1, "sts:TagSession"),
            "ImplicitlyDenied",
        ),
        Case(
            "another user of their account, administrator, into the local role",
            assume(
                f"arn:aws:iam::{THEIR_A}:user/mallory",
                local_role_a,
                {**hop_1, "aws:username": "mallory", "sts:SourceIdentity": "mallory"},
            ),
            "ImplicitlyDenied",
            also=(ADMIN,),
        ),
        # -- hop 2: the local role into your session role --------------------------------------
        Case(
            "the local role, with ExternalId and source identity", assume(alice_local, session_role_a, hop_2), "Allowed"
        ),
        Case(
            "the source identity carries over",
            assume(alice_local, session_role_a, hop_2, "sts:SetSourceIdentity"),
            "Allowed",
        ),
        Case(
            "the local role without the ExternalId",
            assume(alice_local, session_role_a, without(hop_2, "sts:ExternalId")),
            "ImplicitlyDenied",
        ),
        Case(
            "the local role with another party's ExternalId",
            assume(alice_local, session_role_a, {**hop_2, "sts:ExternalId": w.their_b["externalId"]}),
            "ImplicitlyDenied",
        ),
        Case(
            "the local role without a source identity",
            assume(alice_local, session_role_a, without(hop_2, "sts:SourceIdentity")),
            "ImplicitlyDenied",
        ),
        Case(
            "the local role after the party's expiry",
            assume(alice_local, session_role_a, {**hop_2, "aws:CurrentTime": w.after_expiry}),
            "ImplicitlyDenied",
        ),
        Case(
            "another role of their account, administrator, with the ExternalId",
            assume(f"arn:aws:sts::{THEIR_A}:assumed-role/Admin/mallory", session_role_a, hop_2),
            "ImplicitlyDenied",
            also=(ADMIN,),
        ),
        Case(
            "a role of another account, administrator, with the ExternalId",
            assume(f"arn:aws:sts::{OUTSIDER}:assumed-role/3P_IAM_Assume_Role/eve", session_role_a, hop_2),
            "ImplicitlyDenied",
            also=(ADMIN,),
        ),
        Case(
            "party B's local role into party A's session role",
            assume(bob_local_b, session_role_a, hop_2),
            "ImplicitlyDenied",
        ),
        Case(
            "party A's local role into party B's session role",
            assume(alice_local, session_role_b, {**hop_2, "sts:ExternalId": w.their_b["externalId"]}),
            "ImplicitlyDenied",
        ),
        Case("alice herself, skipping her local role", assume(alice, session_role_a, hop_2), "ImplicitlyDenied"),
        Case(
            "bob's local role session names its session alice",
            assume(bob_local, session_role_a, {**hop_2, "aws:SourceIdentity": "bob", "sts:SourceIdentity": "bob"}),
            "ImplicitlyDenied",
        ),
        Case(
            "the local role tags its session at hop 2",
            assume(alice_local, session_role_a, hop_2, "sts:TagSession"),
            "ImplicitlyDenied",
        ),
        # -- alice's session role in your account ----------------------------------------------
        Case(
            "a session on the instance tagged for her party",
            in_yours(alice_session, "ssm:StartSession", w.instance_a, on_a),
            "Allowed",
        ),
        Case(
            "a session through the managed document",
            in_yours(alice_session, "ssm:StartSession", document, session),
            "Allowed",
        ),
        Case(
            "a session on an instance tagged for another party",
            in_yours(alice_session, "ssm:StartSession", w.instance_b, {**on_a, tag: "Third_Party_B"}),
            "ImplicitlyDenied",
        ),
        Case(
            "a session on an untagged instance",
            in_yours(
                alice_session,
                "ssm:StartSession",
                w.instance_a.replace(w.instance_a[-19:], "i-0ffffffffffffffff"),
                without(on_a, tag),
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "a session without the document access check (the account's default document)",
            in_yours(
                alice_session, "ssm:StartSession", w.instance_a, {**on_a, "ssm:SessionDocumentAccessCheck": "false"}
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "a session through AWS-StartPortForwardingSession",
            in_yours(
                alice_session,
                "ssm:StartSession",
                # AWS writes its own documents' ARN without an account; the engine checks ARNs against
                # the Service Authorization Reference, whose pattern has one. The deny is a NotResource,
                # so both forms meet the same decision.
                f"arn:aws:ssm:{REGION}:{YOUR_ACCOUNT}:document/AWS-StartPortForwardingSession",
                session,
            ),
            "ExplicitlyDenied",
        ),
        Case(
            "a session through the account-wide SSM-SessionManagerRunShell",
            in_yours(
                alice_session,
                "ssm:StartSession",
                f"arn:aws:ssm:{REGION}:{YOUR_ACCOUNT}:document/SSM-SessionManagerRunShell",
                session,
            ),
            "ExplicitlyDenied",
        ),
        Case(
            "a session after the party's expiry",
            in_yours(alice_session, "ssm:StartSession", w.instance_a, {**on_a, "aws:CurrentTime": w.after_expiry}),
            "ImplicitlyDenied",
        ),
        Case(
            "ending her own session",
            in_yours(
                alice_session,
                "ssm:TerminateSession",
                own_session,
                {**session, "ssm:resourceTag/aws:ssmmessages:session-id": alice_userid},
            ),
            "Allowed",
        ),
        Case(
            "ending someone else's session",
            in_yours(
                alice_session,
                "ssm:TerminateSession",
                own_session,
                {**session, "ssm:resourceTag/aws:ssmmessages:session-id": "AROAOTHER:bob"},
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "resuming her own session",
            in_yours(
                alice_session,
                "ssm:ResumeSession",
                own_session,
                {**session, "ssm:resourceTag/aws:ssmmessages:session-id": alice_userid},
            ),
            "Allowed",
        ),
        Case(
            "resuming someone else's session",
            in_yours(
                alice_session,
                "ssm:ResumeSession",
                own_session,
                {**session, "ssm:resourceTag/aws:ssmmessages:session-id": "AROAOTHER:bob"},
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "bob of her own party resumes alice's session",
            in_yours(
                bob_session_a,
                "ssm:ResumeSession",
                own_session,
                {
                    **session,
                    "aws:userid": "AROAPARTYASESSIONROLE:bob",
                    **{"ssm:resourceTag/aws:ssmmessages:session-id": alice_userid},
                },
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "bob of her own party ends alice's session",
            in_yours(
                bob_session_a,
                "ssm:TerminateSession",
                own_session,
                {
                    **session,
                    "aws:userid": "AROAPARTYASESSIONROLE:bob",
                    **{"ssm:resourceTag/aws:ssmmessages:session-id": alice_userid},
                },
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "opening data channels on any session at all",
            in_yours(alice_session, "ssmmessages:OpenDataChannel", "*", session),
            "ImplicitlyDenied",
        ),
        Case(
            "running a command on her instance",
            in_yours(alice_session, "ssm:SendCommand", w.instance_a, on_a),
            "ExplicitlyDenied",
        ),
        Case(
            "listing everyone's sessions",
            in_yours(alice_session, "ssm:DescribeSessions", "*", session),
            "ExplicitlyDenied",
        ),
        Case(
            "chaining on into another role of your account",
            in_yours(alice_session, "sts:AssumeRole", f"arn:aws:iam::{YOUR_ACCOUNT}:role/Admin", session),
            "ExplicitlyDenied",
        ),
        Case(
            "listing the fleet's SSM-managed instances",
            in_yours(alice_session, "ssm:DescribeInstanceInformation", "*", session),
            "ExplicitlyDenied",
        ),
        Case(
            "listing the EC2 inventory",
            in_yours(alice_session, "ec2:DescribeInstances", "*", session),
            "ImplicitlyDenied",
        ),
        Case(
            "encrypting session data with the session key",
            in_yours(alice_session, "kms:GenerateDataKey", key, session),
            "Allowed",
        ),
        Case(
            "decrypting with the session key", in_yours(alice_session, "kms:Decrypt", key, session), "ImplicitlyDenied"
        ),
        Case(
            "reading alice's credentials secret in their account",
            Request(
                alice_session,
                "secretsmanager:GetSecretValue",
                w.their_a["users"]["alice"]["credentialsSecretArn"],
                THEIR_A,
                session,
            ),
            "ImplicitlyDenied",
        ),
        # -- the other party, the instances, and alice's own account ---------------------------
        Case(
            "party B's session on its own instance",
            in_yours(
                bob_session, "ssm:StartSession", w.instance_b, {**on_a, "aws:userid": "AROAB:bob", tag: "Third_Party_B"}
            ),
            "Allowed",
        ),
        Case(
            "party B's session on party A's instance",
            in_yours(bob_session, "ssm:StartSession", w.instance_a, {**on_a, "aws:userid": "AROAB:bob"}),
            "ImplicitlyDenied",
        ),
        Case(
            "an instance decrypts session data",
            in_yours(instance_session, "kms:Decrypt", key, on_instance),
            "Allowed",
            endpoint="kms",
        ),
        Case(
            "an instance streams to the session log group",
            in_yours(instance_session, "logs:PutLogEvents", log_stream, on_instance),
            "Allowed",
            endpoint="logs",
        ),
        Case(
            "an instance checks the log group is encrypted",
            in_yours(instance_session, "logs:DescribeLogGroups", "*", on_instance),
            "Allowed",
            endpoint="logs",
        ),
        Case(
            "an instance registers with Systems Manager",
            in_yours(instance_session, "ssm:UpdateInstanceInformation", w.instance_a, on_instance),
            "Allowed",
            endpoint="ssm",
        ),
        # -- what a shell on the instance could reach: the instance role and the endpoints --------------
        Case(
            "instance credentials read a parameter of your account",
            in_yours(instance_session, "ssm:GetParameter", parameter, on_instance),
            "ImplicitlyDenied",
            endpoint="ssm",
        ),
        Case(
            "instance credentials read parameters in bulk",
            in_yours(instance_session, "ssm:GetParameters", parameter, on_instance),
            "ImplicitlyDenied",
            endpoint="ssm",
        ),
        Case(
            "instance credentials lifted off the instance write session logs from the internet",
            in_yours(instance_session, "logs:PutLogEvents", log_stream, lifted),
            "ExplicitlyDenied",
        ),
        Case(
            "instance credentials lifted off the instance write session logs from another VPC",
            in_yours(
                instance_session,
                "logs:PutLogEvents",
                log_stream,
                {**lifted, "aws:SourceVpc": "vpc-0attacker00000000", "aws:VpcSourceIp": instance_ip},
            ),
            "ExplicitlyDenied",
        ),
        Case(
            "instance credentials lifted off the instance write session logs from another instance",
            in_yours(instance_session, "logs:PutLogEvents", log_stream, {**on_instance, **in_vpc}),
            "ExplicitlyDenied",
            endpoint="logs",
        ),
        Case(
            "foreign credentials copy data to their own bucket through the S3 gateway",
            Request(eve, "s3:PutObject", "arn:aws:s3:::eve-loot/dump.tar", OUTSIDER, eve_context),
            "ImplicitlyDenied",
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        Case(
            "foreign credentials read their own bucket through the S3 gateway",
            Request(eve, "s3:GetObject", "arn:aws:s3:::eve-loot/tools.tar", OUTSIDER, eve_context),
            "ImplicitlyDenied",
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        Case(
            "your own credentials copy data to a foreign bucket through the S3 gateway",
            Request(
                instance_session,
                "s3:PutObject",
                "arn:aws:s3:::eve-loot/dump.tar",
                OUTSIDER,
                {**on_instance, "aws:ResourceAccount": OUTSIDER},
            ),
            "ImplicitlyDenied",
            also=(ADMIN,),
            endpoint="s3",
            resource_policy=PUBLIC_WRITE,
        ),
        *(
            Case(
                f"foreign credentials through the {service} endpoint",
                Request(eve, action, resource, OUTSIDER, eve_context),
                "ImplicitlyDenied",
                also=(ADMIN,),
                endpoint=service,
            )
            for service, action, resource in [
                ("ssm", "ssm:GetParameter", f"arn:aws:ssm:{REGION}:{OUTSIDER}:parameter/loot"),
                ("ssmmessages", "ssmmessages:OpenDataChannel", "*"),
                ("ec2messages", "ec2messages:GetMessages", "*"),
                ("logs", "logs:PutLogEvents", f"arn:aws:logs:{REGION}:{OUTSIDER}:log-group:loot:log-stream:x"),
                ("kms", "kms:Encrypt", f"arn:aws:kms:{REGION}:{OUTSIDER}:key/0000aaaa-0000-0000-0000-000000000000"),
            ]
        ),
        Case(
            "alice reads her own credentials secret",
            Request(
                alice, "secretsmanager:GetSecretValue", w.their_a["users"]["alice"]["credentialsSecretArn"], THEIR_A, {}
            ),
            "ImplicitlyDenied",
        ),
        Case(
            "alice starts a session with her own keys",
            in_yours(alice, "ssm:StartSession", w.instance_a, on_a),
            "ImplicitlyDenied",
        ),
    ]


def decide(policies: RegisteredPolicies, cases: list[Case]) -> list[Decision]:
    simulations = []
    for case in cases:
        simulation = policies.simulation(case.request, case.endpoint)
        simulations.append(
            dataclasses.replace(
                simulation,
                identity_policies=[*simulation.identity_policies, *case.also],
                resource_policy=case.resource_policy or simulation.resource_policy,
            )
        )
    return evaluate(simulations)


def test_the_table_is_large_enough(world):
    cases = decision_table(world)
    assert len(cases) >= 30
    assert len({c.name for c in cases}) == len(cases)
    assert {c.expected for c in cases} == {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_every_decision_is_the_expected_one(world):
    cases = decision_table(world)
    started = time.perf_counter()
    decisions = decide(world.policies, cases)
    print(f"\n{len(cases)} decisions by the IAM engine in {time.perf_counter() - started:.2f}s (one Node process)")
    wrong = [
        f"{c.name}: expected {c.expected}, got {d}" for c, d in zip(cases, decisions, strict=True) if d != c.expected
    ]
    assert wrong == []


@pytest.mark.parametrize("mutation", sorted(mutations("ExternalAccessGrantedTo")))
def test_removing_each_security_condition_changes_a_decision(world, mutation):
    cases = decision_table(world)
    mutated = mutations("ExternalAccessGrantedTo")[mutation](world.policies)
    assert mutated != world.policies, "nothing was removed"
    flipped = [c.name for c, d in zip(cases, decide(mutated, cases), strict=True) if d != c.expected]
    assert flipped, f"removing the {mutation} changes no decision: the table misses a case"
