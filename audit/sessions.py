"""The sessions of a session log group: one per log stream, gathered from its events and the sweeper's record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from audit.identity import named_in, party_of, person_of, role_of, session_name_of
from audit.streamed_event import StreamedEvent, parse_streamed_event
from audit.sweeper_record import SweeperRecord

OWNER_UNCONFIRMED = "owner unconfirmed"


@dataclass
class Session:
    """One session, as its log stream tells it.

    Who it belongs to is taken only from what log content cannot forge. The stream's name is the session ID: SSM
    Agent names the stream after it (agent/session/shell/shell.go, ``config.SessionId``), and Session Manager mints
    the ID from the starter's session name (``<role session name>-<17 hex>``: AWS CLI Command Reference, ``aws ssm
    describe-sessions``, example ``Matt-07a16060613c408b5``; proof/cases/references.py DATA_CHANNEL). A Run As user
    can put any text into the log, a whole JSON event included when the agent uploads the transcript as plain text
    (cloudwatchlogsservice.go, getNextMessage with structuredLogs false), but cannot choose the stream's name. So
    the owner, instance and OS user are read only from the agent's JSON events whose ``sessionId`` is the stream's
    name, and believed only when the owner's session name is the name the session ID starts with, every such event
    says the same, no event names another session, and the stream does not mix JSON events with plain text (the
    agent writes a stream one way or the other: shell.go, streaming on or the upload at the end). Otherwise the
    session shows the person its ID names, no party, instance or OS user, and ``doubt`` says why.

    None of this stands against whoever may write the log group itself (every instance's role: root on any
    instance can write a whole consistent session): CloudTrail's StartSession and ``aws ssm describe-sessions
    --state History`` are the record of who started a session (docs/session-history.md)."""

    session_id: str
    """Its log stream's name: the agent names each session's stream after the session ID."""
    claimed: tuple[str | None, str | None, str | None] | None = None
    """(owner, instance, OS user) of its first JSON event naming this session."""
    first_event: datetime | None = None
    last_event: datetime | None = None
    events: int = 0
    """How many of its events were read."""
    ending: SweeperRecord | None = field(default=None)
    """What the sweeper last did to it, if anything."""
    plain: int = 0
    """How many of its events were plain text (the agent's upload at the end, with streaming off)."""
    structured: int = 0
    """How many were the agent's JSON events."""
    foreign: set[str | None] = field(default_factory=set)
    """The ``sessionId`` of each JSON event that names another session (None: names none)."""
    conflicting: bool = False
    """Whether its JSON events naming this session disagree on owner, instance or OS user."""

    @property
    def doubt(self) -> str | None:
        """Why its owner is not believed, or None when the log confirms it."""
        if None in self.foreign:
            return f"{OWNER_UNCONFIRMED}: a JSON event in its stream names no session"
        if self.foreign:
            names = ", ".join(sorted(name for name in self.foreign if name is not None))
            return f"{OWNER_UNCONFIRMED}: events in its stream name another session ({names})"
        if self.claimed is None:
            return f"{OWNER_UNCONFIRMED}: no SSM Agent event of its stream names its owner"
        if self.conflicting:
            return f"{OWNER_UNCONFIRMED}: its events name different owners, instances or OS users"
        if self.plain and self.structured:
            return f"{OWNER_UNCONFIRMED}: its stream mixes SSM Agent's JSON events with plain text"
        owner, name = self.claimed[0], named_in(self.session_id)
        if owner is None:
            return f"{OWNER_UNCONFIRMED}: its events name no owner"
        if session_name_of(owner) != name:
            return f"{OWNER_UNCONFIRMED}: its events name the owner {owner}, whose session IDs do not start {name}-"
        return None

    @property
    def owner_confirmed(self) -> bool:
        return self.doubt is None

    @property
    def owner(self) -> str | None:
        return self.claimed[0] if self.claimed is not None and self.owner_confirmed else None

    @property
    def instance(self) -> str | None:
        return self.claimed[1] if self.claimed is not None and self.owner_confirmed else None

    @property
    def run_as_user(self) -> str | None:
        return self.claimed[2] if self.claimed is not None and self.owner_confirmed else None

    @property
    def role(self) -> str | None:
        return role_of(self.owner)

    @property
    def person(self) -> str:
        return person_of(self.owner, self.session_id)

    @property
    def party(self) -> str | None:
        return party_of(self.role)

    def add(self, event: StreamedEvent) -> None:
        self.events += 1
        self.widen(event.time, event.time)
        if not event.structured:
            self.plain += 1
            return
        self.structured += 1
        if event.session_id != self.session_id:
            self.foreign.add(event.session_id)
            return
        # Every streamed event carries the whole header (cloudwatchlogsservice.go buildEventInfo): all the same.
        header = (event.owner, event.instance, event.run_as_user)
        if self.claimed is None:
            self.claimed = header
        elif header != self.claimed:
            self.conflicting = True

    def widen(self, first: datetime | None, last: datetime | None) -> None:
        if first is not None and (self.first_event is None or first < self.first_event):
            self.first_event = first
        if last is not None and (self.last_event is None or last > self.last_event):
            self.last_event = last


def gather_sessions(
    streams: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    sweeper: Mapping[str, SweeperRecord],
    *,
    with_empty_streams: bool,
) -> list[Session]:
    """The sessions of the group, oldest first. ``streams`` (DescribeLogStreams) give each session's span as
    CloudWatch Logs keeps it, ``events`` (FilterLogEvents) who, where and the exact span of what was read. A stream
    none of whose events was read is a session only when ``with_empty_streams`` (no ``--since``: a session that
    wrote nothing yet still happened); its span then is the stream's own, whose last event time CloudWatch Logs
    updates eventually (API Reference, LogStream: ``lastEventTimestamp``)."""
    spans = {stream["logStreamName"]: stream for stream in streams}
    sessions: dict[str, Session] = {}
    for event in events:
        name = event["logStreamName"]
        session = sessions.get(name) or sessions.setdefault(name, Session(name))
        session.add(parse_streamed_event(event.get("message", ""), event["timestamp"]))
    if with_empty_streams:
        for name in spans.keys() - sessions.keys():
            sessions[name] = Session(name)
    for name, session in sessions.items():
        stream = spans.get(name, {})
        session.widen(_time(stream.get("firstEventTimestamp")), _time(stream.get("lastEventTimestamp")))
        session.ending = sweeper.get(name)
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(sessions.values(), key=lambda s: (s.first_event or never, s.session_id))


def _time(timestamp_ms: int | None) -> datetime | None:
    return None if timestamp_ms is None else datetime.fromtimestamp(timestamp_ms / 1000, UTC)
