"""The helper as people meet it: the real AWS CLI runs it as the pasted profile's credential_process, in a
real pseudo-terminal when MFA is asked, against moto's STS and IAM served on loopback. Where a test only needs
the helper to have run (a cache to fill), the profile's line runs in this process (``in_process``).
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import os
import pty
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import botocore.credentials
import botocore.tokens
import pytest
from third_party_ec2_access_credentials.cli import main

from harness.aws_mocks import AwsMocks
from harness.program_run import PROJECT_DIR
from tests.moto_accounts import (
    REGION,
    THEIR_ACCOUNT,
    YOUR_ACCOUNT,
    create_chain_accounts,
    sdk_session,
    write_aws_files,
)
from tests.stack_runs import run_their
from tests.test_credentials_helper import Outcome
from tests.test_helper_messages import HELPER_README, readme_table

BIN = Path(sys.executable).parent
"""Where the AWS CLI and the helper are installed (the helper is on PATH, as pipx puts it)."""
SESSION_ARN = f"arn:aws:sts::{YOUR_ACCOUNT}:assumed-role/SSMStartSession_IAM_Role_ThirdPartyA/alice"
AWS_CLI_DATA = Path(importlib.util.find_spec("awscli").origin).parent / "data"
"""Where the AWS CLI points ``AWS_DATA_PATH`` for the processes it starts (awscli/__init__.py): found, not
imported, as importing awscli sets that variable in this process."""


@pytest.fixture(scope="module")
def their_outputs() -> dict:
    """The outputs of a their stack that requires MFA (its program run under mocks once: every test reads them)."""
    return run_their(AwsMocks(account_id=THEIR_ACCOUNT), requireMfa=True).stack_outputs


@pytest.fixture
def alice(moto_endpoint, aws_home, their_outputs) -> dict[str, str]:
    """alice's home with the profile of a their stack that requires MFA pasted, and her environment."""
    accounts = create_chain_accounts(moto_endpoint, external_id=their_outputs["externalId"])
    write_aws_files(
        aws_home, accounts, config_text=their_outputs["awsCliConfig"]["alice"], source_profile="third-party-a-source"
    )
    return {
        "HOME": str(aws_home),
        "PATH": f"{BIN}:/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(aws_home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws_home / ".aws" / "credentials"),
        "AWS_ENDPOINT_URL": moto_endpoint,
        "TERM": "dumb",
    }


