"""Runs of the program under mocks from the tests' stack files (tests/fixtures/, examples/), and the parties
and accounts those files name."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.aws_mocks import AwsMocks, StackReferenceOutputs
from harness.program_run import PROJECT_DIR, ProgramRun, stack_reference_outputs
from harness.stack_file import run_stack_file

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
PARTY_A = {"name": "Third_Party_A", "stack": THEIR_STACKS["Third_Party_A"][0], "runAsUser": "third-party-a"}
"""Party A as the reference yours configuration has it."""
PARTY_B = {"name": "Third_Party_B", "stack": THEIR_STACKS["Third_Party_B"][0], "osUserPrefix": "tpb-"}
"""Party B as the reference yours configuration has it."""


def run_their(mocks: AwsMocks | None = None, *, expect_error: bool = False, **overrides: Any) -> ProgramRun:
    """The their program from the tests' their stack file, with some project keys overridden."""
    return _checked(run_stack_file(THEIR_STACK_FILE, mocks=mocks, **overrides), expect_error)


@functools.cache
def their_runs(partition: str = "aws") -> dict[str, ProgramRun]:
    """Each party's their stack, by party, run under mocks in its own account (read only)."""
    return {
        party: run_their(AwsMocks(partition=partition, account_id=account), partyName=party, **THEIR_CONFIG[party])
        for party, (_, account) in THEIR_STACKS.items()
    }


@functools.cache
def their_stack_references(partition: str = "aws") -> dict[str, StackReferenceOutputs]:
    """Each party's their stack (``their_runs``) as the yours stack reads it."""
    return {THEIR_STACKS[party][0]: stack_reference_outputs(run) for party, run in their_runs(partition).items()}


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
