"""The first command of the README, run as a newcomer runs it: ./scripts/demo in the checkout."""

from __future__ import annotations

import re
import subprocess
from types import SimpleNamespace

from harness.program_run import PROJECT_DIR
from proof.access_report import summary


def _tree_is_current() -> bool:
    check = subprocess.run(["node", "scripts/npm-installed.mjs"], cwd=PROJECT_DIR, check=False)
    return check.returncode == 0


def test_the_demo_runs_both_stacks_and_prints_who_may_open_a_session_where():
    if not _tree_is_current():  # a fresh clone: the one install the demo may do, before it is watched
        subprocess.run([str(PROJECT_DIR / "scripts" / "setup")], check=True, timeout=600)
    demo_run = subprocess.run(
        [str(PROJECT_DIR / "scripts" / "demo")], capture_output=True, text=True, check=False, timeout=600
    )
    assert demo_run.returncode == 0, demo_run.stderr
    out = demo_run.stdout
    # With the engine installed as package-lock.json pins it, the demo installs nothing (npm ci prints
    # "added 4 packages" on every run it makes).
    assert "added" not in out + demo_run.stderr
    assert "The their stack (Pulumi.their.yaml" in out
    assert "with an ExternalId kept secret." in out
    # Each matrix named by its file's path in the checkout: the committed sample (the adopter's to edit, so
    # only what holds for any valid config: every decision matches its grants), then the two-party example.
    sample = out.index("\nAccess matrix of Pulumi.yours.yaml at ")
    example = out.index("\nAccess matrix of examples/two-parties/Pulumi.yours.yaml at ")
    assert sample < example
    assert re.search(r"\nAll \d+ decisions? match(es)? the grants in the config\.\n", out[sample:example])
    lines = [line.split() for line in out[example:].splitlines()]
    # The two-party example's four decisions.
    assert ["Third_Party_A", "instance-a", "allowed", "third-party-a", "no", "expiry",
            "third-party-ec2-access-yours-session"] in lines  # fmt: skip
    assert ["Third_Party_B", "instance-a", "denied", "-", "-", "-"] in lines
    assert ["Third_Party_A", "instance-b", "denied", "-", "-", "-"] in lines
    assert "\nAll 4 decisions match the grants in the config.\n" in out[example:]


def _cells(*as_expected: bool) -> list:
    return [SimpleNamespace(as_expected=value) for value in as_expected]


def test_the_summary_agrees_in_number():
    assert summary(_cells(True)) == "All 1 decision matches the grants in the config."
    assert summary(_cells(True, True)) == "All 2 decisions match the grants in the config."
    assert summary(_cells(False)) == "1 of 1 decision does not match the grants in the config."
    assert summary(_cells(True, False)) == "1 of 2 decisions does not match the grants in the config."
    assert summary(_cells(False, False, True)) == "2 of 3 decisions do not match the grants in the config."
