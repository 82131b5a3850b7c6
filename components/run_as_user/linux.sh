# shellcheck shell=bash
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
# crontab and at-jobs go, its home is kept root-only in "$removed" and its uid recorded there (first, so a
# removal that fails half-way is finished by the next run). Then, unless expired, each granted user is made a
# plain user (no password, no sudo, no group but "$run_as_group", no subordinate ids) that cannot reach the
# instance metadata service; an existing user this product did not make is refused, never taken over. Errors are reported and counted; the exit status is non-zero
# once all of this was tried.
# common.sh, ahead of this file, sets the shell options and defines the functions called below; read from the
# lines before this file: the settings' Run As group and common.sh's comment.
: "${run_as_group:?}" "${comment:?}"

# shellcheck disable=SC2034  # common.sh's next_free_uid, plan_uids and not_ours read it
first_regular_uid=1000             # Amazon Linux gives regular users ids from 1000; below are system accounts
# The last id useradd gives a regular user (UID_MAX, man login.defs); ids above are left to the system.
last_regular_uid=$(awk '$1 == "UID_MAX" { print $2 }' /etc/login.defs 2>/dev/null)
last_regular_uid=${last_regular_uid:-60000}
homes=/home
# shellcheck disable=SC2034  # common.sh's next_free_uid and keep_home_of read it
removed="$homes/.third-party-ec2-access-removed"
rules=/etc/nftables/third-party-ec2-access.nft

epoch_of() { date -u -d "$1" +%s; }

comment_of() { getent passwd "$1" | cut -d: -f5; }

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
  local user=$1 uid gid home said why subuids recorded=true
  uid=$(id -u "$user" 2>/dev/null) || return 0
  gid=$(id -g "$user") && home=$(getent passwd "$user" | cut -d: -f6) || return 1
  why=$(not_ours "$user" "$uid")
  if [ -n "$why" ]; then
    echo "refusing to remove $user: $why" >&2
    return 1
  fi
  rm -f "/var/spool/cron/$user" "/var/spool/cron/crontabs/$user"
  remove_at_jobs_of "$user"
  # Its subordinate uids, read before userdel frees them: what it runs as them ends with it.
  subuids=$(subordinate_ranges uid "$user" "$uid")
  # Recorded before the account goes, so its uid is never given out again and a run that fails below is
  # finished by the next one; a record that cannot be written stops no lockout.
  # shellcheck disable=SC2086  # one range a word
  record_removal "$user" "$uid" "$gid" "$home" $subuids || recorded=false
  # Gone first, so `id` fails and no new session starts; then whatever it still runs ends, even if it could
  # not be deleted. (--force: it may still run processes, which end next, and userdel says so.)
  if ! said=$(userdel --force "$user" 2>&1); then
    echo "$said" >&2
    # shellcheck disable=SC2086
    end_processes_of "$uid" "$gid" $subuids || true
    return 1
  fi
  # shellcheck disable=SC2086
  finish_removal "$user" "$uid" "$gid" "$home" $subuids || return 1
  [ "$recorded" = true ] || { echo "$user (uid $uid): its removal could not be recorded" >&2; return 1; }
}

subordinate_ranges() {
  # The ranges FIRST-LAST that /etc/sub$1 ("uid" or "gid") gives user $2 (uid $3), one a line; a line names
  # its owner by name or by uid (man subuid).
  awk -F: -v user="$2" -v uid="$3" '($1 == user || $1 == uid) && $3 > 0 { printf "%.0f-%.0f\n", $2, $2 + $3 - 1 }' \
    "/etc/sub$1" 2>/dev/null || true
}

drop_subordinate_ids() {
  # Takes every subordinate uid and gid from user $1 (uid $2, gid $3). With them, newuidmap and newgidmap let
  # it run processes as uids that the firewall (it names the user's own uid) and the kill sent as its uid
  # never reach, and userdel would hand the same range to the next user. useradd gives none to the users made
  # now (grant_user); this takes those an earlier version's useradd gave. usermod edits /etc/subuid and
  # /etc/subgid under shadow's own locks (man usermod: --del-subuids). A user namespace keeps its mapping while
  # a process of it lives, so everything the user runs ends, once.
  local user=$1 uid=$2 gid=$3 subuids range dropping=()
  subuids=$(subordinate_ranges uid "$user" "$uid")
  for range in $subuids; do dropping+=(--del-subuids "$range"); done
  for range in $(subordinate_ranges gid "$user" "$uid"); do dropping+=(--del-subgids "$range"); done
  [ "${#dropping[@]}" -gt 0 ] || return 0
  usermod "${dropping[@]}" "$user" || return 1
  if [ -n "$(subordinate_ranges uid "$user" "$uid")$(subordinate_ranges gid "$user" "$uid")" ]; then
    echo "$user: /etc/subuid or /etc/subgid still gives it subordinate ids (a line naming its uid $uid)" >&2
    return 1
  fi
  # shellcheck disable=SC2086  # one range a word
  end_processes_of "$uid" "$gid" $subuids || { echo "$user (uid $uid): processes still running" >&2; return 1; }
  echo "$user: its subordinate ids are taken away, and every process it ran ended"
}

uids_in_use() { getent passwd | cut -d: -f3; }

firewall() {
  : "${run_as_uids?}"  # planned by common.sh's plan_uids, just before
  # No instance metadata for any Run As user: its credentials are the instance role's. The agent (root) and
  # ssm-user keep their access. The rule set is rebuilt on every run, applied now, and loaded again at boot
  # by the nftables service. TCP is refused with a reset, at once: a plain reject answers with ICMP, which a
  # connecting client waits out (a second here), so every SDK in the shell would hang on its IMDS probe.
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
    meta skuid @run_as_users ip daddr 169.254.169.254 meta l4proto tcp reject with tcp reset
    meta skuid @run_as_users ip daddr 169.254.169.254 reject
    meta skuid @run_as_users ip6 daddr fd00:ec2::254 meta l4proto tcp reject with tcp reset
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
    # No subordinate ids (SUB_UID_COUNT=0 and SUB_GID_COUNT=0 for this useradd only, man useradd -K; honoured
    # from shadow 4.9, "Fix useradd with SUB_UID_COUNT=0"; drop_subordinate_ids, below, covers any older one).
    useradd -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 --uid "$(planned_uid_of "$user")" --user-group --create-home \
      --shell /bin/bash --comment "$comment" "$user" || return 1
  fi
  # Sessions are the only way in: no password, no sudo rule. Its own group, and no other but the Run As
  # group: whatever it was in before (wheel, docker, adm...) is gone, since the agent gives a session every
  # group `id` lists.
  { getent group "$user" >/dev/null || groupadd "$user"; } &&
    usermod --lock --expiredate '' --shell /bin/bash --gid "$user" --groups "$run_as_group" "$user" &&
    drop_subordinate_ids "$user" "$(id -u "$user")" "$(id -g "$user")"
}

converge
