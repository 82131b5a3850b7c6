"""How session-history scales: listing N sessions (10,000 by default) of a session log group.

It makes up N sessions over the last ten days (a stream per session, a few events each in the agent's JSON, and a
sweeper log ending a tenth of them) and runs the command as a person does, ``python -m audit.session_history``,
through ``AWS_ENDPOINT_URL``, against two servers on loopback holding the same logs:

- moto's CloudWatch Logs (loaded through its backend, in this process): what the tests run against. moto takes
  time per page that grows with the number of streams, so at 10,000 sessions it dominates the wall time;
- a fixed stub that answers each page from lists made in advance, in CloudWatch Logs' JSON and page sizes
  (DescribeLogStreams 50 streams, FilterLogEvents and GetLogEvents 10,000 events: API Reference): the command's
  own time, with the service out of the way.

For each it prints the wall time, the command's own CPU time, its peak memory (VmHWM, the resident set's high-water
mark) and what it wrote, for the table, JSON lines, ``--since 1d`` and one transcript.

    uv run python benchmarks/session_history.py                       # 10,000 sessions, 3 events each, both servers
    uv run python benchmarks/session_history.py --server stub --sessions 50000
"""

from __future__ import annotations

import argparse
import http.server
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.logs.models import logs_backends
from moto.server import ThreadedMotoServer

from components.contract import log_group_name
from tests.session_history_logs import agent_message

PROJECT_DIR = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
ROLE = "arn:aws:sts::111122223333:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/"
SESSIONS, SWEEPER = log_group_name("yours", "sessions"), log_group_name("yours", "session-sweeper")
SWEEPER_STREAM = "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef"


@dataclass
class Logs:
    groups: dict[str, dict[str, list[dict[str, Any]]]]
    """Log group -> stream -> its events (``timestamp``, ``message``), oldest first."""
    first_session: str


def made_up(sessions: int, events: int) -> Logs:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    step = timedelta(days=10) / sessions
    streams: dict[str, list[dict[str, Any]]] = {}
    sweeps = []
    for n in range(sessions):
        person = f"person{n % 50}"
        session_id = f"{person}-{n:017x}"
        began = start + n * step
        streams[session_id] = [
            {
                "timestamp": int((began + timedelta(seconds=k)).timestamp() * 1000),
                "message": agent_message(
                    at=began + timedelta(seconds=k),
                    instance=f"i-0a1b2c3d4e5f{n % 40:05d}",
                    owner=ROLE + person,
                    run_as_user=f"tpa-{person}",
                    session_id=session_id,
                    lines=[f"[tpa-{person}@ip-10-0-1-5 ~]$ ls -l /var/log", "total 1024", f"-rw-r--r-- 1 root {k}"],
                    region=REGION,
                ),
            }
            for k in range(events)
        ]
        if n % 10 == 0:
            ended = int((began + timedelta(seconds=events + 60)).timestamp() * 1000)
            line = json.dumps({"outcome": "ended", "session": session_id, "owner": ROLE + person, "reason": "expired"})
            sweeps.append({"timestamp": ended, "message": f"[INFO]\t2026-11-25T14:05:03.000Z\tbench\t{line}\n"})
    return Logs({SESSIONS: streams, SWEEPER: {SWEEPER_STREAM: sweeps}}, f"person0-{0:017x}")


def moto_server(logs: Logs) -> tuple[str, Callable[[], None]]:
    """moto on loopback, loaded through its backend (its API would take longer than the command)."""
    backend = logs_backends[DEFAULT_ACCOUNT_ID][REGION]
    for name, streams in logs.groups.items():
        group = backend.create_log_group(name, {})
        for stream, events in streams.items():
            group.create_log_stream(stream)
            group.put_log_events(stream, events)
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}", server.stop


class CloudWatchLogsJson(http.server.BaseHTTPRequestHandler):
    """A stand-in for CloudWatch Logs that answers in its JSON protocol and logs nothing."""

    def answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """``body`` as the response, after ``headers`` (beside its content type and length)."""
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


