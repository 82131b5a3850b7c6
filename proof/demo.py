"""The product's main job, offline: both committed stacks under Pulumi's mocks, then who may open a
session where, decided by the IAM engine over the policies the yours program registers.

    ./scripts/demo      (installs what it needs, then runs this module)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from harness.aws_mocks import AwsMocks
from harness.program_run import PROJECT_DIR
from harness.stack_file import run_stack_file
from harness.wire import Secret
from proof import access_report
from proof.access_matrix import ReportError, access_matrix
from proof.iam_engine import EngineError

THEIR_STACK_FILE = PROJECT_DIR / "Pulumi.their.yaml"
YOURS_STACK_FILE = PROJECT_DIR / "Pulumi.yours.yaml"
TWO_PARTIES_FILE = PROJECT_DIR / "examples" / "two-parties" / "Pulumi.yours.yaml"
THEIR_ACCOUNT = "222233334444"
"""The third party's account in the README's examples (the yours sample names 111122223333 as yours)."""


def main(stdout: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    their = run_stack_file(THEIR_STACK_FILE, mocks=AwsMocks(account_id=THEIR_ACCOUNT))
    if their.error is not None:
        stdout.write(f"demo: the their stack stopped: {their.error}\n")
        return 2
    outputs = their.raw_stack_outputs
    stdout.write(
        f"The their stack ({THEIR_STACK_FILE.name}, in the third party's account), run under mocks:\n"
        f"  {len([r for r in their.resources if r.custom])} resources; the users "
        f"{', '.join(their.stack_outputs['users'])} may assume only {their.stack_outputs['assumeRoleArn']},\n"
        f"  which may assume only {their.stack_outputs['yourRoleArn']},\n"
        f"  with an ExternalId {'kept secret' if isinstance(outputs['externalId'], Secret) else 'IN PLAIN TEXT'}.\n"
    )
    statuses = []
    for title, stack_file in [
        ("The yours stack, in your account, run under mocks", YOURS_STACK_FILE),
        ("The same with a second party (examples/two-parties)", TWO_PARTIES_FILE),
    ]:
        stdout.write(f"\n{title}:\n")
        statuses.append(report(stack_file, stdout))
    return max(statuses)


def report(stack_file: Path, stdout: TextIO) -> int:
    """The access report's matrix of one stack file, named by its path in the checkout: 0 when every
    decision matches the config's grants, 1 when one differs, 2 when the file cannot be decided."""
    at = datetime.now(UTC).replace(microsecond=0)
    try:
        cells = access_matrix(stack_file, at)
    except (ReportError, EngineError, ValueError, OSError) as error:
        stdout.write(f"demo: {stack_file.relative_to(PROJECT_DIR)}: {error}\n")
        return 2
    stdout.write(access_report.render_text(stack_file.relative_to(PROJECT_DIR).as_posix(), at, cells))
    return 0 if all(cell.as_expected for cell in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
