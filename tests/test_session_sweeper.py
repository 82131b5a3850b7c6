"""The session sweeper: the function's code run against botocore's Stubber (grant, revoke, move, expire),
then the stack's wiring of it under mocks, then the same code fed the grants the stack registered."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from functions import session_sweeper
from harness.program_run import ProgramRun
from tests.conftest import PARTY_B, THEIR_STACKS, run_yours

DOCUMENT = "third-party-ec2-access-yours-session"
ROLE_A, ROLE_B = "SSMStartSession_IAM_Role_ThirdPartyA", "SSMStartSession_IAM_Role_ThirdPartyB"
INSTANCE_A, INSTANCE_B = "i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"
EXPIRES = datetime(2027, 6, 30, tzinfo=UTC)
FUNCTION = "aws:lambda/function:Function"
SCHEDULE = "aws:scheduler/schedule:Schedule"


def grants(**roles: tuple[str, datetime | None, list[str]]) -> str:
    return json.dumps(
        {
            "document": DOCUMENT,
            "roles": {
                role: {"party": party, "expires": expires and expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "instances": ids}
                for role, (party, expires, ids) in roles.items()
            },
        }
    )


GRANTED = grants(**{ROLE_A: ("Third_Party_A", EXPIRES, [INSTANCE_A]), ROLE_B: ("Third_Party_B", None, [INSTANCE_B])})


def session(session_id: str, role: str, target: str, document: str = DOCUMENT) -> dict:
    return {
        "SessionId": session_id,
        "Target": target,
        "Status": "Connected",
        "DocumentName": document,
        "Owner": f"arn:aws:sts::111122223333:assumed-role/{role}/{session_id.split('-')[0]}",
    }


def sweep(tmp_path, monkeypatch, grants_json: str, sessions: list[dict], ended: list[str], now: datetime) -> dict:
    """Runs the handler over ``sessions`` (two pages), expecting exactly ``ended`` to be terminated."""
    (tmp_path / "grants.json").write_text(grants_json)
    monkeypatch.setattr(session_sweeper, "GRANTS_FILE", tmp_path / "grants.json")
    ssm = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    stubber = Stubber(ssm)
    half = len(sessions) // 2
    stubber.add_response("describe_sessions", {"Sessions": sessions[:half], "NextToken": "t"}, {"State": "Active"})
    stubber.add_response("describe_sessions", {"Sessions": sessions[half:]}, {"State": "Active", "NextToken": "t"})
    by_id = {s["SessionId"]: s for s in sessions}
    for session_id in [s["SessionId"] for s in sessions if s["SessionId"] in ended]:
        stubber.add_response(
            "terminate_session", {"SessionId": session_id}, {"SessionId": by_id[session_id]["SessionId"]}
        )
    with stubber:
        result = session_sweeper.handler({}, None, ssm=ssm, now=now)
    stubber.assert_no_pending_responses()
    return result


BEFORE, AFTER = EXPIRES - timedelta(minutes=1), EXPIRES + timedelta(seconds=1)


def test_granted_sessions_are_left_alone(tmp_path, monkeypatch):
    sessions = [session("alice-1", ROLE_A, INSTANCE_A), session("bob-2", ROLE_B, INSTANCE_B)]
    assert sweep(tmp_path, monkeypatch, GRANTED, sessions, [], BEFORE) == {"ended": []}


def test_at_its_expiry_a_partys_sessions_end(tmp_path, monkeypatch):
    sessions = [session("alice-1", ROLE_A, INSTANCE_A), session("bob-2", ROLE_B, INSTANCE_B)]
    result = sweep(tmp_path, monkeypatch, GRANTED, sessions, ["alice-1"], AFTER)
    assert [r["ended"] for r in result["ended"]] == ["alice-1"]
    assert "expired at 2027-06-30T00:00:00+00:00" in result["ended"][0]["reason"]


def test_a_revoked_partys_sessions_end(tmp_path, monkeypatch):
    only_b = grants(**{ROLE_B: ("Third_Party_B", None, [INSTANCE_B])})
    sessions = [session("alice-1", ROLE_A, INSTANCE_A), session("bob-2", ROLE_B, INSTANCE_B)]
    result = sweep(tmp_path, monkeypatch, only_b, sessions, ["alice-1"], BEFORE)
    assert "revoked" in result["ended"][0]["reason"]


def test_a_session_on_an_instance_moved_to_another_party_ends(tmp_path, monkeypatch):
    moved = grants(**{ROLE_A: ("Third_Party_A", None, []), ROLE_B: ("Third_Party_B", None, [INSTANCE_A, INSTANCE_B])})
    sessions = [session("alice-1", ROLE_A, INSTANCE_A), session("bob-2", ROLE_B, INSTANCE_A)]
    result = sweep(tmp_path, monkeypatch, moved, sessions, ["alice-1"], BEFORE)
    assert result["ended"][0]["reason"] == f"{INSTANCE_A} is no longer granted to Third_Party_A"


def test_sessions_through_any_other_document_are_someone_elses(tmp_path, monkeypatch):
    sessions = [session("ops-1", "Admin", INSTANCE_A, "SSM-SessionManagerRunShell"), session("x-2", "Other", "i-9")]
    sessions[1]["DocumentName"] = "AWS-StartPortForwardingSession"
    assert sweep(tmp_path, monkeypatch, GRANTED, sessions, [], AFTER) == {"ended": []}


def test_what_it_ends_it_logs_one_json_line_each(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    sessions = [session("alice-1", ROLE_A, INSTANCE_A), session("bob-2", ROLE_B, INSTANCE_B)]
    sweep(tmp_path, monkeypatch, GRANTED, sessions, ["alice-1"], AFTER)
    (line,) = [json.loads(r.getMessage()) for r in caplog.records]
    assert (line["ended"], line["target"]) == ("alice-1", INSTANCE_A)
    assert line["owner"].endswith(f"assumed-role/{ROLE_A}/alice")


# -- the stack's sweeper ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def expiring() -> ProgramRun:
    stack_a = THEIR_STACKS["Third_Party_A"][0]
    return run_yours(
        thirdParties=[
            {
                "name": "Third_Party_A",
                "stack": stack_a,
                "runAsUser": "third-party-a",
                "expires": "2031-01-02T03:04:05Z",
            },
            PARTY_B,
        ]
    )


def registered_grants(run: ProgramRun) -> str:
    return run.one(FUNCTION).inputs["code"]["assets"]["grants.json"]["text"]


def test_the_function_carries_the_grants_the_stack_registers(expiring):
    instances = expiring.stack_outputs["instances"]
    assert json.loads(registered_grants(expiring)) == {
        "document": expiring.stack_outputs["sessionDocument"],
        "roles": {
            ROLE_A: {
                "party": "Third_Party_A",
                "expires": "2031-01-02T03:04:05Z",
                "instances": [instances["instance-a"]["id"]],
            },
            ROLE_B: {"party": "Third_Party_B", "expires": None, "instances": [instances["instance-b"]["id"]]},
        },
    }
    assert expiring.one(FUNCTION).inputs["code"]["assets"]["session_sweeper.py"]["path"] == session_sweeper.__file__


def test_it_runs_at_each_expiry_and_every_five_minutes(expiring):
    function_arn = expiring.one(FUNCTION).outputs["arn"]
    schedules = {s.inputs["scheduleExpression"]: s.inputs for s in expiring.of_type(SCHEDULE)}
    assert set(schedules) == {"rate(5 minutes)", "at(2031-01-02T03:04:05)"}
    assert schedules["at(2031-01-02T03:04:05)"]["scheduleExpressionTimezone"] == "UTC"
    for schedule in schedules.values():
        assert schedule["target"]["arn"] == function_arn
        assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}


def test_its_record_is_encrypted_retained_and_kept_on_destroy(expiring):
    group_name = expiring.one(FUNCTION).inputs["loggingConfig"]["logGroup"]
    (group,) = [g for g in expiring.of_type("aws:cloudwatch/logGroup:LogGroup") if g.inputs["name"] == group_name]
    assert group.inputs["kmsKeyId"]
    assert group.inputs["retentionInDays"] == 365
    assert group.retain_on_delete
    assert group.inputs["skipDestroy"] is True


def test_the_deployed_code_with_the_registered_grants_ends_a_moved_instances_session(expiring, tmp_path, monkeypatch):
    instances = expiring.stack_outputs["instances"]
    a, b = instances["instance-a"]["id"], instances["instance-b"]["id"]
    sessions = [session("alice-1", ROLE_A, b), session("bob-2", ROLE_B, b), session("alice-3", ROLE_A, a)]
    result = sweep(tmp_path, monkeypatch, registered_grants(expiring), sessions, ["alice-1"], BEFORE)
    assert [r["ended"] for r in result["ended"]] == ["alice-1"]