class FixedPages(CloudWatchLogsJson):
    """CloudWatch Logs' three read calls, each page looked up in lists made in advance."""

    pages: dict[str, Any]

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        operation = self.headers["X-Amz-Target"].split(".", 1)[1]
        group = self.pages.get(request.get("logGroupName"))
        if group is None:
            return self.answer(
                400, {"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."}
            )
        token = int(request.get("nextToken") or 0)
        if operation == "DescribeLogStreams":
            prefix = request.get("logStreamNamePrefix", "")
            streams = (
                [s for s in group["streams"] if s["logStreamName"].startswith(prefix)] if prefix else group["streams"]
            )
            return self.page("logStreams", streams, token, 50)
        if operation == "FilterLogEvents":
            start = request.get("startTime", 0)
            events = group["events"] if not start else [e for e in group["events"] if e["timestamp"] >= start]
            return self.page("events", events, token, 10_000, searchedLogStreams=[])
        events = group["by_stream"][request["logStreamName"]]  # GetLogEvents, from the head
        end = min(token + 10_000, len(events))
        return self.answer(200, {"events": events[token:end], "nextForwardToken": str(end), "nextBackwardToken": "0"})

    def page(self, key: str, items: list[Any], token: int, size: int, **extra: Any) -> None:
        more = token + size < len(items)
        self.answer(
            200, {key: items[token : token + size], **extra, **({"nextToken": str(token + size)} if more else {})}
        )


def stub_server(logs: Logs) -> tuple[str, Callable[[], None]]:
    pages = {}
    for name, streams in logs.groups.items():
        pages[name] = {
            "streams": [
                {
                    "logStreamName": stream,
                    "creationTime": events[0]["timestamp"] if events else 0,
                    "firstEventTimestamp": events[0]["timestamp"] if events else None,
                    "lastEventTimestamp": events[-1]["timestamp"] if events else None,
                    "arn": f"arn:aws:logs:{REGION}:111122223333:log-group:{name}:log-stream:{stream}",
                    "storedBytes": 0,
                }
                for stream, events in sorted(streams.items())
            ],
            "events": [
                {"logStreamName": stream, "eventId": f"{n}", "ingestionTime": event["timestamp"], **event}
                for stream, events in sorted(streams.items())
                for n, event in enumerate(events)
            ],
            "by_stream": {
                stream: [{**event, "ingestionTime": event["timestamp"]} for event in events]
                for stream, events in streams.items()
            },
        }
    handler = type("Handler", (FixedPages,), {"pages": pages})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


PEAK_REPORTER = """
import atexit, resource, runpy, sys
def peak():
    # The process's own figures; wait4's ru_maxrss would count the forking parent's pages too.
    status = open("/proc/self/status").read()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    sys.stderr.write(f"cpu-s {cpu:.3f} peak-kib " + status.split("VmHWM:")[1].split()[0] + "\\n")
atexit.register(peak)
sys.argv = ["session-history", *sys.argv[1:]]
runpy.run_module("audit.session_history", run_name="__main__")
"""
"""Runs the command as ``python -m audit.session_history`` would, and reports its CPU time and peak memory."""


def measure(env: dict[str, str], *args: str) -> tuple[float, float, float, int]:
    """Seconds, the command's own CPU seconds, its peak resident memory in MiB, and the bytes it wrote."""
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PEAK_REPORTER, *args], cwd=PROJECT_DIR, env=env, capture_output=True, check=False
    )
    seconds = time.perf_counter() - began
    errors = result.stderr.decode()
    if result.returncode != 0:
        raise SystemExit(f"session-history {' '.join(args)} failed: {errors.strip()}")
    cpu, peak_kib = errors.rsplit("cpu-s ", 1)[1].split(" peak-kib ")
    return seconds, float(cpu), int(peak_kib) / 1024, len(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=3, help="events per session")
    parser.add_argument("--server", choices=["stub", "moto", "both"], default="both")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    logs = made_up(args.sessions, args.events)
    servers = {"stub": stub_server, "moto": moto_server}
    for name in ["stub", "moto"] if args.server == "both" else [args.server]:
        endpoint, stop = servers[name](logs)
        print(f"{args.sessions} sessions x {args.events} events, against the {name} at {endpoint}:")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "benchmark",
            "AWS_SECRET_ACCESS_KEY": "benchmark",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        try:
            for label, command in (
                ("table", ()),
                ("json lines", ("--format", "json")),
                ("--since 1d", ("--since", "1d")),
                ("one transcript", ("--session", logs.first_session)),
                ("--help (interpreter and imports)", ("--help",)),
            ):
                seconds, cpu, peak, written = measure(env, *command)
                print(
                    f"  {label:34} {seconds:7.2f} s (its own CPU {cpu:6.2f} s)  peak {peak:6.1f} MiB  "
                    f"{written / 1024:8.1f} KiB out"
                )
        finally:
            stop()


if __name__ == "__main__":
    main()
