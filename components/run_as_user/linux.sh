# Converges an instance on its grant. "$users" are the Run As users of the party granted the instance (its
# one shared user, or one per person), until "$expires" (ISO-8601 UTC, empty for never); "$run_as_group"
# holds every Run As user this product makes, and no one else. components/run_as_user/converge_script.py sets the three on
# the lines before this file. Run as root by State Manager (on every change of the grants, and every 30
# minutes) and at first boot (user data); safe to run again.
#
# Lockouts first, whatever else fails: every Run As user no longer granted here (another party's, a person no
# longer listed, or the party's own once "$expires" has passed) is removed, because Session Manager's Run As
# opens a shell for any user that exists ("Turn on Run As support for Linux and macOS managed nodes"; the
# agent runs `id <user>`, then `sh` with the user's uid, gid and groups, without PAM: a locked or expired
# account is no closed door, aws/amazon-ssm-agent agent/session/shell/shell_unix.go). Its processes end, its
# crontab and at-jobs go, its home is kept root-only in "$removed" and its uid recorded there. Then, unless
# expired, each granted user is made a plain user (no password, no sudo, no group but "$run_as_group") that
# cannot reach the instance metadata service. Errors are reported and counted; the exit status is non-zero
# once all of this was tried.
set -euo pipefail

first_regular_uid=1000             # Amazon Linux gives regular users ids from 1000; below are system accounts
homes=/home
removed="$homes/.third-party-ec2-access-removed"
rules=/etc/nftables/third-party-ec2-access.nft

epoch_of() { date -u -d "$1" +%s; }

signal_every_process_as() {
  # bash's own kill: kill(1) of procps and of util-linux read "-1" differently.
  setpriv --reuid="$1" --regid="$2" --clear-groups bash -c 'kill -s KILL -- -1'
}

managed_users() {
  # Every Run As user this product made here: the group's members, and any user carrying its comment.
  { getent group "$run_as_group" | cut -d: -f4 | tr ',' '\n'
    getent passwd | awk -F: -v comment="$comment" '$5 == comment { print $1 }'; } | grep -v '^$' | sort -u || true
}

remove_user() {
  local user=$1 uid gid home said
  uid=$(id -u "$user" 2>/dev/null) || return 0
  gid=$(id -g "$user") && home=$(getent passwd "$user" | cut -d: -f6) || return 1
  if [ "$uid" -lt "$first_regular_uid" ]; then
    echo "refusing to remove $user: it is a system account" >&2
    return 1
  fi
  rm -f "/var/spool/cron/$user" "/var/spool/cron/crontabs/$user"
  remove_at_jobs_of "$user"
  # Gone first, so `id` fails and no new session starts; then whatever it still runs ends, even if it could
  # not be deleted. (--force: it may still run processes, which end next, and userdel says so.)
  if ! said=$(userdel --force "$user" 2>&1); then
    echo "$said" >&2
    end_processes_of "$uid" "$gid" || true
    return 1
  fi
  end_processes_of "$uid" "$gid" || { echo "$user (uid $uid): processes still running" >&2; return 1; }
  keep_home_of "$user" "$uid" "$gid" "$home" "$homes" || { echo "$user: home $home not kept" >&2; return 1; }
  echo "$user is removed (uid $uid)"
}

uids_in_use() { getent passwd | cut -d: -f3; }

firewall() {
  # No instance metadata for any Run As user: its credentials are the instance role's. The agent (root) and
  # ssm-user keep their access. The rule set is rebuilt on every run, applied now, and loaded again at boot
  # by the nftables service.
  if ! command -v nft >/dev/null 2>&1 && command -v dnf >/dev/null 2>&1; then
    dnf install --assumeyes --quiet nftables || return 1
  fi
  if ! command -v nft >/dev/null 2>&1; then
    echo "nft is missing" >&2
    return 1
  fi
  mkdir -p "$(dirname "$rules")" || return 1
  cat > "$rules.new" <<RULES || return 1
# Written by third-party-ec2-access: Run As users may not reach the instance metadata service.
table inet third_party_ec2_access
delete table inet third_party_ec2_access
table inet third_party_ec2_access {
  set run_as_users {
    type uid
    elements = { $run_as_uids }
  }
  chain output {
    type filter hook output priority 0; policy accept;
    meta skuid @run_as_users ip daddr 169.254.169.254 reject
    meta skuid @run_as_users ip6 daddr fd00:ec2::254 reject
  }
}
RULES
  nft -f "$rules.new" && mv "$rules.new" "$rules" || return 1
  local boot_config=/etc/sysconfig/nftables.conf
  [ -e "$boot_config" ] || [ ! -e /etc/nftables.conf ] || boot_config=/etc/nftables.conf
  grep -qxF "include \"$rules\"" "$boot_config" 2>/dev/null || echo "include \"$rules\"" >> "$boot_config" || return 1
  if [ -d /run/systemd/system ]; then
    systemctl enable --quiet nftables.service || return 1
  fi
}

grant_user() {
  local user=$1
  getent group "$run_as_group" >/dev/null || groupadd --system "$run_as_group" || return 1
  if ! id -u "$user" >/dev/null 2>&1; then
    useradd --uid "$(planned_uid_of "$user")" --user-group --create-home --shell /bin/bash --comment "$comment" \
      "$user" || return 1
  fi
  # Sessions are the only way in: no password, no sudo rule. Its own group, and no other but the Run As
  # group: whatever it was in before (wheel, docker, adm...) is gone, since the agent gives a session every
  # group `id` lists.
  { getent group "$user" >/dev/null || groupadd "$user"; } &&
    usermod --lock --expiredate '' --shell /bin/bash --comment "$comment" --gid "$user" --groups "$run_as_group" \
      "$user"
}

converge
