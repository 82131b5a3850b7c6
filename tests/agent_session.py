"""Sessions on an instance, opened the way SSM Agent opens a Run As session, and a process that outlives one.

SSM Agent (aws/amazon-ssm-agent, agent/session/shell/shell_unix.go, StartCommandExecutor) checks the Run As user
with ``sh -c "id <user>"`` (agent/session/utility/utility_unix.go, DoesUserExist) and fails the session when that
fails; otherwise it reads the uid (``id -u``), the gid (``id -g``) and the groups (the ids in the ``groups=`` part
of ``id <user>``, getUserCredentials), and starts ``sh`` with exactly those credentials and ``HOME=/home/<user>``
(``/Users/`` on macOS, constants_darwin.go). No PAM, no login shell, no account expiry: a locked or expired
account, or one whose shell is ``/sbin/nologin``, still gets a shell. ``open_session`` below does the same with
``setpriv``, so a test that opens a session this way proves what the agent would let through.
"""

from __future__ import annotations

import shlex

OPEN_SESSION = r"""
# open_session USER COMMAND: runs COMMAND as SSM Agent runs a Run As session, or fails as the agent fails it.
open_session() {
  local user=$1 command=$2 uid gid groups home=/home/
  if ! sh -c "id $user" >/dev/null 2>&1; then
    echo "no session: RunAs user $user does not exist" >&2
    return 1
  fi
  uid=$(sh -c "id -u $user") gid=$(sh -c "id -g $user")
  groups=$(sh -c "id $user" | sed -n 's/.*groups=//p' | tr ',' '\n' | sed 's/(.*//' | paste -sd, -)
  [ "$(uname -s)" != Darwin ] || home=/Users/
  if [ "$uid" -le 0 ] || [ "$gid" -le 0 ]; then
    echo "no session: invalid uid and gid" >&2
    return 1
  fi
  HOME="$home$user" TERM=xterm-256color setpriv --reuid="$uid" --regid="$gid" --groups="$groups" -- sh -c "$command"
}
"""
"""A shell function each namespace test sources: the one way the tests open a session."""


def session(user: str, command: str) -> str:
    """A shell command running ``command`` in a session as ``user``, opened as SSM Agent opens it."""
    return f"open_session {user} {shlex.quote(command)}"


def pid_hopper(heartbeat: str) -> str:
    """A shell command starting a process that forks a successor and exits, over and over, each appending a
    byte to ``heartbeat`` (so a test can tell it still runs, which a list of PIDs may miss): the process a
    session leaves behind that a snapshot of PIDs (pkill) does not end. Each successor is a fork of the same
    shell (a subshell), which costs the machine a fraction of a new bash; it calls ``hop`` one level deeper,
    so after some thousands of hops (half a minute or more) bash's own stack ends it. A test asks about it
    within seconds, a few hundred hops."""
    hop = f"hop() {{ sleep 0.005; printf . >> {heartbeat}; hop & }}; hop &"
    return f"bash -c {shlex.quote(hop)} >/dev/null 2>&1 </dev/null"


def still_running(heartbeat: str) -> str:
    """A shell command printing ``running`` as soon as the hopper writing ``heartbeat`` writes again, or
    ``ended`` if it writes nothing for a quarter of a second: a running hopper writes every few milliseconds."""
    return (
        f"before=$(wc -c < {heartbeat} 2>/dev/null || echo 0); state=ended;"
        " for ((tries = 0; tries < 25; tries++)); do sleep 0.01;"
        f' if [ "$(wc -c < {heartbeat} 2>/dev/null || echo 0)" != "$before" ]; then state=running; break; fi;'
        ' done; echo "$state"'
    )


BUSY_MACHINE = 150
"""How many other processes run on the instance while a user's are ended (an instance runs about this many)."""
