"""The Run As script's macOS branch, run for real by bash against stand-ins of macOS's tools
(tests/macos_standins.py): they hold Directory Services, pwpolicy and pf as state, and fail any call macOS
would not take; processes are real, in the test's namespace, and sessions open as SSM Agent opens them.
NOT RUN ON A REAL MAC: what macOS itself does with these calls is taken from its manual pages and its stock
/etc/pf.conf, not observed here.
"""

from __future__ import annotations

import json
import plistlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from components.run_as_user.converge_script import RUN_AS_GROUP, run_as_user_script
from tests.agent_session import session
from tests.macos_standins import TOOLS, make_server, refused, stub
from tests.test_run_as_user_script import REMOVED, PrivateSystem, failing_mv, leave_behind, needs_root, report

USER, OTHER = "third-party-a", "third-party-b"
MARK = "third-party-ec2-access Run As user"
"""The RealName the script gives every user it makes."""
STANDINS = Path(__file__).with_name("macos_standins.py")
PAST, FUTURE = datetime(2020, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)
IMDS_V4, IMDS_V6 = "169.254.169.254", "fd00:ec2::254"

STOCK_PF_CONF = """#
# com.apple anchor point
#
scrub-anchor "com.apple/*"
nat-anchor "com.apple/*"
rdr-anchor "com.apple/*"
dummynet-anchor "com.apple/*"
anchor "com.apple/*"
load anchor "com.apple" from "/etc/pf.anchors/com.apple"
"""
"""The rules of macOS's stock /etc/pf.conf (its long comment left out), as quoted in "Configuring the pf
Firewall" (macOS and Unix, cloudstreet-dev) and krypted.com's "A Cheat Sheet for Using pf in OS X Lion and Up"."""
STOCK_COM_APPLE_ANCHOR = """scrub-anchor "100.InternetSharing/*"
nat-anchor "100.InternetSharing/*"
rdr-anchor "100.InternetSharing/*"
anchor "100.InternetSharing/*"
anchor "200.AirDrop/*"
anchor "250.ApplicationFirewall/*"
"""
"""Apple's /etc/pf.anchors/com.apple, as the same cheat sheet quotes it (its anchors for optional services)."""


