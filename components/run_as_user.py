"""The Run As OS user: the shell script that creates it, converging on every run."""

from __future__ import annotations

RUN_AS_USER_SCHEDULE = "rate(30 minutes)"
"""How often State Manager re-applies the script, so a new or re-tagged instance gets the user."""

FIRST_REGULAR_UID = 1000
"""Amazon Linux gives regular users ids from 1000; below that are system accounts."""


def run_as_user_script(user: str) -> str:
    """Shell commands that leave ``user`` a plain user: a home, a shell, no password, no sudo.

    Safe to run any number of times. It refuses to touch a system account of the same name. The
    user name is validated by the config module (``[a-z_][a-z0-9_-]*``), so it needs no quoting
    beyond the single quotes below.
    """
    return f"""set -euo pipefail
user='{user}'
if id -u "$user" >/dev/null 2>&1; then
  if [ "$(id -u "$user")" -lt {FIRST_REGULAR_UID} ]; then
    echo "refusing to manage $user: it is a system account" >&2
    exit 1
  fi
else
  useradd --create-home --shell /bin/bash --comment 'third-party-ec2-access Run As user' "$user"
fi
# Sessions are the only way in: no password, no membership of an administrators' group, no sudo rule.
usermod --lock "$user"
for group in wheel sudo adm; do
  if getent group "$group" | cut -d: -f4 | tr ',' '\\n' | grep -qx "$user"; then
    gpasswd --delete "$user" "$group" >/dev/null
  fi
done
rm -f "/etc/sudoers.d/$user"
if sudo --non-interactive --list --other-user "$user" 2>/dev/null | grep -q 'may run the following'; then
  echo "$user can still use sudo through another rule" >&2
  exit 1
fi
echo "$user is a plain user"
"""
