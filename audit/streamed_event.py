"""One log event of a session, as SSM Agent streams it to CloudWatch Logs.

With ``cloudWatchStreamingEnabled`` the agent writes each session to its own log stream, named after the session
ID, and each event's message is one JSON object (amazon-ssm-agent, agent/session/shell/shell.go
startStreamingLogs, and agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go
CloudWatchMessage and buildEventInfo)::

    {"eventVersion":"1.0","eventTime":"2026-11-24T09:15:02Z","awsRegion":"eu-west-1",
     "target":{"id":"i-0123456789abcdef0"},"userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/R/alice"},
     "runAsUser":"tpa-alice","sessionId":"alice-0a1b2c3d4e5f67890","sessionData":["[tpa-alice@ip-10-0-1-5 ~]$ id"]}

``sessionData`` is the terminal's lines since the previous event (tabs become spaces, carriage returns are
dropped). The Systems Manager User Guide's "Logging session data using Amazon CloudWatch Logs (console)" shows the
same fields. Without streaming, the agent uploads the whole transcript as plain text at the end: such an event is
read as its lines, with nothing known about who or where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class StreamedEvent:
    time: datetime
    """CloudWatch Logs' timestamp of the event (the agent sets it when it builds the event, to the millisecond)."""
    session_id: str | None
    owner: str | None
    """``userIdentity.arn``: who started the session (for a session role, ``assumed-role/<role>/<person>``)."""
    instance: str | None
    """``target.id``."""
    run_as_user: str | None
    lines: tuple[str, ...]
    """``sessionData``, in order."""
    structured: bool
    """Whether the message was the agent's JSON object (streaming on), rather than plain text."""


def parse_streamed_event(message: str, timestamp_ms: int) -> StreamedEvent:
    time = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    record = _json_object(message)
    if record is None or not isinstance(record.get("sessionData"), list):
        return StreamedEvent(time, None, None, None, None, tuple(message.splitlines()), structured=False)
    return StreamedEvent(
        time=time,
        session_id=_text(record, "sessionId"),
        owner=_text(record, "userIdentity", "arn"),
        instance=_text(record, "target", "id"),
        run_as_user=_text(record, "runAsUser"),
        lines=tuple(str(line) for line in record["sessionData"] if line is not None),
        structured=True,
    )


def _json_object(message: str) -> dict[str, Any] | None:
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _text(record: dict[str, Any], *path: str) -> str | None:
    """The non-empty string at ``path`` in ``record``, or None when anything on the way is missing or not one."""
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None