class Mac(PrivateSystem):
    """A private /etc with macOS's stock pf configuration, and macOS's tools as stand-ins that keep their state
    in a JSON file; pf runs the stock ruleset, loaded as at boot (the first run's first steps), not yet enabled."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.bin, self.server = root / "bin", root / "standins"
        self.bin.mkdir()
        make_server(self.server)
        for tool in TOOLS:
            (self.bin / tool).write_text(stub(tool, self.server))
            (self.bin / tool).chmod(0o755)
        self.state_file, self.log = root / "state.json", root / "calls.jsonl"
        self.launch_daemons = root / "LaunchDaemons"
        self.users = root / "Users"
        self.users.mkdir()
        (self.etc / "pf.conf").write_text(STOCK_PF_CONF)
        (self.etc / "pf.anchors").mkdir(exist_ok=True)
        (self.etc / "pf.anchors" / "com.apple").write_text(STOCK_COM_APPLE_ANCHOR)
        self.state = {
            "users": {"root": {"UniqueID": "0", "PrimaryGroupID": "0"}, "admin-user": {"UniqueID": "501"}},
            "groups": {"admin": ["admin-user"], "staff": [], "wheel": []},
            "group_ids": {"wheel": "0", "staff": "20", "admin": "80"},
            "homes": [],
            "disabled": [],
        }
        self.boot()

    def run_mac(self, commands: str) -> object:
        """Runs ``commands`` on the Mac, after the boot steps if it has booted since the last run. The stand-ins'
        server runs in the run's namespace, its own errors, if any, joining the run's; it is ended and reaped
        before the run ends, so that its time counts in the run's. It is a job of the run's shell: ``commands``
        wait for their own jobs by pid (a bare ``wait`` would wait for the server too)."""
        self.state_file.write_text(json.dumps(self.state))
        self.log.write_text("")
        server = f"{sys.executable} -S -I {STANDINS} {self.server} {self.state_file} {self.log}"
        result = self.run(
            f"{{ export launch_daemons={self.launch_daemons} homes={self.users} PATH={self.bin}:$PATH"
            f" && {{ {server} >/dev/null & }} && standins=$! && {{ {self.booting} && {commands}; }}"
            "; status=$?; kill $standins; wait $standins; exit $status; }"
        )
        self.booting = "true"
        self.state = json.loads(self.state_file.read_text())
        return result

    def converge(self, user: str = USER, expires: datetime | None = None, users: list[str] | None = None):
        self.script.write_text(run_as_user_script(users or [user], expires))
        return self.run_mac(f"bash {self.script}")

    def boot(self, ours_first: bool = False) -> None:
        """A reboot: pf starts empty and disabled; macOS loads /etc/pf.conf (com.apple.pfctl), and launchd runs
        each LaunchDaemon of ours, in either order. The next run takes these steps first (its status fails if
        they fail), so that a boot costs no run of its own."""
        self.state["pf"] = {"main": "", "anchors": {}, "enabled": False}
        daemons = [
            " ".join(plistlib.loads(path.read_bytes())["ProgramArguments"]).replace("/sbin/pfctl", "pfctl")
            for path in sorted(self.launch_daemons.glob("*.plist"))
        ]
        steps = ["pfctl -f /etc/pf.conf", *daemons]
        self.booting = " && ".join(steps[1:] + steps[:1] if ours_first else steps)

    def reboot(self, ours_first: bool = False) -> None:
        """Boots now, in a run of nothing else; a boot step that fails fails the test."""
        self.boot(ours_first)
        result = self.run_mac("true")
        assert result.returncode == 0, result.stderr

    def calls(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def uid(self, user: str) -> int:
        return int(self.state["users"][user]["UniqueID"])


@pytest.fixture
def mac(tmp_path) -> Iterator[Mac]:
    system = Mac(tmp_path)
    yield system
    system.close()


def converged(mac: Mac, **kwargs) -> object:
    result = mac.converge(**kwargs)
    assert result.returncode == 0, result.stderr
    assert [c for c in mac.calls() if c.get("wrong")] == []
    return result


def assert_removed(mac: Mac, user: str, uid: int) -> None:
    """No such user, in no group; its home kept root-only under a new name; its uid recorded, root-only."""
    assert user not in mac.state["users"]
    assert [group for group, members in mac.state["groups"].items() if user in members] == []
    assert not (mac.users / user).exists()
    removed = mac.users / REMOVED
    (kept,) = removed.glob(f"{user}.uid{uid}.*")
    for path in (removed, kept):
        assert (path.stat().st_uid, path.stat().st_mode & 0o777) == (0, 0o700), path
    record = removed / "removed-users"
    assert (record.stat().st_uid, record.stat().st_mode & 0o777) == (0, 0o600)
    assert f" removed user={user} uid={uid} " in record.read_text()


@needs_root
def test_it_makes_a_standard_user_with_no_usable_password(mac):
    converged(mac)
    user = mac.state["users"][USER]
    assert int(user["UniqueID"]) == 502  # the next regular id after the existing 501
    assert (user["PrimaryGroupID"], user["NFSHomeDirectory"], user["UserShell"]) == (
        "20",
        f"{mac.users}/{USER}",
        "/bin/zsh",
    )
    assert user["Password"] == "*"  # no password opens this account: sessions are the only way in
    assert USER not in mac.state["groups"]["admin"]
    assert (mac.users / USER).stat().st_uid == 502
    assert USER not in mac.state["disabled"]


@needs_root
def test_a_sessions_only_groups_are_staff_and_the_run_as_group(mac):
    # A user an earlier run made (its RealName is the script's mark), since put in admin and wheel.
    mac.state["users"][USER] = {"UniqueID": "502", "PrimaryGroupID": "20", "Password": "********", "RealName": MARK}
    for group in ("admin", "wheel"):
        mac.state["groups"][group].append(USER)
    converged(mac)
    result = mac.run_mac(session(USER, "echo groups=$(id -G)"))
    assert result.returncode == 0, result.stderr
    names = {number: name for name, number in mac.state["group_ids"].items()}
    (listed,) = [line.removeprefix("groups=") for line in result.stdout.splitlines() if line.startswith("groups=")]
    assert sorted(names[gid] for gid in listed.split()) == sorted(["staff", RUN_AS_GROUP])
    assert mac.state["users"][USER]["Password"] == "*"


@needs_root
def test_pf_refuses_every_run_as_user_imds_now_and_after_a_reboot_in_either_order(mac):
    converged(mac, users=[USER, OTHER])
    everyone = [mac.uid(USER), mac.uid(OTHER), 0, 501]  # root (the agent) and an administrator keep IMDS
    expected = [True] * 4 + [False] * 4

    def refusals() -> list[bool]:
        return [refused(mac.state["pf"], uid, address) for uid in everyone for address in (IMDS_V4, IMDS_V6)]

    assert refusals() == expected, "pf does not refuse IMDS to the Run As users (only) now"
    for first in ("Apple's", "ours"):  # launchd runs Apple's load of pf.conf and our LaunchDaemon in either order
        mac.reboot(ours_first=first == "ours")
        assert refusals() == expected, f"pf does not refuse IMDS to the Run As users (only) after a boot, {first} first"
    assert (mac.etc / "pf.conf").read_text() == STOCK_PF_CONF  # Apple's file, which updates overwrite, untouched


@needs_root
def test_another_partys_user_is_removed_and_all_it_left_ends(mac):
    converged(mac, user=OTHER)
    converged(mac, users=[USER, OTHER])  # an instance granted to both, until OTHER's grant moves away
    uid = mac.uid(OTHER)
    mac.script.write_text(run_as_user_script([USER], FUTURE))
    result = mac.run_mac(
        f"{leave_behind(OTHER)} && {leave_behind(USER)} && bash {mac.script} && {report(OTHER)} && {report(USER)}"
    )
    assert result.returncode == 0, result.stderr
    assert f"{OTHER} is removed (uid {uid})" in result.stdout
    assert f"{OTHER}: session refused, processes ended" in result.stdout
    assert f"{USER}: session opened, processes running" in result.stdout
    assert_removed(mac, OTHER, uid)


@needs_root
def test_after_its_expiry_the_user_is_removed(mac):
    converged(mac, expires=FUTURE)
    uid = mac.uid(USER)
    mac.script.write_text(run_as_user_script([USER], PAST))
    result = mac.run_mac(f"{leave_behind(USER)} && bash {mac.script} && {report(USER)}")
    assert result.returncode == 0, result.stderr
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert_removed(mac, USER, uid)


@needs_root
def test_a_new_grant_makes_the_user_afresh(mac):
    converged(mac, expires=FUTURE)
    old_uid = mac.uid(USER)
    converged(mac, expires=PAST)
    converged(mac, expires=FUTURE)
    assert mac.uid(USER) > old_uid  # never a removed user's uid
    assert mac.state["groups"][RUN_AS_GROUP] == [USER]


@needs_root
def test_each_person_gets_a_standard_user_and_one_no_longer_listed_is_removed(mac):
    converged(mac, users=["tpb-alice", "tpb-bob"])
    uids = {mac.state["users"][u]["UniqueID"] for u in ("tpb-alice", "tpb-bob")}
    assert uids == {"502", "503"}  # each its own id: their files and processes tell them apart
    assert sorted(mac.state["groups"][RUN_AS_GROUP]) == ["tpb-alice", "tpb-bob"]
    converged(mac, users=["tpb-alice"])
    assert_removed(mac, "tpb-bob", 503)
    assert "tpb-alice" in mac.state["users"]


@needs_root
def test_it_refuses_to_manage_a_system_account_and_still_removes_the_others(mac):
    converged(mac, user=OTHER)
    mac.state["users"][USER] = {"UniqueID": "250"}
    result = mac.converge()
    assert result.returncode != 0
    assert "system account" in result.stderr
    assert OTHER not in mac.state["users"]
    assert mac.state["users"][USER] == {"UniqueID": "250"}


@needs_root
def test_the_stand_ins_refuse_a_call_macos_would_not_take(mac):
    result = mac.run_mac("dseditgroup -o edit -a someone admin")
    assert result.returncode == 64
    assert mac.calls()[-1] == {"tool": "dseditgroup", "args": ["-o", "edit", "-a", "someone", "admin"], "wrong": True}


@needs_root
def test_an_account_of_the_mac_is_never_taken_over_and_the_other_removals_happen(mac):
    converged(mac, user=OTHER)
    deploy = {"UniqueID": "510", "PrimaryGroupID": "20", "RealName": "Deploy", "Password": "x"}
    mac.state["users"]["deploy"] = {**deploy, "NFSHomeDirectory": f"{mac.users}/deploy"}
    mac.state["groups"]["admin"].append("deploy")
    result = mac.converge(user="deploy", expires=FUTURE)
    expired = mac.converge(user="deploy", expires=PAST)
    assert (result.returncode, expired.returncode) == (1, 1)
    assert (
        "refusing to manage deploy: this product did not make it"
        " (its comment is not 'third-party-ec2-access Run As user')" in result.stderr
    )
    assert "refusing to remove deploy: this product did not make it" in expired.stderr
    assert mac.state["users"]["deploy"] == {**deploy, "NFSHomeDirectory": f"{mac.users}/deploy"}  # untouched
    assert "deploy" in mac.state["groups"]["admin"]
    assert "deploy" not in mac.state["groups"].get(RUN_AS_GROUP, [])
    assert OTHER not in mac.state["users"]  # the other party's user is removed all the same


@needs_root
def test_a_removal_that_fails_after_the_account_goes_keeps_its_uid_and_the_next_run_finishes_it(mac):
    converged(mac, user=OTHER)
    uid = mac.uid(OTHER)
    (mac.bin / "mv").write_text(failing_mv(str(mac.users)))
    (mac.bin / "mv").chmod(0o755)
    (mac.tmp / "mv-fails").write_text("")
    failing = mac.converge(expires=FUTURE)
    assert failing.returncode == 1
    assert f"{OTHER}: home {mac.users}/{OTHER} not kept" in failing.stderr
    assert mac.uid(USER) > uid  # not the uid whose home is still in place
    assert f" removing user={OTHER} uid={uid} " in (mac.users / REMOVED / "removed-users").read_text()
    (mac.tmp / "mv-fails").unlink()
    finished = mac.converge(expires=FUTURE)
    assert finished.returncode == 0, finished.stderr
    assert f"{OTHER} is removed (uid {uid})" in finished.stdout
    assert_removed(mac, OTHER, uid)