def in_a_terminal(command: list[str], env: dict[str, str], answer: str | None) -> tuple[int, str]:
    """Runs ``command`` in a new pseudo-terminal, its controlling terminal, as a person would; types
    ``answer`` each time it is asked for an MFA code (without one, a question ends the command). Returns the
    exit status and everything the terminal showed."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its stdin, stdout, stderr and controlling terminal are the pty
        os.execvpe(command[0], command, env)  # noqa: S606 (a fixed command, as a person types it)
    shown, answered, deadline = b"", 0, time.monotonic() + 90
    while True:
        if (answer is None and b"MFA code for" in shown) or time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)  # it asks with no answer to type, or hangs: it would wait for ever
            break
        ready, _, _ = select.select([terminal], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        while answer is not None and shown.count(b"MFA code for") > answered:
            os.write(terminal, answer.encode() + b"\n")
            answered += 1
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_the_mfa_code_is_asked_on_the_terminal_under_the_aws_cli_and_a_second_command_does_not_ask_again(alice):
    """Two AWS CLI commands in turn in a terminal: the first chains and asks, the second reuses its chain."""
    command = [str(BIN / "aws"), "sts", "get-caller-identity", "--profile", "third-party-a", "--output", "text"]
    status, shown = in_a_terminal(command, alice, answer="123456")
    assert status == 0, f"the first command: {shown}"
    assert f"MFA code for arn:aws:iam::{THEIR_ACCOUNT}:mfa/alice: " in shown, "the code is asked on the terminal"
    assert SESSION_ARN in shown, "the first command signs in (no --region: the pasted profile carries it)"
    status, shown = in_a_terminal(command, alice, answer=None)
    assert "MFA code" not in shown, "a second command reuses the chain without asking again"
    assert status == 0, f"the second command: {shown}"
    assert SESSION_ARN in shown, "the second command signs in with the chain reused"


def test_commands_started_together_at_a_cache_miss_ask_for_one_mfa_code_in_all(alice):
    """Three AWS CLI commands started at once in one terminal (a shell's background jobs), each running the
    helper in a process of its own: one of them chains and asks, the other two wait for it and reuse its chain
    (tests/test_credentials_helper.py starts ten helpers at once)."""
    command = shlex.join(
        [str(BIN / "aws"), "sts", "get-caller-identity", "--profile", "third-party-a", "--output", "text"]
    )
    script = (
        f'pids=""; for i in 1 2 3; do {command} & pids="$pids $!"; done; '
        'status=0; for pid in $pids; do wait "$pid" || status=1; done; exit "$status"'
    )
    status, shown = in_a_terminal(["/bin/sh", "-c", script], alice, answer="123456")
    assert status == 0, shown
    assert shown.count(SESSION_ARN) == 3
    assert shown.count("MFA code for") == 1


def aws_cli_succeeds(env: dict[str, str]) -> str:
    """What ``aws sts get-caller-identity`` prints for the profile under ``env``, asserting it succeeds."""
    result = subprocess.run(
        [BIN / "aws", "sts", "get-caller-identity", "--profile", "third-party-a", "--output", "text"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def in_process(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """What the pasted profile's credential_process line makes the helper print with ``env`` as its whole
    environment (as the commands run here have it), and ``AWS_DATA_PATH`` as the AWS CLI sets it for the
    process it starts, run by its main() in this process: for a test that needs the helper to have run, or a
    claim on its own logic, which the AWS CLI around it (a second of start-up) does not touch. It never asks on
    a terminal: the MFA code must come from ``env``."""
    under_the_cli = {**env, "AWS_DATA_PATH": str(AWS_CLI_DATA)}
    for variable in os.environ.keys() - under_the_cli.keys():
        monkeypatch.delenv(variable)
    for variable, value in under_the_cli.items():
        monkeypatch.setenv(variable, value)
    # botocore takes its SSO token cache's directory from HOME once, when imported: here, as a new process would.
    sso_token_cache = os.path.join(env["HOME"], ".aws", "sso", "cache")
    for provider in (botocore.credentials.SSOProvider, botocore.tokens.SSOTokenProvider):
        monkeypatch.setattr(provider, "_SSO_TOKEN_CACHE_DIR", sso_token_cache)
    config = configparser.ConfigParser()
    config.read(env["AWS_CONFIG_FILE"])
    program, *arguments = shlex.split(config["profile third-party-a"]["credential_process"])
    assert program == "third-party-ec2-access-credentials"

    def no_terminal(serial: str) -> str:
        raise AssertionError(f"in_process asked for the MFA code of {serial} on a terminal")

    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(
        arguments,
        stdout=stdout,
        stderr=stderr,
        session_factory=lambda profile: sdk_session(profile_name=profile),
        mfa_prompt=no_terminal,
    )
    return Outcome(status, stdout.getvalue(), stderr.getvalue())


def test_the_code_can_come_from_the_environment_for_scripts(alice):
    env = {**alice, "THIRD_PARTY_EC2_ACCESS_MFA_CODE": "123456"}
    assert SESSION_ARN in aws_cli_succeeds(env)


def test_a_wrong_source_profile_is_one_clear_line_under_the_aws_cli(alice):
    config = Path(alice["AWS_CONFIG_FILE"])
    config.write_text(config.read_text().replace("--source-profile third-party-a-source", "--source-profile nope"))
    result = subprocess.run(
        [BIN / "aws", "sts", "get-caller-identity", "--profile", "third-party-a"],
        env={**alice, "THIRD_PARTY_EC2_ACCESS_MFA_CODE": "123456"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode != 0
    assert "AWS_DATA_PATH" not in alice  # the AWS CLI sets it for the helper itself
    assert (
        "third-party-ec2-access-credentials: no profile nope in ~/.aws/config: paste the profiles your admin's "
        "stack gives (awsCliConfig)"
    ) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cache_hit_answers_without_importing_the_aws_sdk(alice, monkeypatch):
    in_process({**alice, "THIRD_PARTY_EC2_ACCESS_MFA_CODE": "123456"}, monkeypatch).credentials()  # fills the cache
    line = (Path(alice["AWS_CONFIG_FILE"]).read_text().split("credential_process = ", 1)[1]).splitlines()[0]
    probe = (
        "import sys, shlex; from third_party_ec2_access_credentials.cli import main; "
        f"status = main(shlex.split({line!r})[1:]); "
        "print('imported:', sorted(m for m in ('boto3', 'botocore') if m in sys.modules), file=sys.stderr); "
        "sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=alice, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    assert result.returncode == 0, result.stderr
    assert '"SessionToken"' in result.stdout
    assert "imported: []" in result.stderr


def test_it_says_its_version():
    result = subprocess.run(
        [BIN / "third-party-ec2-access-credentials", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    version = tomllib.loads((PROJECT_DIR / "helper" / "pyproject.toml").read_text())["project"]["version"]
    assert result.stdout == f"third-party-ec2-access-credentials {version}\n"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound, never listening, for the whole test (no other
    process can take it meanwhile)."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def aws_cli_failure(env: dict[str, str]) -> str:
    """The line the AWS CLI prints when the profile's credential_process fails (its exit status is not 0)."""
    result = subprocess.run(
        [BIN / "aws", "sts", "get-caller-identity", "--profile", "third-party-a"],
        env={**env, "THIRD_PARTY_EC2_ACCESS_MFA_CODE": "123456"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    return line.removeprefix("Error when retrieving credentials from custom-process: ")


def documented(line: str) -> bool:
    """Whether helper/README.md's table names ``line`` (each "…" there standing for what the line fills in)."""
    said = line.removeprefix("third-party-ec2-access-credentials: ").split(": ", 1)[0]
    return any(
        re.fullmatch(".+".join(map(re.escape, named.split("…"))), said)
        for named in readme_table(HELPER_README.read_text())
    )


def test_aws_unreachable_at_the_endpoint_url_is_the_documented_line_naming_it_under_the_aws_cli(alice, closed_port):
    line = aws_cli_failure({**alice, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"})
    assert line == (
        f"third-party-ec2-access-credentials: cannot reach AWS at http://127.0.0.1:{closed_port}/ "
        "(EndpointConnectionError): AWS_ENDPOINT_URL is set and sends the call there: check it (unset it to reach "
        "AWS itself), then your network, and any proxy (HTTPS_PROXY), VPN or firewall on the way"
    )
    assert documented(line)


def test_aws_unreachable_through_a_proxy_is_the_documented_line_naming_the_region_under_the_aws_cli(alice, closed_port):
    """No endpoint variable: the helper goes to STS's own endpoint, through a proxy that refuses it."""
    env = {key: value for key, value in alice.items() if key != "AWS_ENDPOINT_URL"}
    line = aws_cli_failure({**env, "HTTPS_PROXY": f"http://alice:pr0xy-pa55@127.0.0.1:{closed_port}"})
    assert line == (
        f"third-party-ec2-access-credentials: cannot reach AWS at the proxy http://127.0.0.1:{closed_port} "
        "(ProxyConnectionError): check your network, and any proxy (HTTPS_PROXY), VPN or firewall on the way; "
        f"the region it used is {REGION} (the profile's region, or --region)"
    )
    assert documented(line)


def test_documented_reads_the_readme_table():
    assert documented("third-party-ec2-access-credentials: no profile nope in ~/.aws/config: paste it")
    assert not documented("third-party-ec2-access-credentials: could not reach STS with the source profile (X)")
