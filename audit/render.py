"""The sessions as a readable table, or as JSON lines for a SIEM (one session, or one streamed event, a line)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from audit.sessions import OWNER_UNCONFIRMED, Session
from audit.streamed_event import StreamedEvent
from functions.session_sweeper import ENDED, FAILED

COLUMNS = ("Session", "Person", "Party", "Instance", "OS user", "First event", "Last event", "Ended")

TRANSCRIPT_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What a transcript line may not carry to the terminal: every C0 control but tab and newline (ESC starts CSI and
OSC sequences: cursor moves, erasing lines, the window title, OSC 52's clipboard, OSC 8's links; CR returns to the
line's start to overwrite it; BEL), DEL, every C1 control (U+0080 to U+009F: U+009B and U+009D are CSI and OSC
on terminals that take 8-bit controls), and the bidirectional overrides and isolates, which reorder what a line
shows (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069; Unicode Standard Annex #9). SSM Agent strips ANSI
sequences only from a line it can parse whole and keeps any other line raw (amazon-ssm-agent,
cloudwatchlogsservice.go processMessage: ``ansi.Strip(line)``, the raw line on error), so one malformed sequence
lets a session's holder keep every other on its line."""

CELL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What a table cell may not carry: the same, and tab and newline too (a cell is one line of one column)."""


def visible(text: str, controls: re.Pattern[str] = TRANSCRIPT_CONTROLS) -> str:
    """``text`` with each character ``controls`` matches written as its Python escape (``\\x1b``, ``\\u202e``): it
    names the exact code and reads as plain ASCII on any terminal, which caret notation (``^[``) cannot for C1 or
    the bidirectional controls. A backslash is left as it is, as shells and paths need it: ``--format json`` is the
    exact record where the two must be told apart."""
    return controls.sub(lambda match: _escape(match.group()), text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


NOT_BY_THE_SWEEPER = "not by the sweeper"
"""The session log does not say how a session ended: by its user, by the idle or maximum duration timeout, or by
anyone calling TerminateSession (CloudTrail has that call, and who made it). Only the sweeper's ends are known."""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ending_text(session: Session) -> str:
    record = session.ending
    if record is None:
        return NOT_BY_THE_SWEEPER
    if record.outcome == ENDED:
        return f"by the sweeper at {iso(record.at)}"
    if record.outcome == FAILED:
        return f"the sweeper failed to end it at {iso(record.at)}"
    return f"{NOT_BY_THE_SWEEPER} (left alone at {iso(record.at)})"


def render_table(sessions: list[Session]) -> str:
    if not sessions:
        return "No sessions.\n"
    rows = [
        tuple(
            visible(value, CELL_CONTROLS)
            for value in (
                s.session_id,
                s.person if s.owner_confirmed else f"{s.person} ({OWNER_UNCONFIRMED})",
                s.party or "-",
                s.instance or "-",
                s.run_as_user or "-",
                iso(s.first_event) or "-",
                iso(s.last_event) or "-",
                ending_text(s),
            )
        )
        for s in sessions
    ]
    table = [COLUMNS, *rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(COLUMNS))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() for row in table]
    footer = f"\n\n{len(sessions)} session(s).\n"
    if unconfirmed := sum(not s.owner_confirmed for s in sessions):
        footer += (
            f"{unconfirmed} with the {OWNER_UNCONFIRMED}: the person is the one its session ID names, the rest is "
            "unknown (--format json says why).\nCloudTrail's StartSession, or aws ssm describe-sessions --state "
            "History, says who started it.\n"
        )
    return "\n".join(lines) + footer


def session_json(session: Session) -> dict[str, Any]:
    record = session.ending
    return {
        "sessionId": session.session_id,
        "person": session.person,
        "party": session.party,
        "role": session.role,
        "owner": session.owner,
        "instance": session.instance,
        "runAsUser": session.run_as_user,
        "firstEvent": iso(session.first_event),
        "lastEvent": iso(session.last_event),
        "events": session.events,
        "ownerConfirmed": session.owner_confirmed,
        "ownerDoubt": session.doubt,
        "sweeper": None
        if record is None
        else {"outcome": record.outcome, "at": iso(record.at), "reason": record.reason, "error": record.error},
    }


def render_json_lines(sessions: Iterable[Session]) -> Iterable[str]:
    for session in sessions:
        yield json.dumps(session_json(session), sort_keys=False) + "\n"


def transcript_lines(events: Iterable[StreamedEvent]) -> Iterable[str]:
    for event in events:
        for line in event.lines:
            yield visible(line) + "\n"


def event_json_line(message: str, event: StreamedEvent, session_id: str) -> str:
    """One streamed event for a SIEM: the agent's JSON object as it was streamed; a plain-text event (streaming
    off) in the same shape, with what is known of it."""
    if event.structured:
        text = message.strip()
        if "\n" in text or "\r" in text:
            # Whitespace between its tokens, which Go's encoding/json never writes: not the agent's, and one event
            # must stay one line. The same values, compact.
            return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) + "\n"
        return text + "\n"
    return json.dumps({"sessionId": session_id, "eventTime": iso(event.time), "sessionData": list(event.lines)}) + "\n"
