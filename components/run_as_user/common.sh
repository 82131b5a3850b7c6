# What both platforms' scripts do alike, and the order of a converge (converge, at the end). Each platform
# defines, before it calls converge: first_regular_uid; removed (the root-only directory that keeps removed
# users' homes and the record of their uids); epoch_of DATE (seconds since 1970 of an ISO-8601 UTC date);
# signal_every_process_as UID GID (kill(2) of pid -1 sent with that uid: every process it may signal, in one
# pass of the kernel); uids_in_use (one a line); managed_users (every Run As user this product made there);
# remove_user USER; firewall (refuses "$run_as_uids" the instance metadata service, live and at boot); and
# grant_user USER (makes it, or keeps it, a plain user in no group but "$run_as_group").
set -euo pipefail

comment='third-party-ec2-access Run As user'  # the name (GECOS, RealName) of every user this product makes
errors=0
error() {
  # Reported, counted, and the run goes on: every lockout happens whatever else fails; the exit status tells.
  echo "$*" >&2
  errors=$((errors + 1))
}

granted() {
  # Whether $1 is one of the granted users ("$users", separated by spaces).
  case " $users " in *" $1 "*) return 0 ;; esac
  return 1
}

expired() {
  # Whether "$expires" has passed; a date this machine cannot read counts as passed.
  local now end
  [ -n "$expires" ] || return 1
  now=$(date -u +%s)
  if ! end=$(epoch_of "$expires" 2>/dev/null); then
    error "cannot read the expiry $expires: treated as passed"
    return 0
  fi
  [ "$now" -ge "$end" ]
}

end_processes_of() {
  # Every process of uid $1 (gid $2) ends. kill(-1) sent as the uid reaches all of them in one pass of the
  # kernel, a child forked meanwhile included; a list of PIDs (pkill, ps) misses a process that forks a
  # successor and exits, so the signal goes first, and the list only tells whether anything started since
  # (or has yet to die). The dead (zombies, waiting for their parent) do not count. (grep reads all its input:
  # under pipefail a grep -q that stops early could fail the pipe; pgrep cannot leave zombies out on macOS.)
  local tries=0
  while :; do
    signal_every_process_as "$1" "$2" 2>/dev/null || true
    sleep 0.1
    # shellcheck disable=SC2009
    ps -U "$1" -o stat= 2>/dev/null | grep -v '^Z' >/dev/null || return 0
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || return 1
  done
}

remove_at_jobs_of() {
  if command -v atq >/dev/null 2>&1; then
    atq | awk -v owner="$1" '$NF == owner { print $1 }' | while read -r job; do atrm "$job"; done
  fi
}

next_free_uid() {
  # The uid for a new user: above every uid in use (on stdin, one a line) and every uid ever removed here, so
  # a new user never inherits a removed one's files, and an old uid names one person only.
  { cat; sed -n 's/.* uid=\([0-9]*\) .*/\1/p' "$removed/removed-users" 2>/dev/null || true; } |
    awk -v first="$first_regular_uid" '$1 >= first && $1 < 60000 && $1 > max { max = $1 }
      END { print (max ? max + 1 : first) }'
}

keep_home_of() {
  # Keeps a removed user's home ($1 user, $2 uid, $3 gid, $4 its home, $5 where homes are made) under
  # "$removed", root-only and renamed, and records which person the uid was. Only a home this product made
  # moves; any other stays where it is, and the record says so.
  local user=$1 uid=$2 gid=$3 home=$4 kept
  mkdir -p "$removed" && chmod 700 "$removed" || return 1
  kept="$removed/$user.uid$uid.$(date -u +%Y%m%dT%H%M%SZ)"
  if [ "$home" = "$5/$user" ] && [ -d "$home" ]; then
    mv "$home" "$kept" && chown 0:0 "$kept" && chmod 700 "$kept" || return 1
  else
    kept="left at $home"
  fi
  (umask 077 && echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) removed user=$user uid=$uid gid=$gid home=$kept" >> "$removed/removed-users")
}

can_sudo() {
  # (grep reads all: with pipefail, a grep -q that stops early could fail the pipe and hide a rule.)
  sudo --non-interactive --list --other-user "$1" 2>/dev/null | grep 'may run the following' >/dev/null
}

plan_uids() {
  # The uids the firewall refuses: every managed user's and each granted one's; a user still to be made gets
  # its uid now (planned_uid_of), so the rule names it before it exists.
  local next member uid uids=()
  next=$(uids_in_use | next_free_uid) || return 1
  planned_uids=
  for member in $({ managed_users; tr ' ' '\n' <<< "$granting"; } | grep -v '^$' | sort -u); do
    if uid=$(id -u "$member" 2>/dev/null); then
      uids+=("$uid")
    else
      planned_uids="$planned_uids $member=$next"
      uids+=("$next")
      next=$((next + 1))
    fi
  done
  run_as_uids=$(IFS=,; echo "${uids[*]}")
}

planned_uid_of() {
  tr ' ' '\n' <<< "$planned_uids" | sed -n "s/^$1=//p"
}

converge() {
  local member user
  is_expired=false
  if expired; then
    is_expired=true
  fi
  # 1. Lockouts, first and whatever follows.
  for member in $(managed_users); do
    if ! granted "$member" || [ "$is_expired" = true ]; then
      remove_user "$member" || error "$member: not removed"
    fi
  done
  if [ "$is_expired" = true ]; then
    for user in $users; do
      remove_user "$user" || error "$user: not removed"
    done
    echo "$users: access expired at $expires"
    finish
  fi
  # 2. Grants. A user that exists only as a system account is never taken over.
  granting=
  for user in $users; do
    if id -u "$user" >/dev/null 2>&1 && [ "$(id -u "$user")" -lt "$first_regular_uid" ]; then
      error "refusing to manage $user: it is a system account"
    else
      granting="$granting $user"
    fi
  done
  [ -n "$granting" ] || finish
  # The firewall first: no user is made, or let in again, before the rule refusing it IMDS is live.
  if ! plan_uids || ! firewall; then
    error "cannot refuse$granting the instance metadata service, so none is made or let in"
    finish
  fi
  for user in $granting; do
    if ! grant_user "$user"; then
      error "$user: cannot make it a plain user"
      remove_user "$user" || error "$user: not removed"
      continue
    fi
    rm -f "/etc/sudoers.d/$user"
    if can_sudo "$user"; then
      error "$user can still use sudo through another rule: removed until that rule is gone"
      remove_user "$user" || error "$user: not removed"
    fi
  done
  echo "$users: plain users, refused the instance metadata service"
  finish
}

finish() {
  # Ends the run; non-zero once anything failed, after every lockout was tried.
  if [ "$errors" -gt 0 ]; then
    echo "$errors error(s): see above" >&2
    exit 1
  fi
  exit 0
}
