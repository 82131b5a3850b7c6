"""The Run As OS user: the shell script that creates it, converging on every run."""

from __future__ import annotations

from pathlib import Path

RUN_AS_USER_SCHEDULE = "rate(30 minutes)"
"""How often State Manager re-applies the script, so a new or re-tagged instance gets the user."""

RUN_AS_GROUP = "third-party-run-as"
"""The OS group of every Run As user the script makes; the instance's firewall refuses its members IMDS."""

SCRIPT = Path(__file__).with_name("run_as_user.sh")
"""The script itself, a file of its own so ShellCheck and readers see it as it runs."""


def run_as_user_script(user: str) -> str:
    """Shell commands that leave ``user`` a plain user: a home, a shell, no password, no sudo, and no way to
    the instance metadata service (an nftables rule for every member of ``RUN_AS_GROUP``).

    Safe to run any number of times. It refuses to touch a system account of the same name. The user
    name is validated by the config module (``[a-z_][a-z0-9_-]*``), so it needs no quoting beyond the
    single quotes below.
    """
    return f"user='{user}'\nrun_as_group='{RUN_AS_GROUP}'\n" + SCRIPT.read_text()
