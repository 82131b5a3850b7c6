"""Shared runs of the program under mocks, and the committed stack files they start from."""

from __future__ import annotations

from typing import Any

import pytest

from proof.aws_mocks import AwsMocks
from proof.program_run import PROJECT_DIR, ProgramRun, run_stack_file

THEIR_STACK_FILE = PROJECT_DIR / "Pulumi.their.yaml"
YOURS_STACK_FILE = PROJECT_DIR / "Pulumi.yours.yaml"


def run_their(mocks: AwsMocks | None = None, *, expect_error: bool = False, **overrides: Any) -> ProgramRun:
    """The their program from the committed stack file, with some project keys overridden."""
    return _checked(run_stack_file(THEIR_STACK_FILE, mocks=mocks, **overrides), expect_error)


def run_yours(mocks: AwsMocks | None = None, *, expect_error: bool = False, **overrides: Any) -> ProgramRun:
    """The yours program from the committed stack file, with some project keys overridden."""
    return _checked(run_stack_file(YOURS_STACK_FILE, mocks=mocks, **overrides), expect_error)


def _checked(run: ProgramRun, expect_error: bool) -> ProgramRun:
    if expect_error:
        assert run.error is not None, "the program should have stopped"
    else:
        assert run.error is None, run.error
    return run


@pytest.fixture(scope="session")
def their_run() -> ProgramRun:
    """The their program, run once from the committed Pulumi.their.yaml."""
    return run_their()


@pytest.fixture(scope="session")
def yours_run() -> ProgramRun:
    """The yours program, run once from the committed Pulumi.yours.yaml."""
    return run_yours()
