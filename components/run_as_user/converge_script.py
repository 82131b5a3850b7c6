"""The Run As OS users: the shell script that converges an instance on its grant, on every run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pulumi

from components.config.checks import LINUX_USER
from components.contract import person_os_user
from components.iam_documents import iam_time

RUN_AS_USER_SCHEDULE = "rate(30 minutes)"
"""How often State Manager re-applies the script, so a re-tagged or expired grant converges."""

RUN_AS_GROUP = "third-party-run-as"
"""The OS group of every Run As user the script makes; the instance's firewall refuses its members IMDS."""

SCRIPT = Path(__file__).with_name("linux.sh")
"""The Linux script, a file of its own so ShellCheck and readers see it as it runs."""

MACOS_SCRIPT = Path(__file__).with_name("macos.sh")
"""Its macOS sibling: the same convergence with dscl, dseditgroup, pwpolicy and pf."""

COMMON_SCRIPT = Path(__file__).with_name("common.sh")
"""What both do alike, and the order of a converge (every lockout first, whatever fails), ahead of either; it
sets the shell options of the whole script, once."""


@dataclass(frozen=True)
class PartyOsUsers:
    """The OS users a party's sessions run as: one for the whole party, or one per person."""

    shared_user: str | None
    """The one user every person of the party runs as; None when each person has their own."""
    prefix: str | None = None
    """When each person has their own: the prefix of their users (``tpa-`` makes alice ``tpa-alice``)."""
    people: pulumi.Input[Sequence[str]] = ()
    """When each person has their own: their IAM user names, from config or from their their stack."""

    @property
    def label(self) -> str:
        """Names the party's users in resource names: its shared user, or its prefix (``tpa-people``)."""
        return self.shared_user or f"{self.prefix}people"

    @property
    def shown(self) -> str:
        """Names them in outputs: the shared user, or the pattern of each person's (``tpa-<IAM user name>``)."""
        return self.shared_user or person_os_user(self.prefix or "", "<IAM user name>")

    def names(self) -> pulumi.Output[list[str]]:
        """Every OS user of the party."""
        if self.shared_user is not None:
            return pulumi.Output.from_input([self.shared_user])
        prefix = self.prefix or ""
        return pulumi.Output.from_input(self.people).apply(lambda people: [person_os_user(prefix, p) for p in people])


def run_as_user_script(users: Sequence[str], expires: datetime | None = None) -> str:
    """Shell commands that converge an instance (Linux or macOS) granted to the party of ``users`` until
    ``expires``.

    First, every other member of ``RUN_AS_GROUP`` (another party's user, or a person no longer listed), and
    every one of ``users`` once ``expires`` has passed, is removed: Session Manager's Run As opens a shell for
    any user that exists, locked or not. Its processes end, its crontab and at-jobs go, and its home is kept
    root-only in ``/home/.third-party-ec2-access-removed`` (``/Users/...`` on macOS) with its uid recorded in
    ``removed-users`` there, before the account goes: a uid is never given out again (nor one above UID_MAX:
    a user is refused rather than given a uid in use), and a removal that fails half-way is finished by the
    next run, before that name is made again. Then each of ``users`` is left a plain user: a home, a shell, no
    password, no sudo, no group but its own and ``RUN_AS_GROUP``, no subordinate uids or gids (with them,
    newuidmap runs its processes as uids the firewall and the removal never reach), and no way to the instance
    metadata service (a firewall rule naming its uid, live before the user is made). Whatever fails, every
    removal is tried; the script then exits non-zero.

    Safe to run any number of times. It refuses to touch an existing user it did not make (every user it makes
    carries the comment, or RealName, ``third-party-ec2-access Run As user``): a system account, or an account
    of the instance's own such as ``deploy``, is neither taken over nor deleted. Config and the
    their stack's people are checked before they get here, and each name is checked again below
    (``LINUX_USER``): a name with a quote or a space raises ValueError rather than reach the script.
    """
    if not users:
        raise ValueError("a grant names at least one OS user")
    # The names go into the script between single quotes: only a name without quotes or spaces is safe there.
    unsafe = [user for user in users if not LINUX_USER.fullmatch(user)]
    if unsafe:
        raise ValueError(f"not Linux user names: {unsafe}")
    settings = (
        f"users='{' '.join(users)}'\nexpires='{iam_time(expires) if expires else ''}'\nrun_as_group='{RUN_AS_GROUP}'\n"
    )
    # One association serves every instance of the party, Linux or macOS: the script picks its branch.
    branches = f'case "$(uname -s)" in\nDarwin)\n{MACOS_SCRIPT.read_text()};;\n*)\n{SCRIPT.read_text()};;\nesac\n'
    return settings + COMMON_SCRIPT.read_text() + branches
