"""The connect commands ask for a reason, and the AWS CLI sends it: the stack's command, with the placeholder
filled in, run by the real AWS CLI (awscli, its ``ssm start-session``) against a local endpoint that records the
StartSession request and refuses it, as Systems Manager refuses a target that is not connected."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from components.cli_profile import REASON_PLACEHOLDER

REASON = "INC-4711: the web server does not start"


@pytest.fixture
def systems_manager() -> Iterator[tuple[str, list[dict]]]:
    """An endpoint on loopback that records each request (its X-Amz-Target and JSON body) and answers it as
    Systems Manager answers a StartSession whose target is offline (SSM API Reference, StartSession errors:
    TargetNotConnected, HTTP 400), so the CLI stops before it would run the Session Manager plugin."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append({"target": self.headers["X-Amz-Target"], "body": json.loads(body)})
            answer = json.dumps({"__type": "TargetNotConnected", "message": "i-1234567890abcdef0 is not connected."})
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A shutdown waits for the serving loop's next look: every 20 ms, not every half second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_the_connect_command_sends_the_reason_the_user_writes(yours_run, aws_home, systems_manager):
    endpoint, requests = systems_manager
    command = yours_run.stack_outputs["connectCommands"]["Third_Party_A"]["instance-a"]
    words = shlex.split(command)
    assert words[:3] == ["aws", "ssm", "start-session"]
    assert words[words.index("--reason") + 1] == REASON_PLACEHOLDER
    profile = words[words.index("--profile") + 1]
    # The profile the helper's config would hold, with static test keys in place of its credential_process.
    (aws_home / ".aws").mkdir()
    (aws_home / ".aws" / "config").write_text(
        f"[profile {profile}]\nregion = eu-west-1\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
    )
    filled = [REASON if word == REASON_PLACEHOLDER else word for word in words[1:]]
    result = subprocess.run(
        [sys.executable, "-m", "awscli", *filled, "--endpoint-url", endpoint],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "TargetNotConnected" in result.stderr
    (request,) = requests
    assert request["target"] == "AmazonSSM.StartSession"
    target = yours_run.stack_outputs["instances"]["instance-a"]["id"]
    document = yours_run.stack_outputs["sessionDocument"]
    assert request["body"] == {"Target": target, "DocumentName": document, "Reason": REASON}
