"""The session sweeper: the function's code run with the grants and the policy a whole-stack run registered,
against a Systems Manager double that answers each TerminateSession as the IAM engine decides it under that
policy; then the stack's wiring of it under mocks (its schedules, its memory of removed parties across two
consecutive updates)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from components.arns import assumed_role_arn
from components.iam_documents import iam_time
from components.session_sweeper import REMOVAL_MARGIN, SWEPT_ROLES_OUTPUT, expiry_schedule_time
from functions import session_sweeper
from harness.program_run import ProgramRun, stack_reference_outputs
from proof.access_model import collect_policies
from proof.iam_engine import Request, evaluate
from tests.shared_runs import EXPIRES, expiring_run
from tests.stack_runs import PARTY_A, PARTY_B, run_yours, their_stack_references, yours_mocks

ROLE_A, ROLE_B = "SSMStartSession_IAM_Role_ThirdPartyA", "SSMStartSession_IAM_Role_ThirdPartyB"
BEFORE, AFTER = EXPIRES - timedelta(minutes=1), EXPIRES + timedelta(seconds=1)
FUNCTION = "aws:lambda/function:Function"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ADMINISTRATOR_ROLE_ID = "AROAADMINISTRATOR00"
"""An administrator of your account, on the stack's instances through the stack's own document."""
OWN_STACK = "organization/third-party-ec2-access/yours"
SESSION_ID_TAG = "ssm:resourceTag/aws:ssmmessages:session-id"


# -- Systems Manager as the sweeper meets it ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenSession:
    """An active session as DescribeSessions lists it (SSM API Reference, DescribeSessions example): its id is
    the session name and a suffix, its owner the caller's assumed-role ARN; its ``aws:ssmmessages:session-id``
    tag is ``<role id>:<session name>`` (Systems Manager User Guide, "Additional sample IAM policies for
    Session Manager")."""

    person: str
    """The role session name (``alice``), which the session role requires to be the person's own."""
    role_name: str
    role_id: str
    target: str
    document: str

    @property
    def session_id(self) -> str:
        suffix = hashlib.sha256(f"{self.role_id}{self.target}{self.document}".encode()).hexdigest()[:17]
        return f"{self.person}-{suffix}"

    def listed(self, account_id: str) -> dict[str, Any]:
        return {
            "SessionId": self.session_id,
            "Target": self.target,
            "Status": "Connected",
            "DocumentName": self.document,
            "Owner": assumed_role_arn("aws", account_id, self.role_name, self.person),
        }


@dataclass
class SystemsManager:
    """An SSM client whose calls never leave the process: every call is answered as the IAM engine decides it
    for the sweeper's role under the policy ``run`` registered (AccessDeniedException where it denies);
    DescribeSessions then lists ``sessions`` in two pages, and TerminateSession ends the one named. A botocore
    ``before-call`` hook answers, as botocore's Stubber does, but from the engine's table rather than from a
    queue of expected calls, so the double never presumes which sessions the sweeper tries."""

    run: ProgramRun
    sessions: list[OpenSession]
    attempted: list[str] = field(default_factory=list)
    """The session ids the sweeper asked to terminate, in order."""
    result: dict[str, Any] = field(default_factory=dict)
    """What the handler returned, once it ran."""

    def __post_init__(self) -> None:
        account = self.run.account()
        sweeper_role = next(r for r in self.run.of_type("aws:iam/role:Role") if r.name == "session-sweeper-role")
        # Lambda's credentials are a session of the function's execution role.
        self.principal = assumed_role_arn(
            "aws", account.account_id, sweeper_role.outputs["name"], self.run.one(FUNCTION).outputs["name"]
        )
        policies = collect_policies(self.run)
        requests = [
            Request(
                self.principal,
                "ssm:TerminateSession",
                account.arn("ssm", f"session/{s.session_id}"),
                account.account_id,
                {SESSION_ID_TAG: f"{s.role_id}:{s.person}"},
            )
            for s in self.sessions
        ]
        # DescribeSessions takes no resource (Service Authorization Reference, Systems Manager).
        listing = Request(self.principal, "ssm:DescribeSessions", "*", account.account_id)
        *decisions, self.listing = evaluate([policies.simulation(r) for r in [*requests, listing]])
        self.decisions = {r.resource.rsplit("/", 1)[1]: (r, d) for r, d in zip(requests, decisions, strict=True)}
        listed = [s.listed(account.account_id) for s in self.sessions]
        half = len(listed) // 2
        self.pages = {None: {"Sessions": listed[:half], "NextToken": "page-2"}, "page-2": {"Sessions": listed[half:]}}
        self.client = boto3.client(
            "ssm", region_name=account.region, aws_access_key_id="test", aws_secret_access_key="test"
        )
        self.client.meta.events.register("before-call.ssm.DescribeSessions", self._describe)
        self.client.meta.events.register("before-call.ssm.TerminateSession", self._terminate)

    def _describe(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = json.loads(params["body"])
        assert body["State"] == "Active"
        if self.listing != "Allowed":
            return access_denied(self.principal, "ssm:DescribeSessions", "*")
        return AWSResponse(None, 200, {}, None), self.pages[body.get("NextToken")]

    def _terminate(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        session_id = json.loads(params["body"])["SessionId"]
        self.attempted.append(session_id)
        request, decision = self.decisions[session_id]
        if decision != "Allowed":
            return access_denied(request.principal, request.action, request.resource)
        return AWSResponse(None, 200, {}, None), {"SessionId": session_id}

    def ended(self) -> list[str]:
        return [i for i in self.attempted if self.decisions[i][1] == "Allowed"]


def access_denied(principal: str, action: str, resource: str) -> tuple[AWSResponse, dict[str, Any]]:
    """Systems Manager's refusal (SSM API Reference, Common Errors: AccessDeniedException, HTTP 400)."""
    message = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    error = {"Error": {"Code": "AccessDeniedException", "Message": message}}
    return AWSResponse(None, 400, {}, None), {**error, "ResponseMetadata": {"HTTPStatusCode": 400}}


def sweep(run: ProgramRun, sessions: list[OpenSession], now: datetime, tmp_path, monkeypatch) -> SystemsManager:
    """Runs the deployed code with the grants ``run`` registered over ``sessions``, at ``now``."""
    (tmp_path / "grants.json").write_text(registered_grants(run))
    monkeypatch.setattr(session_sweeper, "GRANTS_FILE", tmp_path / "grants.json")
    ssm = SystemsManager(run, sessions)
    ssm.result = session_sweeper.handler({}, None, ssm=ssm.client, now=now)
    return ssm


def registered_grants(run: ProgramRun) -> str:
    return run.one(FUNCTION).inputs["code"]["assets"]["grants.json"]["text"]


def sweeper_policy(run: ProgramRun) -> dict[str, Any]:
    (policy,) = [p for p in run.of_type(ROLE_POLICY) if p.name == "session-sweeper-permissions"]
    return policy.json_input("policy")


def role_id(run: ProgramRun, role_name: str) -> str:
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.outputs["name"] == role_name]
    return role.outputs["uniqueId"]


def instance(run: ProgramRun, name: str) -> str:
    return run.stack_outputs["instances"][name]["id"]


def session_of(run: ProgramRun, person: str, role_name: str, target: str, document: str | None = None) -> OpenSession:
    """A session of one of ``run``'s session roles through its Session document (or ``document``)."""
    return OpenSession(
        person, role_name, role_id(run, role_name), target, document or run.stack_outputs["sessionDocument"]
    )


def administrators_session(run: ProgramRun, target: str) -> OpenSession:
    return OpenSession("ops", "Admin", ADMINISTRATOR_ROLE_ID, target, run.stack_outputs["sessionDocument"])


# -- one update: party A expires, party B does not ---------------------------------------------------------


@pytest.fixture(scope="module")
def expiring() -> ProgramRun:
    return expiring_run()


def test_granted_sessions_are_left_alone(expiring, tmp_path, monkeypatch):
    sessions = [
        session_of(expiring, "alice", ROLE_A, instance(expiring, "instance-a")),
        session_of(expiring, "bob", ROLE_B, instance(expiring, "instance-b")),
    ]
    ssm = sweep(expiring, sessions, BEFORE, tmp_path, monkeypatch)
    assert ssm.attempted == []
    assert ssm.result == {"ended": [], "failed": [], "left alone": []}


def test_at_its_expiry_a_partys_sessions_end(expiring, tmp_path, monkeypatch):
    alice = session_of(expiring, "alice", ROLE_A, instance(expiring, "instance-a"))
    bob = session_of(expiring, "bob", ROLE_B, instance(expiring, "instance-b"))
    ssm = sweep(expiring, [alice, bob], AFTER, tmp_path, monkeypatch)
    assert ssm.ended() == ssm.attempted == [alice.session_id]
    (record,) = ssm.result["ended"]
    assert "expired at 2031-01-02T03:04:05+00:00" in record["reason"]


def test_a_session_on_an_instance_moved_to_another_party_ends(expiring, tmp_path, monkeypatch):
    a, b = instance(expiring, "instance-a"), instance(expiring, "instance-b")
    moved = session_of(expiring, "alice", ROLE_A, b)
    sessions = [moved, session_of(expiring, "bob", ROLE_B, b), session_of(expiring, "alice", ROLE_A, a)]
    ssm = sweep(expiring, sessions, BEFORE, tmp_path, monkeypatch)
    assert ssm.ended() == ssm.attempted == [moved.session_id]
    assert ssm.result["ended"][0]["reason"] == f"{b} is no longer granted to Third_Party_A"


def test_a_session_of_a_person_no_longer_listed_ends(expiring, tmp_path, monkeypatch):
    # Party B gives each person an OS user of their own; carol was removed from its their stack, so its role
    # refuses her every action from this update on, and her session still open ends at the next sweep.
    b = instance(expiring, "instance-b")
    carol = session_of(expiring, "carol", ROLE_B, b)
    ssm = sweep(expiring, [session_of(expiring, "bob", ROLE_B, b), carol], BEFORE, tmp_path, monkeypatch)
    assert ssm.ended() == ssm.attempted == [carol.session_id]
    assert ssm.result["ended"][0]["reason"] == "carol is no longer one of Third_Party_B's people"


def test_a_partys_session_is_judged_whatever_document_it_names(expiring, tmp_path, monkeypatch):
    # StartSession takes a document's name or its ARN (API Reference, StartSession: DocumentName is a
    # DocumentARN); the session's owner, not its document, says whose it is.
    account = expiring.account()
    target = instance(expiring, "instance-a")
    document = expiring.stack_outputs["sessionDocument"]
    by_arn = session_of(expiring, "alice", ROLE_A, target, account.arn("ssm", f"document/{document}"))
    by_other = session_of(expiring, "alice", ROLE_A, target, "SSM-SessionManagerRunShell")
    ssm = sweep(expiring, [by_arn, by_other], AFTER, tmp_path, monkeypatch)
    assert ssm.ended() == ssm.attempted == [by_arn.session_id, by_other.session_id]


def test_someone_elses_session_through_any_other_document_is_not_the_sweepers(expiring, tmp_path, monkeypatch):
    target = instance(expiring, "instance-a")
    admin = OpenSession("ops", "Admin", ADMINISTRATOR_ROLE_ID, target, "AWS-StartPortForwardingSession")
    ssm = sweep(expiring, [admin], AFTER, tmp_path, monkeypatch)
    assert ssm.attempted == []
    assert ssm.result == {"ended": [], "failed": [], "left alone": []}


def test_an_administrators_session_is_logged_and_left_alone(expiring, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    target = instance(expiring, "instance-a")
    admin = administrators_session(expiring, target)
    alice = session_of(expiring, "alice", ROLE_A, target)
    ssm = sweep(expiring, [admin, alice], AFTER, tmp_path, monkeypatch)
    # Its policy may not end the administrator's session (the engine denies it), so it does not try.
    assert ssm.decisions[admin.session_id][1] == "ImplicitlyDenied"
    assert ssm.attempted == [alice.session_id] == ssm.ended()
    lines = [json.loads(r.getMessage()) for r in caplog.records]
    assert [(line["outcome"], line["session"]) for line in lines] == [
        ("left alone", admin.session_id),
        ("ended", alice.session_id),
    ]
    assert lines[0]["owner"] == "arn:aws:sts::111122223333:assumed-role/Admin/ops"
    assert "not a session role of this stack" in lines[0]["reason"]


def test_a_refused_terminate_is_logged_and_the_sweep_goes_on(expiring, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    target = instance(expiring, "instance-a")
    # A session its policy does not reach: role A deleted and made again by hand while it was open, so its
    # session-id tag carries a role id no update of this stack ever saw.
    unreachable = OpenSession("bob", ROLE_A, "AROAMADEAGAINBYHAND0", target, expiring.stack_outputs["sessionDocument"])
    alice = session_of(expiring, "alice", ROLE_A, target)
    with pytest.raises(session_sweeper.IncompleteSweepError) as stopped:
        sweep(expiring, [unreachable, alice], AFTER, tmp_path, monkeypatch)
    assert str(stopped.value) == f"could not end 1 session(s), each logged with its error: {unreachable.session_id}"
    result = stopped.value.result
    assert [r["session"] for r in result["ended"]] == [alice.session_id]
    (failure,) = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.ERROR]
    assert failure == {
        "outcome": "failed",
        "session": unreachable.session_id,
        "owner": f"arn:aws:sts::111122223333:assumed-role/{ROLE_A}/bob",
        "target": target,
        "reason": "Third_Party_A's access expired at 2031-01-02T03:04:05+00:00",
        "error": failure["error"],
    }
    assert failure["error"].startswith("AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/")
    assert result["failed"] == [failure]


def test_what_it_ends_it_logs_one_json_line_each(expiring, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    alice = session_of(expiring, "alice", ROLE_A, instance(expiring, "instance-a"))
    bob = session_of(expiring, "bob", ROLE_B, instance(expiring, "instance-b"))
    sweep(expiring, [alice, bob], AFTER, tmp_path, monkeypatch)
    (line,) = [json.loads(r.getMessage()) for r in caplog.records]
    assert (line["outcome"], line["session"], line["target"]) == ("ended", alice.session_id, alice.target)
    assert line["owner"] == f"arn:aws:sts::111122223333:assumed-role/{ROLE_A}/alice"


def test_the_function_carries_the_grants_the_stack_registers(expiring):
    assert json.loads(registered_grants(expiring)) == {
        "documents": [expiring.stack_outputs["sessionDocument"]],
        "roles": {
            ROLE_A: {
                "party": "Third_Party_A",
                "expires": "2031-01-02T03:04:05Z",
                "instances": [instance(expiring, "instance-a")],
                "people": None,  # one OS user for the whole party: anyone its role admits
            },
            ROLE_B: {
                "party": "Third_Party_B",
                "expires": None,
                "instances": [instance(expiring, "instance-b")],
                "people": ["alice", "bob"],  # the people its their stack lists
            },
        },
        "removed": {},
    }
    assert expiring.one(FUNCTION).inputs["code"]["assets"]["session_sweeper.py"]["path"] == session_sweeper.__file__


def test_its_record_is_encrypted_retained_and_kept_on_destroy(expiring):
    group_name = expiring.one(FUNCTION).inputs["loggingConfig"]["logGroup"]
    (group,) = [g for g in expiring.of_type("aws:cloudwatch/logGroup:LogGroup") if g.inputs["name"] == group_name]
    assert group.inputs["kmsKeyId"]
    assert group.inputs["retentionInDays"] == 365
    assert group.retain_on_delete
    assert group.inputs["skipDestroy"] is True


# -- its schedules ---------------------------------------------------------------------------------------


def test_it_runs_at_or_after_each_expiry_and_every_five_minutes(expiring):
    function_arn = expiring.one(FUNCTION).outputs["arn"]
    schedules = {s.inputs["scheduleExpression"]: s.inputs for s in expiring.of_type(SCHEDULE)}
    # EventBridge Scheduler fires anywhere in the minute it names: the minute after 03:04:05, never before it.
    assert set(schedules) == {"rate(5 minutes)", "at(2031-01-02T03:05:00)"}
    assert schedules["at(2031-01-02T03:05:00)"]["scheduleExpressionTimezone"] == "UTC"
    for schedule in schedules.values():
        assert schedule["target"]["arn"] == function_arn
        assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}


def test_an_expiry_on_the_minute_is_scheduled_at_that_minute():
    on_the_minute = datetime(2031, 1, 2, 3, 4, tzinfo=UTC)
    assert expiry_schedule_time(on_the_minute, on_the_minute - timedelta(days=1)) == on_the_minute


def test_an_expiry_too_close_for_a_schedule_is_left_to_the_sweep():
    # The update runs 4 minutes ahead of party A's expiry and 11 ahead of party B's: too close, a one-time
    # schedule could be created after its time; party B's is far enough ahead for one.
    now = EXPIRES - timedelta(minutes=4)
    b_expires = now + timedelta(minutes=11)
    run = run_yours(
        thirdParties=[{**PARTY_A, "expires": iam_time(EXPIRES)}, {**PARTY_B, "expires": iam_time(b_expires)}], now=now
    )
    expressions = sorted(s.inputs["scheduleExpression"] for s in run.of_type(SCHEDULE))
    assert expressions == ["at(2031-01-02T03:12:00)", "rate(5 minutes)"]


# -- two consecutive updates: party A present, then removed ------------------------------------------------

FIRST_UPDATE = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)
SECOND_UPDATE = FIRST_UPDATE + timedelta(hours=1)
B_EXPIRES = datetime(2031, 1, 1, 18, 0, tzinfo=UTC)
PARTY_B_EXPIRING = {**PARTY_B, "expires": iam_time(B_EXPIRES)}
ONLY_B = {
    "thirdParties": [PARTY_B_EXPIRING],
    "instances": [
        {"name": "instance-a", "grantedTo": "Third_Party_B"},
        {"name": "instance-b", "grantedTo": "Third_Party_B"},
    ],
}


def update_after(previous: ProgramRun, now: datetime, **overrides: Any) -> ProgramRun:
    """The next update of the yours stack, reading back the outputs ``previous`` left."""
    references = {**their_stack_references(), OWN_STACK: stack_reference_outputs(previous)}
    return run_yours(yours_mocks(stack_references=references), now=now, **overrides)


@pytest.fixture(scope="module")
def with_a() -> ProgramRun:
    return run_yours(thirdParties=[PARTY_A, PARTY_B_EXPIRING], now=FIRST_UPDATE)


@pytest.fixture(scope="module")
def a_removed(with_a) -> ProgramRun:
    return update_after(with_a, SECOND_UPDATE, **ONLY_B)


def test_a_removed_partys_sessions_still_end_and_the_sweep_reaches_the_expired_party(
    with_a, a_removed, tmp_path, monkeypatch
):
    target = instance(a_removed, "instance-a")
    admin = administrators_session(a_removed, target)
    removed = session_of(with_a, "alice", ROLE_A, target)  # opened while A was granted; its role is gone now
    expired = session_of(a_removed, "alice", ROLE_B, instance(a_removed, "instance-b"))
    ssm = sweep(a_removed, [admin, removed, expired], B_EXPIRES + timedelta(seconds=1), tmp_path, monkeypatch)
    assert ssm.attempted == ssm.ended() == [removed.session_id, expired.session_id]
    assert [r["session"] for r in ssm.result["left alone"]] == [admin.session_id]
    (ended_removed, _) = ssm.result["ended"]
    assert ended_removed["reason"] == "Third_Party_A was removed from this stack: its party's access was revoked"


def test_a_removed_party_stays_listed_until_its_longest_session_is_over(with_a, a_removed):
    a_id = role_id(with_a, ROLE_A)
    until = SECOND_UPDATE + timedelta(minutes=60) + REMOVAL_MARGIN  # maxDurationMinutes: 60 in the stack file
    removed_a = {"roleId": a_id, "roleName": ROLE_A, "party": "Third_Party_A", "removedUntil": iam_time(until)}
    assert removed_a in a_removed.stack_outputs[SWEPT_ROLES_OUTPUT]
    assert json.loads(registered_grants(a_removed))["removed"] == {ROLE_A: "Third_Party_A"}
    # A later update keeps it, with the same end, until that end has passed.
    later = update_after(a_removed, until - timedelta(minutes=1), **ONLY_B)
    assert removed_a in later.stack_outputs[SWEPT_ROLES_OUTPUT]
    gone = update_after(later, until, **ONLY_B)
    assert [r["roleName"] for r in gone.stack_outputs[SWEPT_ROLES_OUTPUT]] == [ROLE_B]
    assert json.loads(registered_grants(gone))["removed"] == {}
    assert a_id not in json.dumps(sweeper_policy(gone))
