"""The Run As OS users: the shell script that converges an instance on its grant, on every run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from components.iam_documents import iam_time

RUN_AS_USER_SCHEDULE = "rate(30 minutes)"
"""How often State Manager re-applies the script, so a re-tagged or expired grant converges."""

RUN_AS_GROUP = "third-party-run-as"
"""The OS group of every Run As user the script makes; the instance's firewall refuses its members IMDS."""

SCRIPT = Path(__file__).with_name("run_as_user.sh")
"""The Linux script, a file of its own so ShellCheck and readers see it as it runs."""

MACOS_SCRIPT = Path(__file__).with_name("run_as_user_macos.sh")
"""Its macOS sibling: the same convergence with dscl, dseditgroup, pwpolicy and pf."""

COMMON_SCRIPT = Path(__file__).with_name("run_as_user_common.sh")
"""What both do alike (ending a user's processes and at-jobs), ahead of either."""


def run_as_user_script(user: str, expires: datetime | None = None) -> str:
    """Shell commands that converge an instance (Linux or macOS) granted to ``user``'s party until ``expires``.

    ``user`` is left a plain user: a home, a shell, no password, no sudo, and no way to the instance
    metadata service (an nftables rule for every member of ``RUN_AS_GROUP``). Every other member of the
    group, and ``user`` itself once ``expires`` has passed, is locked out and its processes killed.

    Safe to run any number of times. It refuses to touch a system account of the same name. The user
    name is validated by the config module (``[a-z_][a-z0-9_-]*``), so it needs no quoting beyond the
    single quotes below.
    """
    settings = f"user='{user}'\nexpires='{iam_time(expires) if expires else ''}'\nrun_as_group='{RUN_AS_GROUP}'\n"
    # One association serves every instance of the party, Linux or macOS: the script picks its branch.
    branches = f'case "$(uname -s)" in\nDarwin)\n{MACOS_SCRIPT.read_text()};;\n*)\n{SCRIPT.read_text()};;\nesac\n'
    return settings + COMMON_SCRIPT.read_text() + branches
