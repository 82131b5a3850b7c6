"""Session logs as AWS writes them, for the session-history tests and benchmark.

The session log group gets the committed fixture's messages (tests/fixtures/session-manager-streamed-events.json:
what SSM Agent streams, byte for byte, and where that is read from), moved to the last days: CloudWatch Logs takes
no event older than 14 days (API Reference, PutLogEvents), nor does moto. The sweeper's log group gets what the
real sweeper (functions/session_sweeper.py) logs when it runs over stubbed Systems Manager answers, formatted as the
Lambda Python runtime formats a text log line (aws/aws-lambda-python-runtime-interface-client,
awslambdaric/bootstrap.py _setup_logging).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from functions import session_sweeper

FIXTURE = Path(__file__).parent / "fixtures" / "session-manager-streamed-events.json"
DOCUMENT = "third-party-ec2-access-yours-session"
LAMBDA_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
EVENT_TIME = re.compile(r'"eventTime":"([0-9T:Z-]+)"')


@dataclass(frozen=True)
class LogEvent:
    stream: str
    timestamp_ms: int
    message: str


def agent_message(
    *, at: datetime, instance: str, owner: str, run_as_user: str, session_id: str, lines: list[str], region: str
) -> str:
    """A message in the fixture's form, for sessions made up in bulk: Go's encoding/json output of the agent's
    CloudWatchMessage (its field order, no spaces, ``<``, ``>`` and ``&`` escaped)."""
    message = {
        "eventVersion": "1.0",
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "awsRegion": region,
        "target": {"id": instance},
        "userIdentity": {"arn": owner},
        "runAsUser": run_as_user,
        "sessionId": session_id,
        "sessionData": lines,
    }
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def fixture_messages() -> list[str]:
    return json.loads(FIXTURE.read_text())["messages"]


def event_time(message: str) -> datetime:
    return datetime.fromisoformat(EVENT_TIME.search(message)[1].replace("Z", "+00:00"))


def moved(messages: Iterable[str], to: datetime) -> list[LogEvent]:
    """The messages with their ``eventTime`` moved so that the last is at ``to``, nothing else changed; each
    event's timestamp is its eventTime, plus its order within the second (the agent stamps milliseconds)."""
    messages = list(messages)
    shift = to - max(map(event_time, messages))
    events = []
    for n, message in enumerate(messages):
        moment = event_time(message) + shift
        text = EVENT_TIME.sub(f'"eventTime":"{moment.strftime("%Y-%m-%dT%H:%M:%SZ")}"', message, count=1)
        events.append(LogEvent(json.loads(text)["sessionId"], int(moment.timestamp() * 1000) + n, text))
    return events


def put_events(client: Any, group: str, events: Iterable[LogEvent]) -> None:
    """Creates the group and a stream per session, and puts each stream's events in order (PutLogEvents takes up
    to 10,000 events a call, in chronological order)."""
    client.create_log_group(logGroupName=group)
    by_stream: dict[str, list[LogEvent]] = {}
    for event in events:
        by_stream.setdefault(event.stream, []).append(event)
    for stream, stream_events in by_stream.items():
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        ordered = sorted(stream_events, key=lambda e: e.timestamp_ms)
        for start in range(0, len(ordered), 10_000):
            batch = ordered[start : start + 10_000]
            client.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": e.timestamp_ms, "message": e.message} for e in batch],
            )


class _LambdaContext(logging.Filter):
    """What the Lambda runtime's filter adds to each record, and the sweep's time as the record's."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = "5f3c8a8e-7d4b-4c1e-9a6f-1b2c3d4e5f60"
        record.created, record.msecs = self.at.timestamp(), 0
        return True


@contextmanager
def lambda_log(at: datetime) -> Iterator[list[str]]:
    """The lines the root logger gets meanwhile, as the Lambda runtime writes them in its text format."""
    lines: list[str] = []

    class Sink(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    sink = Sink()
    formatter = logging.Formatter(LAMBDA_TEXT_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    sink.setFormatter(formatter)
    sink.addFilter(_LambdaContext(at))
    root = logging.getLogger()
    root.addHandler(sink)
    try:
        yield lines
    finally:
        root.removeHandler(sink)


def sweep_lines(
    grants: dict[str, Any], sessions: list[dict[str, Any]], refused: set[str], at: datetime, tmp_path: Path, monkeypatch
) -> list[str]:
    """What the real sweeper logs when Systems Manager lists ``sessions`` at ``at`` and refuses to end those in
    ``refused`` (AccessDeniedException, as the Systems Manager API Reference's Common Errors names it)."""
    grants_file = tmp_path / "grants.json"
    grants_file.write_text(json.dumps(grants))
    monkeypatch.setattr(session_sweeper, "GRANTS_FILE", grants_file)
    ssm = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    stubber = Stubber(ssm)
    stubber.add_response("describe_sessions", {"Sessions": sessions}, {"State": "Active"})
    for session in sessions:
        verdict = session_sweeper.Grants.from_json(json.dumps(grants)).verdict(session, at)
        if verdict is None or verdict[0] != session_sweeper.ENDED:
            continue
        if session["SessionId"] in refused:
            stubber.add_client_error(
                "terminate_session", "AccessDeniedException", "User is not authorized to perform ssm:TerminateSession"
            )
        else:
            stubber.add_response("terminate_session", {"SessionId": session["SessionId"]})
    # A refusal fails the run, after every line was logged.
    with stubber, lambda_log(at) as lines, suppress(session_sweeper.IncompleteSweepError):
        session_sweeper.handler({}, None, ssm=ssm, now=at)
    stubber.assert_no_pending_responses()
    return lines


def put_sweeper_lines(client: Any, group: str, sweeps: list[tuple[datetime, list[str]]]) -> None:
    """Each sweep's lines at its time, in one stream as Lambda names them (``<date>/[<version>]<instance id>``)."""
    client.create_log_group(logGroupName=group)
    stream = "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef"
    client.create_log_stream(logGroupName=group, logStreamName=stream)
    events = [
        {"timestamp": int(at.timestamp() * 1000) + n, "message": line}
        for at, lines in sorted(sweeps, key=lambda sweep: sweep[0])
        for n, line in enumerate(lines)
    ]
    client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def days_ago(days: float) -> datetime:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)
