"""The fixtures every test file may use: the shared program runs, moto on loopback, an empty AWS home.

A parallel run's controller loads this file too, and runs no test: so it imports the standard library,
pytest and the collector's thresholds alone, and each fixture imports what it runs (moto, Pulumi and the
program take the controller most of a second, before it starts any worker)."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.collector import FEW_COLLECTIONS

if TYPE_CHECKING:
    from harness.program_run import ProgramRun


def pytest_configure(config: pytest.Config) -> None:
    """Fewer, larger young collections for the whole test process: it keeps what it builds (moto's backends,
    botocore's service models, the programs' records, the engine's answers) to its end, which the collector's
    default thresholds (700, 10, 10) rescan again and again; a fifth of the CPU of the tests that run in
    process. The programs' runs do the same on their own (harness/collector.py, few_collections)."""
    gc.set_threshold(*FEW_COLLECTIONS)
    if hasattr(config, "workerinput"):  # a pytest-xdist worker, whose results have gone to the controller
        atexit.register(_exit_without_freeing)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker's tests are over and their results sent: pytest's last full collections (for errors in the
    finalizers of what is left) would scan everything the worker holds, a second or more, for objects
    ``_exit_without_freeing`` never frees. Frozen (``gc.freeze``), what it holds is left out of them."""
    if hasattr(session.config, "workerinput"):
        gc.freeze()


def _exit_without_freeing() -> None:
    """A worker ends holding half a gigabyte of small objects, which the interpreter would free one by one
    while the controller waits (seconds); the operating system takes the memory back at once. Registered
    before any test module is imported, it runs after the exit handlers those register (the IAM engine's,
    the namespace tests' unmounts)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@pytest.fixture(scope="session")
def their_run() -> ProgramRun:
    """The their program, run once from the tests' their stack file (tests/fixtures/Pulumi.their.yaml)."""
    from tests.stack_runs import run_their

    return run_their()


@pytest.fixture(scope="session")
def yours_run() -> ProgramRun:
    """The yours program, run once from the reference (two-party) stack file, in the mocks' own partition and
    region (the run ``yours_in`` gives for them)."""
    from harness.aws_mocks import AwsMocks
    from tests.shared_runs import yours_in

    mocks = AwsMocks()
    return yours_in(mocks.partition, mocks.region)


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
def moto_server() -> str:
    """moto served on loopback, one server for the whole test process, on a daemon thread that the process's
    exit ends: a stop waits out the server's half-second poll, which per test would cost more than most tests,
    and at the end would hold up the last."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


@pytest.fixture
def moto_endpoint(moto_server) -> str:
    """moto's STS and IAM (and the rest) served on loopback, from no account at all: the state of every
    earlier test is reset first (moto keeps it in the process)."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"))  # noqa: S310
    return moto_server
