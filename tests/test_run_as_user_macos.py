"""The Run As script's macOS branch, run for real by bash against recording stand-ins of macOS's tools
(tests/macos_standins.py): they hold Directory Services, pwpolicy and pf as state, and fail any call macOS
would not take. NOT RUN ON A REAL MAC: what macOS itself does with these calls is taken from its manual
pages, not observed here.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from components.run_as_user import RUN_AS_GROUP, run_as_user_script
from tests.test_run_as_user_script import PrivateSystem, needs_root

USER, OTHER = "third-party-a", "third-party-b"
STANDINS = Path(__file__).with_name("macos_standins.py")
TOOLS = ("dscl", "dseditgroup", "createhomedir", "pwpolicy", "pfctl", "pkill", "id", "sudo", "uname", "date")


class Mac(PrivateSystem):
    """A private /etc, and macOS's tools as stand-ins that keep their state in a JSON file."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.bin = root / "bin"
        self.bin.mkdir()
        for tool in TOOLS:
            wrapper = self.bin / tool
            wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {STANDINS} {tool} "$@"\n')
            wrapper.chmod(0o755)
        self.state_file, self.log = root / "state.json", root / "calls.jsonl"
        self.launch_daemons = root / "LaunchDaemons"
        self.state = {
            "users": {"root": {"UniqueID": "0"}, "admin-user": {"UniqueID": "501"}},
            "groups": {"admin": ["admin-user"], "staff": []},
            "homes": [],
            "disabled": [],
            "processes": {},
            "pf": {"anchors": {}, "enabled": False},
        }

    def converge(self, user: str = USER, expires: datetime | None = None, users: list[str] | None = None):
        self.state_file.write_text(json.dumps(self.state))
        self.log.write_text("")
        self.script.write_text(run_as_user_script(users or [user], expires))
        result = self.run(
            f"STANDIN_STATE={self.state_file} STANDIN_LOG={self.log} launch_daemons={self.launch_daemons}"
            f" PATH={self.bin}:$PATH bash {self.script}"
        )
        self.state = json.loads(self.state_file.read_text())
        return result

    def calls(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def mac(tmp_path) -> Mac:
    return Mac(tmp_path)


def converged(mac: Mac, **kwargs) -> None:
    result = mac.converge(**kwargs)
    assert result.returncode == 0, result.stderr
    assert [c for c in mac.calls() if c.get("wrong")] == []


@needs_root
def test_it_makes_a_standard_user_with_no_usable_password(mac):
    converged(mac)
    user = mac.state["users"][USER]
    assert int(user["UniqueID"]) == 502  # the next regular id after the existing 501
    assert (user["PrimaryGroupID"], user["NFSHomeDirectory"], user["UserShell"]) == ("20", f"/Users/{USER}", "/bin/zsh")
    assert user["Password"] == "*"  # no password opens this account: sessions are the only way in
    assert USER not in mac.state["groups"]["admin"]
    assert USER in mac.state["homes"]
    assert USER not in mac.state["disabled"]


@needs_root
def test_it_takes_the_user_out_of_admin(mac):
    mac.state["users"][USER] = {"UniqueID": "502", "Password": "********", "UserShell": "/bin/zsh"}
    mac.state["groups"]["admin"].append(USER)
    converged(mac)
    assert USER not in mac.state["groups"]["admin"]
    assert mac.state["users"][USER]["Password"] == "*"
    assert ["-o", "edit", "-d", USER, "-t", "user", "admin"] in [c["args"] for c in mac.calls()]


@needs_root
def test_pf_refuses_every_run_as_user_imds_now_and_after_a_reboot(mac):
    mac.state["users"][OTHER] = {"UniqueID": "503"}
    mac.state["groups"][RUN_AS_GROUP] = [OTHER]
    converged(mac)
    anchor = mac.state["pf"]["anchors"]["third-party-ec2-access"]
    uid = mac.state["users"][USER]["UniqueID"]
    rules = [line for line in anchor.splitlines() if line.startswith("block")]
    assert rules == [
        f"block return out quick inet proto {{ tcp udp }} from any to 169.254.169.254 user {{ 503,{uid} }}",
        f"block return out quick inet6 proto {{ tcp udp }} from any to fd00:ec2::254 user {{ 503,{uid} }}",
    ]
    assert mac.state["pf"]["enabled"] is True
    assert 'anchor "third-party-ec2-access"' in (mac.etc / "pf.conf").read_text()
    daemon = (mac.launch_daemons / "com.third-party-ec2-access.pf.plist").read_text()
    assert "<string>/sbin/pfctl</string><string>-E</string>" in daemon
    assert "<key>RunAtLoad</key><true/>" in daemon


@needs_root
def test_another_partys_user_is_locked_out_and_its_processes_ended(mac):
    mac.state["users"][OTHER] = {"UniqueID": "503", "UserShell": "/bin/zsh"}
    mac.state["groups"][RUN_AS_GROUP] = [OTHER]
    mac.state["processes"][OTHER] = 2
    converged(mac)
    assert mac.state["users"][OTHER]["UserShell"] == "/usr/bin/false"
    assert OTHER in mac.state["disabled"]
    assert OTHER not in mac.state["processes"]
    assert USER not in mac.state["disabled"]


@needs_root
def test_after_its_expiry_the_user_is_locked_out(mac):
    mac.state["processes"][USER] = 1
    converged(mac, expires=datetime(2020, 1, 1, tzinfo=UTC))
    assert USER in mac.state["disabled"]
    assert mac.state["users"][USER]["UserShell"] == "/usr/bin/false"
    assert USER not in mac.state["processes"]


@needs_root
def test_each_person_gets_a_standard_user_and_one_no_longer_listed_is_locked_out(mac):
    converged(mac, users=["tpb-alice", "tpb-bob"])
    uids = {mac.state["users"][u]["UniqueID"] for u in ("tpb-alice", "tpb-bob")}
    assert uids == {"502", "503"}  # each its own id: their files and processes tell them apart
    assert sorted(mac.state["groups"][RUN_AS_GROUP]) == ["tpb-alice", "tpb-bob"]
    anchor = mac.state["pf"]["anchors"]["third-party-ec2-access"]
    assert "user { 502,503 }" in anchor
    mac.state["processes"]["tpb-bob"] = 1
    converged(mac, users=["tpb-alice"])
    assert "tpb-bob" in mac.state["disabled"]
    assert "tpb-bob" not in mac.state["processes"]
    assert "tpb-alice" not in mac.state["disabled"]


@needs_root
def test_it_refuses_to_manage_a_system_account(mac):
    mac.state["users"][USER] = {"UniqueID": "250"}
    result = mac.converge()
    assert result.returncode != 0
    assert "system account" in result.stderr


@needs_root
def test_the_stand_ins_refuse_a_call_macos_would_not_take(mac):
    mac.script.write_text("dseditgroup -o edit -a someone admin\n")
    mac.state_file.write_text(json.dumps(mac.state))
    result = mac.run(f"STANDIN_STATE={mac.state_file} STANDIN_LOG={mac.log} PATH={mac.bin}:$PATH bash {mac.script}")
    assert result.returncode == 64
