"""What the session sweeper's log says it did to a session.

The sweeper (functions/session_sweeper.py) logs one JSON line per session it acts on: ``outcome`` (``ended``,
``failed`` with ``error``, or ``left alone``), ``session``, ``owner``, ``target`` and ``reason``. Its function logs
in Lambda's text format, which puts the level, the time and the request ID before the message, tab-separated
(``[INFO]``, ``2026-11-25T14:05:03.123Z``, the request ID, the message: the Python runtime's format, in
aws/aws-lambda-python-runtime-interface-client, awslambdaric/bootstrap.py _setup_logging); the runtime's own
lines (START, END, REPORT) carry no such JSON and are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from functions.session_sweeper import ENDED, FAILED, LEFT_ALONE

OUTCOMES = (ENDED, FAILED, LEFT_ALONE)


@dataclass(frozen=True)
class SweeperRecord:
    session_id: str
    outcome: str
    """``ended``, ``failed`` or ``left alone``."""
    at: datetime
    """When the sweeper logged it."""
    reason: str
    error: str | None
    """What AWS answered when ending failed."""


def parse_sweeper_line(message: str, timestamp_ms: int) -> SweeperRecord | None:
    """The record in one line of the sweeper's log, or None for a line that is not one."""
    start = message.find("{")
    if start < 0:
        return None
    try:
        record = json.loads(message[start:])
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("outcome") not in OUTCOMES or not record.get("session"):
        return None
    return SweeperRecord(
        session_id=str(record["session"]),
        outcome=record["outcome"],
        at=datetime.fromtimestamp(timestamp_ms / 1000, UTC),
        reason=str(record.get("reason") or ""),
        error=record.get("error"),
    )


def last_word(records: Iterable[SweeperRecord]) -> dict[str, SweeperRecord]:
    """Per session, what the sweeper did last: a session it failed to end at one sweep and ended at the next was
    ended. Once ended, nothing later changes that."""
    last: dict[str, SweeperRecord] = {}
    for record in sorted(records, key=lambda r: r.at):
        previous = last.get(record.session_id)
        if previous is None or previous.outcome != ENDED:
            last[record.session_id] = record
    return last
