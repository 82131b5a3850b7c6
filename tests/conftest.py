"""Shared runs of the program under mocks, and the committed stack files they start from."""

from __future__ import annotations

import pytest

from proof.program_run import PROJECT_DIR, ProgramRun, run_stack_file

THEIR_STACK_FILE = PROJECT_DIR / "Pulumi.their.yaml"
YOURS_STACK_FILE = PROJECT_DIR / "Pulumi.yours.yaml"


@pytest.fixture(scope="session")
def their_run() -> ProgramRun:
    """The their program, run once from the committed Pulumi.their.yaml."""
    run = run_stack_file(THEIR_STACK_FILE)
    assert run.error is None, run.error
    return run
