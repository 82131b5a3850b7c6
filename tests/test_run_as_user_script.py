"""The Run As script, linted, and run for real against a private /etc and /home.

The script runs inside a new mount namespace where /etc is the machine's own under an overlay that keeps
every change apart, /home a directory of the test's, and a new network namespace with its own firewall: the
users and rules it makes never reach the machine running the tests. That needs root, unshare, nft and ip
(as on CI), and overlayfs in the kernel: without the first four these tests are skipped and say why; without
overlayfs their fixtures fail at the mount.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from components.fleet import FIRST_BOOT
from components.run_as_user.converge_script import COMMON_SCRIPT, MACOS_SCRIPT, RUN_AS_GROUP, SCRIPT, run_as_user_script
from tests.agent_session import BUSY_MACHINE, OPEN_SESSION, pid_hopper, session, still_running

USER = "third-party-a"
MADE_HERE = "--comment 'third-party-ec2-access Run As user'"
"""How the script marks a user it made (useradd's comment, GECOS), for a user an earlier run made."""

needs_root = pytest.mark.skipif(
    # CI installs what these need (.ci/run): there, a missing tool fails the tests instead of skipping them.
    not os.environ.get("CI") and (os.geteuid() != 0 or not all(map(shutil.which, ("unshare", "nft", "ip")))),
    reason="creates OS users and firewall rules in private namespaces, which needs root, unshare, nft and ip",
)
needs_sudo = pytest.mark.skipif(shutil.which("sudo") is None, reason="the sudo rule check needs sudo installed")


SHELLCHECK = Path(sys.executable).parent / "shellcheck"


def test_the_script_and_a_per_person_grant_as_user_data_pass_shellcheck_and_set_shell_options_once(tmp_path):
    # Each platform's file passes ShellCheck alone (scripts/test); assembled, they must still pass together: the
    # association's script, and user data granting each of a party's people. One ShellCheck run lints both, and
    # names the file of each finding.
    script, user_data = tmp_path / "run-as-user.sh", tmp_path / "user-data.sh"
    script.write_text("#!/bin/bash\n" + run_as_user_script([USER]))
    user_data.write_text(FIRST_BOOT + run_as_user_script(["tpb-alice", "tpb-bob"], datetime(2099, 1, 1, tzinfo=UTC)))
    result = subprocess.run([str(SHELLCHECK), str(script), str(user_data)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert user_data.read_text().count("set -euo pipefail") == 1, "user data sets the shell options more than once"


NAMESPACES = ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "--propagation", "private"]
"""A private mount table, network stack and process table for each run."""


WAIT_UNTIL = r"""
# wait_until COMMAND...: runs COMMAND (its output dropped) every 0.01 s until it succeeds; fails after 1,000
# tries (ten seconds or more). What a test starts in the background is waited for, not slept on.
wait_until() {
  local tries
  for ((tries = 0; tries < 1000; tries++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "never came true: $*" >&2
  return 1
}
"""
"""A shell function each namespace test sources, beside ``open_session``."""


class PrivateSystem:
    """A private /etc, /home, /var/spool and /var/tmp in which shell commands run as root, and sessions open as
    SSM Agent opens them (``open_session``, tests/agent_session.py).

    ``etc`` is an overlay mount of the machine's own /etc: every file of it is there as the script finds it on
    an instance, and every change a run makes lands in ``etc_changes``, never in /etc (a copy of its 1,200
    files cost a third of a second a test). The test reads and writes at ``etc`` what the runs see at /etc.
    ``like``, another system, starts this one with what that one's runs changed (a copy of its few files)."""

    def __init__(self, root: Path, like: PrivateSystem | None = None) -> None:
        self.etc, self.etc_changes = root / "etc", root / "etc-changes"
        self.home = root / "home"
        self.spool = root / "spool"
        self.tmp = root / "tmp"
        if like is None:
            self.etc_changes.mkdir()
            self.home.mkdir()
            (self.spool / "cron" / "crontabs").mkdir(parents=True)
            self.tmp.mkdir()
            self.tmp.chmod(0o1777)
        else:
            # The same names under each root: one cp, owners and modes kept.
            copied = (like.etc_changes, like.home, like.spool, like.tmp)
            subprocess.run(["cp", "-a", *map(str, copied), str(root)], check=True)
        work = root / "etc-work"  # overlayfs's own scratch directory, on the same file system as etc_changes
        work.mkdir()
        self.etc.mkdir()
        layers = f"lowerdir=/etc,upperdir={self.etc_changes},workdir={work}"
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", layers, str(self.etc)], check=True)
        # close() unmounts it, once: at a fixture's end, or else when this system is collected or the tests end.
        self.close = weakref.finalize(self, subprocess.run, ["umount", "--lazy", str(self.etc)], check=False)
        self.script = root / "run-as-user.sh"
        self.functions = root / "functions.sh"
        self.functions.write_text(OPEN_SESSION + WAIT_UNTIL)

    def run(self, commands: str) -> subprocess.CompletedProcess[str]:
        # Its own process table too, so what the script signals is the namespace's processes only.
        inner = (
            f"mount --bind {self.etc} /etc && mount --bind {self.home} /home && mount --bind {self.spool} /var/spool"
            f" && mount --bind {self.tmp} /var/tmp && . {self.functions} && {commands}"
        )
        return subprocess.run(
            [*NAMESPACES, "bash", "-c", inner],
            capture_output=True,
            text=True,
            check=False,
        )

    def run_script(self, user: str = USER, before: str = "true") -> subprocess.CompletedProcess[str]:
        self.script.write_text(run_as_user_script([user]))
        return self.run(f"{before} && bash {self.script}")

    def shadow_entry(self, user: str = USER) -> list[str]:
        (line,) = [line for line in (self.etc / "shadow").read_text().splitlines() if line.startswith(f"{user}:")]
        return line.split(":")

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
def system(tmp_path) -> Iterator[PrivateSystem]:
    """A private system as the machine is."""
    system = PrivateSystem(tmp_path)
    yield system
    system.close()


PAST, FUTURE = datetime(2020, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)


def scripts(system: PrivateSystem, **grants: datetime | None) -> dict[str, Path]:
    """One converge script a grant (user -> expiry), as each party's association runs it."""
    paths = {}
    for user, expires in grants.items():
        paths[user] = system.script.with_name(f"{user}.sh")
        paths[user].write_text(run_as_user_script([user], expires))
    return paths


def granted_first(system: PrivateSystem, *users: str, expires: datetime | None = FUTURE) -> dict[str, int]:
    """Grants each of ``users`` on its own (as its party's association would), and returns their uids."""
    for user in users:
        result = system.run(f"bash {scripts(system, **{user: expires})[user]}")
        assert result.returncode == 0, result.stderr
    return {user: int(system.passwd_entry(user)[2]) for user in users}


@pytest.fixture(scope="module")
def first_grant(tmp_path_factory) -> Iterator[PrivateSystem]:
    """A private system in which USER's grant (until FUTURE) ran once, as its party's association first runs
    it; never changed after. The tests that begin there start from copies of it (``granted``)."""
    system = PrivateSystem(tmp_path_factory.mktemp("first-grant"))
    granted_first(system, USER)
    yield system
    system.close()


@pytest.fixture
def granted(first_grant, tmp_path) -> Iterator[PrivateSystem]:
    """A private system where USER's grant (until FUTURE) ran: a copy of ``first_grant``."""
    system = PrivateSystem(tmp_path, like=first_grant)
    yield system
    system.close()


@needs_root
def test_it_creates_a_plain_user_with_a_home_and_no_password(first_grant):
    _, _, uid, _, _, home, shell = first_grant.passwd_entry()
    assert int(uid) >= 1000
    assert (home, shell) == (f"/home/{USER}", "/bin/bash")
    assert (first_grant.home / USER).is_dir()
    assert (first_grant.home / USER).stat().st_uid == int(uid)
    assert first_grant.password_field().startswith("!")  # locked: sessions are the only way in


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


# -- the instance metadata service, refused to Run As users ----------------------------------------

IMDS_V4, IMDS_V6 = "169.254.169.254", "fd00:ec2::254"
STAND_IN_IMDS = """
import socket, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler
class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"role-credentials")
    def log_message(self, *args): pass
class ServerV6(socketserver.TCPServer):
    address_family = socket.AF_INET6
for server in (socketserver.TCPServer((sys.argv[1], 80), Answer), ServerV6((sys.argv[2], 80), Answer)):
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("listening", flush=True)
threading.Event().wait()
"""
"""One process answering at IMDS's IPv4 and IPv6 addresses (``$1``, ``$2``); it says when it listens."""


FETCH = """
# Prints the last line IMDS answers at $1, or REFUSED.
request="exec 3<>/dev/tcp/$1/80 && printf 'GET /latest/meta-data/ HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"
if answer=$(timeout 5 bash -c "$request" 2>/dev/null); then
  echo "${answer##*$'\\n'}"
else
  echo REFUSED
fi
"""


class InstanceWithImds(PrivateSystem):
    """The private system, with a stand-in IMDS on its own loopback at both of IMDS's addresses."""

    def fetch(self, address: str, as_user: str = "") -> str:
        """A shell command printing what IMDS answers at ``address`` (or REFUSED), as root or in a session as
        ``as_user``."""
        fetch = f"bash /var/tmp/fetch.sh {address}"
        return f"{{ {session(as_user, fetch)} || echo NO-SESSION; }}" if as_user else fetch

    def run_with_imds(self, commands: str) -> subprocess.CompletedProcess[str]:
        server = self.script.with_name("imds.py")
        server.write_text(STAND_IN_IMDS)
        (self.tmp / "fetch.sh").write_text(FETCH)  # in /var/tmp, where a session's user may read it
        setup = (
            f"ip link set lo up && ip addr add {IMDS_V4}/32 dev lo && ip -6 addr add {IMDS_V6}/128 dev lo nodad"
            # Started with the standard library only (-I -S: no site packages to load), read until it listens;
            # it ends with the namespace, when this shell (its first process) exits.
            f" && exec 4< <({sys.executable} -I -S {server} {IMDS_V4} {IMDS_V6} </dev/null) && read -r -u 4 listening"
        )
        return self.run(f"{setup} && {commands}")


@pytest.fixture
def instance(tmp_path) -> Iterator[InstanceWithImds]:
    """A private system as the machine is, with a stand-in IMDS."""
    instance = InstanceWithImds(tmp_path)
    yield instance
    instance.close()


def answers(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line in ("role-credentials", "REFUSED", "NO-SESSION")]


SYN_RETRANSMISSIONS = (
    'awk \'/^TcpExt:/ { if (!named) { for (i = 1; i <= NF; i++) if ($i == "TCPSynRetrans") field = i; named = 1 }'
    ' else print "syn-retransmissions=" $field }\' /proc/net/netstat'
)
"""Prints how many connection requests the namespace's TCP has sent again: a refusal the connecting socket counts
only as a soft error (an ICMP answer while it is still sending) leaves it to retry after a second."""


@needs_root
def test_a_run_as_user_is_refused_imds_while_root_and_ssm_user_are_answered(instance):
    instance.script.write_text(run_as_user_script([USER]))
    result = instance.run_with_imds(
        f"useradd --create-home ssm-user && {instance.fetch(IMDS_V4, USER)} ; bash {instance.script} >/dev/null"
        f" && {instance.fetch(IMDS_V4, USER)} && {instance.fetch(IMDS_V6, USER)}"
        f" && {instance.fetch(IMDS_V4)} && {instance.fetch(IMDS_V6)} && {instance.fetch(IMDS_V4, 'ssm-user')}"
        f" && {SYN_RETRANSMISSIONS}"
    )
    # Refused at the first connection request, by a reset: no client in the shell waits on IMDS.
    assert "syn-retransmissions=0" in result.stdout.splitlines(), result.stdout
    # Before the script the user does not exist, so no session opens; after it, the user is refused on IPv4
    # and IPv6, while the agent (root) and ssm-user are still answered.
    assert answers(result) == [
        "NO-SESSION",
        "REFUSED",
        "REFUSED",
        "role-credentials",
        "role-credentials",
        "role-credentials",
    ]


@needs_root
def test_the_rule_covers_every_run_as_user_and_is_loaded_again_at_boot(instance):
    instance.script.write_text(run_as_user_script([USER, "third-party-b"]))
    result = instance.run_with_imds(
        f"bash {instance.script} >/dev/null && bash {instance.script} >/dev/null"
        # A reboot: the running rules are gone, then the nftables service loads its configuration.
        " && nft flush ruleset && conf=/etc/sysconfig/nftables.conf && { [ -e $conf ] || conf=/etc/nftables.conf; }"
        f" && nft -f $conf && {instance.fetch(IMDS_V4, USER)} && {instance.fetch(IMDS_V4, 'third-party-b')}"
        f" && {instance.fetch(IMDS_V4)}"
    )
    assert answers(result) == ["REFUSED", "REFUSED", "role-credentials"]
    assert sorted(instance.group_members(RUN_AS_GROUP)) == [USER, "third-party-b"]


def test_the_association_runs_each_platforms_script_whole():
    script = run_as_user_script([USER])
    assert COMMON_SCRIPT.read_text() + 'case "$(uname -s)" in' in script
    assert f"\n*)\n{SCRIPT.read_text()};;\nesac\n" in script
    assert f"\nDarwin)\n{MACOS_SCRIPT.read_text()};;\n" in script


# -- access ends on the instance: grant, revoke, move, expire ------------------------------------------

REMOVED = ".third-party-ec2-access-removed"
"""Where, under /home, the script keeps removed users' homes and the record of their uids."""


def heartbeat(user: str) -> str:
    return f"/var/tmp/beat-{user}"  # noqa: S108 (the namespace's own /var/tmp)


def leave_behind(user: str) -> str:
    """What a party leaves on the instance from a session: a process that hops PIDs (its heartbeat begun, so it
    runs), and a crontab."""
    return (
        f"{session(user, pid_hopper(heartbeat(user)))} && wait_until test -s {heartbeat(user)}"
        f" && echo '* * * * * curl evil.example' > /var/spool/cron/crontabs/{user}"
    )


def report(user: str) -> str:
    """Prints whether a session as ``user`` opens, and whether what it left behind still runs."""
    opened = f"$({session(user, 'echo opened')} 2>/dev/null || echo refused)"
    return f'echo "{user}: session $(echo {opened}), processes $({still_running(heartbeat(user))})"'


BUSY = (
    f"useradd ops && for i in $(seq {BUSY_MACHINE // 3}); do setpriv --reuid=ops --regid=ops --clear-groups"
    f" sleep 600 & done && for i in $(seq {BUSY_MACHINE - BUSY_MACHINE // 3}); do sleep 600 & done"
)
"""The other processes of an instance: root's, and those of a user the stack did not make."""
OTHERS_LEFT = "echo others=$(($(pgrep -c -u ops) + $(pgrep -c -u root -x sleep)))"


def process_of(user: str, groups: str = "--init-groups") -> str:
    """A shell command that starts a long-running process as ``user`` (a name, or a bare uid with ``groups``
    --clear-groups), outside any session, and waits until it runs."""
    return (
        f"(setpriv --reuid={user} --regid={user} {groups} nohup sleep 600 >/dev/null 2>&1 &)"
        f" && wait_until pgrep -u {user} -x sleep"
    )


def assert_removed(system: PrivateSystem, user: str, uid: int) -> None:
    """No such user any more; its home kept root-only under a new name; its uid recorded, root-only."""
    assert f"{user}:" not in (system.etc / "passwd").read_text()
    assert user not in system.group_members(RUN_AS_GROUP)
    assert not (system.home / user).exists()
    removed = system.home / REMOVED
    (kept,) = [path for path in removed.iterdir() if path.name.startswith(f"{user}.uid{uid}.")]
    for path in (removed, kept):
        assert (path.stat().st_uid, path.stat().st_gid, path.stat().st_mode & 0o777) == (0, 0, 0o700), path
    record = removed / "removed-users"
    assert (record.stat().st_uid, record.stat().st_mode & 0o777) == (0, 0o600)
    assert f" removed user={user} uid={uid} " in record.read_text()


@needs_root
def test_a_locked_account_still_gets_a_session_as_the_agent_opens_one(system):
    # What the tests' sessions stand for: `su` refuses a locked, expired account without a shell; SSM Agent
    # does not (no PAM, no login shell), so only a user that no longer exists is a closed door. (su waits
    # login.defs' FAIL_DELAY, a second unless set, before it says no: this system says no at once.)
    (system.etc / "login.defs").write_text((system.etc / "login.defs").read_text() + "FAIL_DELAY 0\n")
    result = system.run(
        f"useradd --create-home {USER} && usermod --lock --expiredate 1 --shell /sbin/nologin {USER}"
        f" && {{ su --shell /bin/sh {USER} --command 'echo su-opened' 2>/dev/null || echo su-refused; }}"
        f" && {session(USER, 'echo session-as-$(id -un)')}"
        f" && userdel {USER} && {{ {session(USER, 'echo opened')} || echo no-session; }}"
    )
    assert result.stdout.split() == ["su-refused", f"session-as-{USER}", "no-session"], result.stderr
    assert f"RunAs user {USER} does not exist" in result.stderr


@needs_root
def test_running_it_again_converges_and_leaves_a_granted_user_usable_and_running(granted):
    result = granted.run(f"{leave_behind(USER)} && bash {scripts(granted, **{USER: FUTURE})[USER]} && {report(USER)}")
    assert result.returncode == 0, result.stderr
    assert f"{USER}: session opened, processes running" in result.stdout  # a granted user's work is not touched
    users = [line.split(":")[0] for line in (granted.etc / "passwd").read_text().splitlines()]
    assert users.count(USER) == 1, "running it again made a second user"
    assert granted.passwd_entry()[6] == "/bin/bash"
    assert (granted.spool / "cron" / "crontabs" / USER).exists()


@needs_root
def test_moving_the_grant_to_another_party_removes_the_old_user_and_ends_all_it_left(granted):
    # Moved to B (re-tagged), or revoked (A's association gone): the instance's next run of any grant, B's,
    # converges it. Among the instance's other processes, the old party's user left one that hops PIDs.
    uid = int(granted.passwd_entry(USER)[2])
    other = scripts(granted, **{"third-party-b": FUTURE})["third-party-b"]
    result = granted.run(f"{BUSY} && {leave_behind(USER)} && bash {other} && {report(USER)} && {OTHERS_LEFT}")
    assert result.returncode == 0, result.stderr
    assert f"{USER} is removed (uid {uid})" in result.stdout
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert f"others={BUSY_MACHINE}" in result.stdout  # no one else's
    assert_removed(granted, USER, uid)
    assert not (granted.spool / "cron" / "crontabs" / USER).exists()
    assert "third-party-b" in granted.group_members(RUN_AS_GROUP)


@needs_root
def test_after_its_expiry_the_partys_own_run_removes_its_user_and_no_other(granted):
    # ops: a regular account of the instance that no grant names, running a process.
    uid = int(granted.passwd_entry(USER)[2])
    result = granted.run(
        f"useradd --create-home ops && {process_of('ops')} && {leave_behind(USER)}"
        f" && bash {scripts(granted, **{USER: PAST})[USER]} && {report(USER)}"
        " && echo ops=$(pgrep -c -u ops || true)"
    )
    assert result.returncode == 0, result.stderr
    assert "access expired" in result.stdout
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert_removed(granted, USER, uid)
    assert "ops=1" in result.stdout, "a process of a user no grant names was ended"
    assert granted.shadow_entry("ops")[7] == "", "a user no grant names was given an expiry"


@needs_root
def test_a_new_grant_makes_the_user_afresh(granted):
    old_uid = int(granted.passwd_entry(USER)[2])
    (granted.home / USER / "notes").write_text("the first grant's")
    expired = granted.run(f"bash {scripts(granted, **{USER: PAST})[USER]}")
    assert expired.returncode == 0, expired.stderr
    new_uid = granted_first(granted, USER)[USER]
    assert new_uid > old_uid  # never a removed user's uid: an old uid names one person only
    assert not (granted.home / USER / "notes").exists()  # a fresh home; the old one is kept apart, root-only
    (kept,) = (granted.home / REMOVED).glob(f"{USER}.uid{old_uid}.*")
    assert (kept / "notes").read_text() == "the first grant's"
    result = granted.run(session(USER, "id -u"))
    assert result.stdout.strip() == str(new_uid), result.stderr


@needs_root
def test_a_user_it_made_is_removed_even_out_of_the_group(granted):
    # Found by the name it gave the user, should the group have lost it.
    uid = int(granted.passwd_entry(USER)[2])
    other = scripts(granted, **{"third-party-b": FUTURE})["third-party-b"]
    result = granted.run(f"gpasswd --delete {USER} {RUN_AS_GROUP} && bash {other}")
    assert result.returncode == 0, result.stderr
    assert_removed(granted, USER, uid)


# -- failing closed: whatever goes wrong, every lockout happens --------------------------------------------

EVERYONE_MAY_SUDO = "echo 'ALL ALL=(root) NOPASSWD: /usr/bin/true' > /etc/sudoers.d/everyone"
"""An unrelated sudo rule naming ALL: it grants every user something, the Run As users included."""


@needs_root
@needs_sudo
def test_a_sudo_rule_for_everyone_does_not_stop_the_lockouts(granted):
    uid = int(granted.passwd_entry(USER)[2])
    other = scripts(granted, **{"third-party-b": FUTURE})["third-party-b"]
    result = granted.run(
        f"{EVERYONE_MAY_SUDO} && {leave_behind(USER)} && {{ bash {other}; echo status=$?; }}"
        f" && {report(USER)} && {report('third-party-b')}"
    )
    assert "status=1" in result.stdout
    assert "third-party-b can still use sudo through another rule" in result.stderr
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert_removed(granted, USER, uid)
    assert "third-party-b: session refused" in result.stdout  # nor is a user that can sudo left usable


@needs_root
@needs_sudo
def test_an_expired_grant_is_never_let_in_again(granted):
    uid = int(granted.passwd_entry(USER)[2])
    expired = scripts(granted, **{USER: PAST})[USER]
    result = granted.run(f"{EVERYONE_MAY_SUDO} && {leave_behind(USER)} && bash {expired} && {report(USER)}")
    assert result.returncode == 0, result.stderr
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert_removed(granted, USER, uid)


@needs_root
def test_an_expiry_it_cannot_read_counts_as_passed(granted):
    uid = int(granted.passwd_entry(USER)[2])
    script = granted.script.with_name("garbled.sh")
    script.write_text(
        run_as_user_script([USER], FUTURE).replace(f"expires='{FUTURE:%Y-%m-%dT%H:%M:%SZ}'", "expires='soon'")
    )
    result = granted.run(f"bash {script}")
    assert result.returncode == 1
    assert "cannot read the expiry soon: treated as passed" in result.stderr
    assert_removed(granted, USER, uid)


@needs_root
def test_with_nft_failing_the_lockouts_happen_and_no_user_is_made(granted):
    uid = int(granted.passwd_entry(USER)[2])
    other = scripts(granted, **{"third-party-b": FUTURE})["third-party-b"]
    result = granted.run(
        # nft broken: what stands where it was cannot be run.
        f"mount --bind /dev/null $(command -v nft) && {leave_behind(USER)} && {{ bash {other}; echo status=$?; }}"
        f" && {report(USER)}"
    )
    assert "status=1" in result.stdout
    assert "cannot refuse third-party-b the instance metadata service, so none is made" in result.stderr
    assert f"{USER}: session refused, processes ended" in result.stdout
    assert_removed(granted, USER, uid)
    assert "third-party-b:" not in (granted.etc / "passwd").read_text()


@needs_root
def test_without_nft_the_user_is_never_made(system):
    result = system.run(
        # Every command of the machine but nft (/usr/bin's where both have one), linked by two ln, not one a
        # tool, in memory (a tmpfs), where making 1,200 links costs a tenth of what it costs on disk.
        "mkdir /var/tmp/bin && mount -t tmpfs tmpfs /var/tmp/bin && ln -s /usr/bin/* /var/tmp/bin/"
        ' && for tool in /usr/sbin/*; do [ -e "/var/tmp/bin/${tool##*/}" ] || sbin+=("$tool"); done'
        ' && ln -s "${sbin[@]}" /var/tmp/bin/ && rm -f /var/tmp/bin/nft'
        f" && PATH=/var/tmp/bin bash {scripts(system, **{USER: FUTURE})[USER]}"
    )
    assert result.returncode != 0
    assert "nft is missing" in result.stderr
    assert f"{USER}:" not in (system.etc / "passwd").read_text()


# -- groups: a session has the user's own group and the Run As group, nothing else -----------------------------


@needs_root
def test_a_sessions_only_groups_are_its_own_and_the_run_as_group(system):
    # A user an earlier run made, since given administrator groups, a password and a sudo rule: all taken away.
    script = scripts(system, **{USER: FUTURE})[USER]
    result = system.run(
        "for group in wheel docker disk; do getent group $group >/dev/null || groupadd $group; done"
        f" && useradd --create-home --groups wheel,adm,docker,disk --password x {MADE_HERE} {USER}"
        f" && mkdir -p /etc/sudoers.d && echo '{USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/{USER}"
        f" && bash {script} && {session(USER, 'echo groups=$(id -G)')}"
    )
    assert result.returncode == 0, result.stderr
    names = {line.split(":")[2]: line.split(":")[0] for line in (system.etc / "group").read_text().splitlines()}
    (listed,) = [line.removeprefix("groups=") for line in result.stdout.splitlines() if line.startswith("groups=")]
    assert sorted(names[gid] for gid in listed.split()) == sorted([USER, RUN_AS_GROUP])
    for group in ("wheel", "adm"):
        assert USER not in system.group_members(group), f"still a member of {group}"
    assert not (system.etc / "sudoers.d" / USER).exists(), "its sudo rule is left"
    assert system.password_field().startswith("!"), "its password is left usable"


# -- one OS user per person: each of a party's people, and only those still listed ----------------------

ALICE, BOB = "tpb-alice", "tpb-bob"


@needs_root
def test_each_person_gets_a_plain_user_of_their_own_refused_imds_and_one_no_longer_listed_is_removed(instance):
    # The party's grant lists alice and bob; then alice alone: bob is removed, and alice keeps working.
    both, alice_only = instance.script.with_name("both.sh"), instance.script.with_name("alice.sh")
    both.write_text(run_as_user_script([ALICE, BOB], FUTURE))
    alice_only.write_text(run_as_user_script([ALICE], FUTURE))
    first = instance.run_with_imds(
        f"bash {both} >/dev/null && {instance.fetch(IMDS_V4, ALICE)} && {instance.fetch(IMDS_V4, BOB)}"
        f" && {instance.fetch(IMDS_V4)}"
    )
    assert answers(first) == ["REFUSED", "REFUSED", "role-credentials"]
    uids = {instance.passwd_entry(user)[2] for user in (ALICE, BOB)}
    assert len(uids) == 2  # their files and processes tell them apart
    for user in (ALICE, BOB):
        assert instance.passwd_entry(user)[6] == "/bin/bash"
        assert (instance.home / user).is_dir()
    assert sorted(instance.group_members(RUN_AS_GROUP)) == [ALICE, BOB]
    bobs_uid = int(instance.passwd_entry(BOB)[2])
    result = instance.run(
        f"{leave_behind(ALICE)} && {leave_behind(BOB)} && bash {alice_only} && {report(ALICE)} && {report(BOB)}"
    )
    assert result.returncode == 0, result.stderr
    assert f"{BOB} is removed (uid {bobs_uid})" in result.stdout
    assert f"{ALICE}: session opened, processes running" in result.stdout
    assert f"{BOB}: session refused, processes ended" in result.stdout
    assert_removed(instance, BOB, bobs_uid)  # his home kept, root-only: his files still name his uid


@needs_root
def test_a_people_list_cannot_smuggle_a_system_account(granted):
    # USER, another party's, is granted here no more.
    script = granted.script.with_name("people.sh")
    script.write_text(run_as_user_script([ALICE, "svc-daemon"], FUTURE))
    result = granted.run(f"useradd --system svc-daemon && bash {script}")
    assert result.returncode != 0
    assert "refusing to manage svc-daemon: it is a system account" in result.stderr
    assert "svc-daemon" not in granted.group_members(RUN_AS_GROUP)
    assert int(granted.passwd_entry("svc-daemon")[2]) < 1000  # untouched
    assert f"{USER}:" not in (granted.etc / "passwd").read_text()  # and the lockouts happened all the same


def test_names_that_are_not_linux_users_never_reach_the_script():
    with pytest.raises(ValueError, match="not Linux user names"):
        run_as_user_script([ALICE, "x'; rm -rf / #"])
    with pytest.raises(ValueError, match="at least one"):
        run_as_user_script([])


# -- subordinate ids: none for a Run As user, so no uid of hers escapes the firewall or the removal ---------------

SUBORDINATE = "100005"
"""A uid in the range useradd gives the first user (SUB_UID_MIN 100000): newuidmap would let her run as it."""
RUN_AS_SUBORDINATE = process_of(SUBORDINATE, "--clear-groups")
"""What she starts in a user namespace newuidmap mapped onto her subordinate range: to the kernel (the firewall's
skuid, kill(2)), a process of uid 100005. (newuidmap is not installed here: the process is started as root.)"""


def subordinate_lines(system: PrivateSystem, user: str) -> list[str]:
    return [
        line
        for name in ("subuid", "subgid")
        for line in (system.etc / name).read_text().splitlines()
        if line.split(":")[0] == user
    ]


@pytest.fixture
def with_subordinate_ids(system) -> PrivateSystem:
    """/etc/subuid and /etc/subgid present and SUB_UID_COUNT set, as on Fedora-family images: useradd gives
    every new regular user a range."""
    for name in ("subuid", "subgid"):
        (system.etc / name).write_text("")
    defs = system.etc / "login.defs"
    kept = [line for line in defs.read_text().splitlines() if not line.startswith(("SUB_UID_COUNT", "SUB_GID_COUNT"))]
    defs.write_text("\n".join([*kept, "SUB_UID_COUNT 65536", "SUB_GID_COUNT 65536", ""]))
    return system


@needs_root
def test_a_user_an_earlier_version_made_loses_its_subordinate_ids_and_what_ran_as_them(with_subordinate_ids):
    system = with_subordinate_ids
    result = system.run_script(
        before=f"useradd --create-home {MADE_HERE} {USER} && {RUN_AS_SUBORDINATE} && bash {system.script}"
        f" && echo subordinate=$(pgrep -c -u {SUBORDINATE} || true) && {session(USER, 'echo opened')}",
    )
    assert result.returncode == 0, result.stderr
    assert subordinate_lines(system, USER) == []
    assert "subordinate=0" in result.stdout  # what ran as her range (outside the firewall's rule) ended
    assert f"{USER}: its subordinate ids are taken away" in result.stdout
    assert "opened" in result.stdout  # and she is still granted


@needs_root
def test_removing_a_user_ends_what_ran_as_its_subordinate_uids_and_the_user_it_makes_gets_none(with_subordinate_ids):
    # USER, made by an earlier version, has the first range (SUBORDINATE's) and runs a process as it; ops, made
    # after, the next. Third-party-b's grant removes USER and makes third-party-b.
    system = with_subordinate_ids
    other = scripts(system, **{"third-party-b": FUTURE})["third-party-b"]
    result = system.run(
        f"useradd --create-home {MADE_HERE} {USER} && usermod --append --groups $(groupadd {RUN_AS_GROUP} && echo"
        f" {RUN_AS_GROUP}) {USER} && useradd ops && {RUN_AS_SUBORDINATE} && bash {other}"
        f" && echo subordinate=$(pgrep -c -u {SUBORDINATE} || true)"
    )
    assert result.returncode == 0, result.stderr
    assert f"{USER} is removed" in result.stdout
    assert "subordinate=0" in result.stdout, "what ran as the removed user's subordinate uids still runs"
    assert subordinate_lines(system, "ops") == ["ops:165536:65536"] * 2, "the setup gives no ranges"
    assert subordinate_lines(system, USER) == [], "the removed user's range is left"
    assert subordinate_lines(system, "third-party-b") == [], "the user it made has subordinate ids"
    # useradd gave it none, so there was nothing to take away
    assert "third-party-b: its subordinate ids are taken away" not in result.stdout


# -- a removal that fails half-way: its uid recorded first, and finished by the next run ---------------------------


def failing_mv(homes: str) -> str:
    """A stand-in mv that fails to move a home out of ``homes`` while /var/tmp/mv-fails exists (a full disk,
    say), and is mv otherwise."""
    return (
        "#!/bin/sh\n"
        f'case "$1" in {homes}/*) [ ! -e /var/tmp/mv-fails ] || {{ echo "mv: No space left" >&2; exit 1; }} ;; esac\n'
        'exec /bin/mv "$@"\n'
    )


@needs_root
def test_a_removal_that_fails_after_userdel_keeps_its_uid_and_the_next_run_finishes_it(system):
    alices_uid = granted_first(system, ALICE)[ALICE]
    (system.home / ALICE / "notes").write_text("alice's")
    (system.tmp / "bin").mkdir()
    (system.tmp / "bin" / "mv").write_text(failing_mv("/home"))
    (system.tmp / "bin" / "mv").chmod(0o755)
    (system.tmp / "mv-fails").write_text("")
    bob_only, both = system.script.with_name("bob.sh"), system.script.with_name("both.sh")
    bob_only.write_text(run_as_user_script([BOB], FUTURE))
    both.write_text(run_as_user_script([ALICE, BOB], FUTURE))
    failing = system.run(f"PATH=/var/tmp/bin:$PATH bash {bob_only}")
    assert failing.returncode == 1
    assert f"{ALICE}: home /home/{ALICE} not kept" in failing.stderr
    bobs_uid = int(system.passwd_entry(BOB)[2])
    assert bobs_uid > alices_uid  # not hers: her home and files still name her uid
    record = (system.home / REMOVED / "removed-users").read_text()
    assert f" removing user={ALICE} uid={alices_uid} " in record
    # Granted again while her old home is still in place: not made until that removal is done.
    again = system.run(f"PATH=/var/tmp/bin:$PATH bash {both}")
    assert again.returncode == 1
    assert f"refusing to manage {ALICE}: the removal of its earlier user is not finished" in again.stderr
    assert f"{ALICE}:" not in (system.etc / "passwd").read_text()
    (system.tmp / "mv-fails").unlink()
    finished = system.run(f"bash {both}")
    assert finished.returncode == 0, finished.stderr
    assert f"{ALICE} is removed (uid {alices_uid})" in finished.stdout
    (kept,) = (system.home / REMOVED).glob(f"{ALICE}.uid{alices_uid}.*")
    assert (kept / "notes").read_text() == "alice's"
    assert int(system.passwd_entry(ALICE)[2]) > bobs_uid
    assert not (system.home / ALICE / "notes").exists()


@needs_root
def test_once_the_last_regular_uid_is_taken_it_refuses_to_plan_one_rather_than_collide(system):
    first = system.run(f"useradd --uid 59999 ops && bash {scripts(system, **{ALICE: FUTURE})[ALICE]}")
    assert first.returncode == 0, first.stderr
    assert int(system.passwd_entry(ALICE)[2]) == 60000  # UID_MAX: the last id useradd gives a regular user
    script = system.script.with_name("people.sh")
    script.write_text(run_as_user_script([ALICE, BOB], FUTURE))
    result = system.run(f"bash {script}")
    assert result.returncode == 1
    assert f"no uid is left for {BOB}: every one from 1000 to 60000 is in use or was given out before" in result.stderr
    assert f"{BOB}:" not in (system.etc / "passwd").read_text()
    assert ALICE in system.group_members(RUN_AS_GROUP)  # the others are still granted


# -- an account the product did not make is never taken over, nor deleted ----------------------------------------


@needs_root
def test_accounts_of_the_instance_are_never_taken_over_nor_touched_and_the_other_removals_happen(granted):
    # deploy, an account of the instance that a grant names, running a process (one no grant names: the expiry
    # test above).
    uid = int(granted.passwd_entry(USER)[2])
    deploy = scripts(granted, deploy=FUTURE)["deploy"]
    expired = granted.script.with_name("deploy-expired.sh")
    expired.write_text(run_as_user_script(["deploy"], PAST))
    result = granted.run(
        "(getent group docker >/dev/null || groupadd docker) && useradd --create-home --groups docker deploy"
        f" && {process_of('deploy')}"
        f" && {{ bash {deploy}; echo status=$?; }} && {{ bash {expired}; echo status=$?; }}"
        " && echo deploy=$(pgrep -c -u deploy || true)"
    )
    assert result.stdout.count("status=1") == 2, result.stderr
    assert (
        "refusing to manage deploy: this product did not make it"
        " (its comment is not 'third-party-ec2-access Run As user')" in result.stderr
    )
    assert "refusing to remove deploy: this product did not make it" in result.stderr
    assert "deploy" in granted.group_members("docker")  # its groups as they were
    assert "deploy" not in granted.group_members(RUN_AS_GROUP)
    assert "deploy=1" in result.stdout  # its processes left alone
    assert (granted.home / "deploy").is_dir()
    assert_removed(granted, USER, uid)  # the other party's user is removed all the same
