"""Runs of the program that tests of several files read, each run once per test process, and what the guide
lists for them to be held to.

A run is read only: tests that change what they read change a copy (``dataclasses.replace``, ``json_input``).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from components.iam_documents import iam_time
from harness.aws_mocks import ExistingInstance
from harness.program_run import ProgramRun
from tests.stack_runs import PARTY_A, PARTY_B, run_yours, yours_mocks


@functools.cache
def yours_in(partition: str, region: str) -> ProgramRun:
    """The reference yours stack run in this partition and region: what the instance role and the S3 gateway
    grant there (tests/test_yours_fleet.py, tests/test_yours_network.py), the ARNs it writes
    (tests/test_session_access.py), and in the mocks' own the session fixture ``yours_run``."""
    return run_yours(yours_mocks(partition=partition, region=region))


EXPIRES = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
"""When party A's access ends in ``expiring_run``."""


@functools.cache
def expiring_run() -> ProgramRun:
    """Party A expiring at EXPIRES, party B not (tests/test_session_sweeper.py, tests/test_session_access.py, and
    tests/test_port_forwarding.py's party without ports)."""
    return run_yours(thirdParties=[{**PARTY_A, "expires": iam_time(EXPIRES)}, PARTY_B])


EXISTING_INSTANCE = "i-0123456789abcdef0"


@functools.cache
def yours_granting_existing(instance_type: str) -> ProgramRun:
    """The reference yours stack granting party A, in place, an instance you already run of this type (a mac
    family runs macOS), instead of the reference's new instances."""
    existing = ExistingInstance("existing-app", role_name="ExistingAppRole", instance_type=instance_type)
    return run_yours(
        yours_mocks(existing_instances={EXISTING_INSTANCE: existing}),
        instances=[{"id": EXISTING_INSTANCE, "grantedTo": "Third_Party_A"}],
    )


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
