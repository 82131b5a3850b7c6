"""The Run As script, linted, and run for real against a private copy of /etc and /home.

The script runs inside a new mount namespace where /etc and /home are copies: the users it makes
never reach the machine running the tests. That needs root and unshare (as on CI); elsewhere these
tests are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.run_as_user import run_as_user_script

USER = "third-party-a"

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="creates OS users in a private mount namespace, which needs root and unshare",
)
needs_sudo = pytest.mark.skipif(shutil.which("sudo") is None, reason="the sudo rule check needs sudo installed")


def test_the_script_passes_shellcheck(tmp_path):
    script = tmp_path / "run-as-user.sh"
    script.write_text("#!/bin/bash\n" + run_as_user_script(USER))
    shellcheck = Path(sys.executable).parent / "shellcheck"
    result = subprocess.run([str(shellcheck), str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


class PrivateSystem:
    """A private /etc and /home in which shell commands run as root."""

    def __init__(self, root: Path) -> None:
        self.etc = root / "etc"
        self.home = root / "home"
        subprocess.run(["cp", "-a", "/etc", str(self.etc)], check=True)
        self.home.mkdir()
        self.script = root / "run-as-user.sh"

    def run(self, commands: str) -> subprocess.CompletedProcess[str]:
        inner = f"mount --bind {self.etc} /etc && mount --bind {self.home} /home && {commands}"
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "bash", "-c", inner],
            capture_output=True,
            text=True,
            check=False,
        )

    def run_script(self, user: str = USER, before: str = "true") -> subprocess.CompletedProcess[str]:
        self.script.write_text(run_as_user_script(user))
        return self.run(f"{before} && bash {self.script}")

    def passwd_entry(self, user: str = USER) -> list[str]:
        (line,) = [line for line in (self.etc / "passwd").read_text().splitlines() if line.startswith(f"{user}:")]
        return line.split(":")

    def password_field(self, user: str = USER) -> str:
        (line,) = [line for line in (self.etc / "shadow").read_text().splitlines() if line.startswith(f"{user}:")]
        return line.split(":")[1]

    def group_members(self, group: str) -> list[str]:
        (line,) = [line for line in (self.etc / "group").read_text().splitlines() if line.startswith(f"{group}:")]
        return [member for member in line.split(":")[3].split(",") if member]


@pytest.fixture
def system(tmp_path) -> PrivateSystem:
    return PrivateSystem(tmp_path)


@needs_root
def test_it_creates_a_plain_user_with_a_home_and_no_password(system):
    result = system.run_script()
    assert result.returncode == 0, result.stderr
    _, _, uid, _, _, home, shell = system.passwd_entry()
    assert int(uid) >= 1000
    assert (home, shell) == (f"/home/{USER}", "/bin/bash")
    assert (system.home / USER).is_dir()
    assert (system.home / USER).stat().st_uid == int(uid)
    assert system.password_field().startswith("!")  # locked: sessions are the only way in


@needs_root
def test_running_it_again_converges(system):
    first = system.run_script()
    second = system.run_script()
    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    assert sum(line.startswith(f"{USER}:") for line in (system.etc / "passwd").read_text().splitlines()) == 1


@needs_root
def test_it_takes_away_administrator_groups_and_sudo_rules(system):
    result = system.run_script(
        before=(
            "(getent group wheel >/dev/null || groupadd wheel)"
            f" && useradd --create-home --groups wheel,adm --password x {USER}"
            f" && mkdir -p /etc/sudoers.d && echo '{USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/{USER}"
        )
    )
    assert result.returncode == 0, result.stderr
    assert USER not in system.group_members("wheel")
    assert USER not in system.group_members("adm")
    assert not (system.etc / "sudoers.d" / USER).exists()
    assert system.password_field().startswith("!")


@needs_root
def test_it_refuses_to_manage_a_system_account(system):
    result = system.run_script(user="svc-daemon", before="useradd --system svc-daemon")
    assert result.returncode != 0
    assert "system account" in result.stderr


@needs_root
@needs_sudo
def test_it_fails_when_another_sudo_rule_still_grants_the_user(system):
    result = system.run_script(before=f"echo '{USER} ALL=(ALL) ALL' >> /etc/sudoers")
    assert result.returncode != 0
    assert "can still use sudo" in result.stderr
