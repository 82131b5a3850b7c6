"""Shared runs of the program under mocks, and the stack files they start from (tests/fixtures/, examples/)."""

from __future__ import annotations

import atexit
import dataclasses
import functools
import gc
import os
import sys
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from harness.aws_mocks import AwsMocks, StackReferenceOutputs
from harness.program_run import FEW_COLLECTIONS, PROJECT_DIR, ProgramRun, stack_reference_outputs
from harness.stack_file import run_stack_file


def pytest_configure(config: pytest.Config) -> None:
    """Fewer, larger young collections for the whole test process: it keeps what it builds (moto's backends,
    botocore's service models, the programs' records, the engine's answers) to its end, which the collector's
    default thresholds (700, 10, 10) rescan again and again; a fifth of the CPU of the tests that run in
    process. The programs' runs do the same on their own (harness/program_run.py)."""
    gc.set_threshold(*FEW_COLLECTIONS)
    if hasattr(config, "workerinput"):  # a pytest-xdist worker, whose results have gone to the controller
        atexit.register(_exit_without_freeing)


def _exit_without_freeing() -> None:
    """A worker ends holding half a gigabyte of small objects, which the interpreter would free one by one
    while the controller waits (seconds); the operating system takes the memory back at once. Registered
    before any test module is imported, it runs after the exit handlers those register (the IAM engine's,
    the namespace tests' unmounts)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


FIXTURES = Path(__file__).resolve().parent / "fixtures"
THEIR_STACK_FILE = FIXTURES / "Pulumi.their.yaml"
"""The tests' their configuration: the their sample as first committed (alice alone). The committed
Pulumi.their.yaml is the adopter's to edit, so no test that counts or names what it holds reads it."""
YOURS_STACK_FILE = PROJECT_DIR / "examples" / "two-parties" / "Pulumi.yours.yaml"
"""The reference yours configuration of the tests: two parties, so every test sees one party beside another."""
ONE_PARTY_STACK_FILE = FIXTURES / "Pulumi.yours.yaml"
"""The yours sample as first committed: the reference's party A alone, one new instance."""
SAMPLE_THEIR_STACK_FILE = PROJECT_DIR / "Pulumi.their.yaml"
SAMPLE_YOURS_STACK_FILE = PROJECT_DIR / "Pulumi.yours.yaml"
"""The committed samples, the adopter's to edit: tests/test_samples.py holds on them only what holds for
any valid config."""

YOUR_ACCOUNT = "111122223333"
"""The account the committed stack files name as yours (the mocks' default account)."""

# The two parties of the reference yours configuration: the stack each reads, and the account each is in.
THEIR_STACKS = {
    "Third_Party_A": ("organization/third-party-ec2-access/their", "222233334444"),
    "Third_Party_B": ("organization/third-party-ec2-access/their-b", "333344445555"),
}
THEIR_CONFIG: dict[str, dict[str, Any]] = {
    "Third_Party_A": {},
    "Third_Party_B": {"osUserPrefix": "tpb-", "users": ["alice", "bob"]},
}
"""What each party's their stack sets beyond the committed file: party B gives each person an OS user."""
PARTY_B = {"name": "Third_Party_B", "stack": THEIR_STACKS["Third_Party_B"][0], "osUserPrefix": "tpb-"}
"""Party B as the reference yours configuration has it."""


def run_their(mocks: AwsMocks | None = None, *, expect_error: bool = False, **overrides: Any) -> ProgramRun:
    """The their program from the tests' their stack file, with some project keys overridden."""
    return _checked(run_stack_file(THEIR_STACK_FILE, mocks=mocks, **overrides), expect_error)


@functools.cache
def their_stack_references(partition: str = "aws") -> dict[str, StackReferenceOutputs]:
    """Each party's their stack, run under mocks in its own account, as the yours stack reads it."""
    return {
        stack: stack_reference_outputs(
            run_their(AwsMocks(partition=partition, account_id=account), partyName=party, **THEIR_CONFIG[party])
        )
        for party, (stack, account) in THEIR_STACKS.items()
    }


def yours_mocks(**changes: Any) -> AwsMocks:
    """Mocks of your account that also answer the parties' stack references."""
    mocks = AwsMocks(**changes)
    if "stack_references" not in changes:
        mocks = dataclasses.replace(mocks, stack_references=their_stack_references(mocks.partition))
    return mocks


def run_yours(
    mocks: AwsMocks | None = None,
    *,
    expect_error: bool = False,
    secret_keys: tuple[str, ...] = (),
    now: datetime | None = None,
    **overrides: Any,
) -> ProgramRun:
    """The yours program from the reference (two-party) stack file, with some project keys overridden, run at
    ``now`` (the real time unless given)."""
    run = run_stack_file(YOURS_STACK_FILE, mocks=mocks or yours_mocks(), secret_keys=secret_keys, now=now, **overrides)
    return _checked(run, expect_error)


def _checked(run: ProgramRun, expect_error: bool) -> ProgramRun:
    if expect_error:
        assert run.error is not None, "the program should have stopped"
    else:
        assert run.error is None, run.error
    return run


@pytest.fixture(scope="session")
def their_run() -> ProgramRun:
    """The their program, run once from the tests' their stack file (tests/fixtures/Pulumi.their.yaml)."""
    return run_their()


@pytest.fixture(scope="session")
def yours_run() -> ProgramRun:
    """The yours program, run once from the reference (two-party) stack file."""
    return run_yours()


@pytest.fixture
def aws_home(tmp_path, monkeypatch) -> Path:
    """An empty home whose ~/.aws the AWS SDK reads, with no credentials from the environment."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / ".aws" / "credentials"))
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def moto_server():
    """moto served on loopback, one server for the whole test process: its stop waits out the server's
    half-second poll, which per test would cost more than most tests."""
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server) -> str:
    """moto's STS and IAM (and the rest) served on loopback, from no account at all: the state of every
    earlier test is reset first (moto keeps it in the process)."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"))  # noqa: S310
    return moto_server


def agent_buckets_of_the_guide(region: str, *, macos: bool = False) -> list[str]:
    """The Linux buckets of the Systems Manager User Guide's "SSM Agent communications with AWS managed S3
    buckets" (aws-windows-downloads-<region> is for Windows nodes), and its macOS one when a Mac is granted."""
    buckets = [
        f"aws-ssm-{region}",
        f"amazon-ssm-{region}",
        f"amazon-ssm-packages-{region}",
        f"{region}-birdwatcher-prod",
        f"aws-ssm-distributor-file-{region}",
        f"aws-ssm-document-attachments-{region}",
        f"patch-baseline-snapshot-{region}",
    ]
    return buckets + ([f"aws-patchmanager-macos-{region}"] if macos else [])
