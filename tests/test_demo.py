"""The first command of the README, run as a newcomer runs it: ./scripts/demo in the checkout."""

from __future__ import annotations

import subprocess

from harness.program_run import PROJECT_DIR


def test_the_demo_runs_both_stacks_and_prints_who_may_open_a_session_where():
    demo = subprocess.run(
        [str(PROJECT_DIR / "scripts" / "demo")], capture_output=True, text=True, check=False, timeout=600
    )
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    assert "The their stack (Pulumi.their.yaml" in out
    assert "with an ExternalId kept secret." in out
    lines = [line.split() for line in out.splitlines()]
    # The committed sample's one grant, then the two-party example's four decisions.
    assert lines.count(["Third_Party_A", "instance-a", "allowed", "third-party-a", "no", "expiry",
                        "third-party-ec2-access-yours-session"]) == 2  # fmt: skip
    assert ["Third_Party_B", "instance-a", "denied", "-", "-", "-"] in lines
    assert ["Third_Party_A", "instance-b", "denied", "-", "-", "-"] in lines
    assert out.count("decisions match the grants in the config.") == 2
