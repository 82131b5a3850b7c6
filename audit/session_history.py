"""session-history: the Session Manager sessions a yours stack recorded, and what was typed and shown in each.

    session-history                                   # every session of the yours stack, oldest first
    session-history --party Third_Party_A --since 7d  # filters: --party, --person, --instance, --since
    session-history --session alice-0a1b2c3d4e5f67890 # that session's transcript
    session-history --format json                     # JSON lines, one session a line, for a SIEM

It reads the stack's session log group (one log stream per session, streamed by SSM Agent) and the session
sweeper's log group (which sessions it ended), with the AWS credentials of --profile (or the environment) in
--region; AWS_ENDPOINT_URL is honoured. Filters of the same option are alternatives (--party A --party B);
different options must all hold. --since keeps the sessions with an event at or after that time. --session prints
one whole session: given with a filter, it stops with one line (exit 2).

Text output shows every control character of the log as its escape (\\x1b): a session cannot move the cursor,
rewrite lines or reach the clipboard of whoever reads it. --format json is exact. A session whose log does not
confirm its owner is marked "owner unconfirmed": the person is the one its session ID names, and CloudTrail (or
aws ssm describe-sessions --state History) is the record of who started it.

Exit status: 0 when the history was read; 1 when --session names no session of the log group, or when what reads
the output stops reading (| head); 2 when the logs cannot be read (a missing log group, no credentials, no
permission) or an option is wrong, with one line why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from audit.identity import is_party
from audit.log_reader import HistoryError, LogReader, logs_client
from audit.render import event_json_line, render_json_lines, render_table, transcript_lines
from audit.sessions import Session, gather_sessions
from audit.since import parse_since
from audit.streamed_event import parse_streamed_event
from audit.sweeper_record import last_word, parse_sweeper_line
from components.contract import log_group_name

PROG = "session-history"


FILTERS = ("party", "person", "instance", "since")


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        status = run(argv, stdout, stderr)
        stdout.flush()
    except BrokenPipeError:
        # What reads the output stopped (``| head``). As the Python docs' "Note on SIGPIPE" (signal module) says:
        # point stdout at devnull, so that the interpreter's last flush at exit raises no second BrokenPipeError,
        # and exit 1, as Python does on EPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        return 1
    return status


def run(argv: Sequence[str] | None, stdout: TextIO, stderr: TextIO) -> int:
    args = parser().parse_args(argv)
    if args.session is not None and (given := [f"--{name}" for name in FILTERS if getattr(args, name) is not None]):
        stderr.write(f"{PROG}: --session prints one whole session and takes no {', '.join(given)}\n")
        return 2
    try:
        since = parse_since(args.since, datetime.now(UTC)) if args.since is not None else None
        client = logs_client(args.profile, args.region)
        sessions = LogReader(client, args.log_group or log_group_name(args.stack, "sessions"))
        if args.session is not None:
            return print_transcript(sessions, args.session, args.format, stdout, stderr)
        sweeper = LogReader(client, args.sweeper_log_group or log_group_name(args.stack, "session-sweeper"))
        found = list_sessions(sessions, sweeper, since)
    except (HistoryError, ValueError) as error:
        stderr.write(f"{PROG}: {error}\n")
        return 2
    chosen = [s for s in found if matches(s, args)]
    stdout.writelines(render_json_lines(chosen) if args.format == "json" else [render_table(chosen)])
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack", default="yours", help="the yours stack whose log groups to read (default: yours)")
    p.add_argument("--log-group", help="the session log group (default: /third-party-ec2-access/<stack>/sessions)")
    p.add_argument(
        "--sweeper-log-group",
        help="the session sweeper's log group (default: /third-party-ec2-access/<stack>/session-sweeper)",
    )
    p.add_argument("--party", action="append", help="only this party's sessions (its name in config, or role name)")
    p.add_argument("--person", action="append", help="only this person's sessions (their source identity)")
    p.add_argument("--instance", action="append", help="only the sessions on this instance (its id)")
    p.add_argument("--since", help="only sessions with an event since then: ISO-8601 time, or 7d, 12h, 30m back")
    p.add_argument(
        "--session",
        metavar="ID",
        help="print this session's transcript instead (whole: it takes no --party, --person, --instance or --since)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--profile", help="the AWS CLI profile to read with (default: the environment's)")
    p.add_argument("--region", help="the stack's region (default: the profile's)")
    return p


def list_sessions(sessions: LogReader, sweeper: LogReader, since: datetime | None) -> list[Session]:
    start_ms = None if since is None else int(since.timestamp() * 1000)
    streams = list(sessions.streams())  # the session log group first: a missing one is the first thing to say
    ended = last_word(
        record
        for event in sweeper.events()
        if (record := parse_sweeper_line(event.get("message", ""), event["timestamp"])) is not None
    )
    return gather_sessions(streams, sessions.events(start_ms), ended, with_empty_streams=since is None)


def matches(session: Session, args: argparse.Namespace) -> bool:
    return (
        (not args.party or any(is_party(session.role, party) for party in args.party))
        and (not args.person or session.person in args.person)
        and (not args.instance or session.instance in args.instance)
    )


def print_transcript(sessions: LogReader, session_id: str, form: str, stdout: TextIO, stderr: TextIO) -> int:
    """The session's lines in order (text), or its streamed events (JSON lines); 1 when it has no log stream."""
    if not any(stream["logStreamName"] == session_id for stream in sessions.streams(prefix=session_id)):
        stderr.write(f"{PROG}: no session {session_id} in log group {sessions.group}\n")
        return 1
    for raw in sessions.stream_events(session_id):
        event = parse_streamed_event(raw.get("message", ""), raw["timestamp"])
        if form == "json":
            stdout.write(event_json_line(raw.get("message", ""), event, session_id))
        else:
            stdout.writelines(transcript_lines([event]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
