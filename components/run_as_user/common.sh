# shellcheck shell=bash
# What both platforms' scripts do alike, and the order of a converge (converge, at the end). Each platform
# defines, before it calls converge: first_regular_uid and last_regular_uid (the uids it gives out); homes
# (where homes are made); removed (the root-only directory that keeps removed users' homes and the record of
# their uids); comment_of USER (its GECOS or RealName); epoch_of DATE (seconds since 1970 of an ISO-8601 UTC date);
# signal_every_process_as UID GID (kill(2) of pid -1 sent with that uid: every process it may signal, in one
# pass of the kernel); uids_in_use (one a line); managed_users (every Run As user this product made there);
# remove_user USER; firewall (refuses "$run_as_uids" the instance metadata service, live and at boot); and
# grant_user USER (makes it, or keeps it, a plain user in no group but "$run_as_group"). This file heads the
# assembled script, so its shell options are the whole script's.
set -euo pipefail
# The settings converge_script.py writes on the lines before this file ("$expires" is empty for never).
: "${users:?}" "${expires?}" "${run_as_group:?}"

# shellcheck disable=SC2034  # read by the platform's script, which follows this file
comment='third-party-ec2-access Run As user'  # the name (GECOS, RealName) of every user this product makes:
# the mark by which it knows them, and refuses to manage any other
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
  # Every process of uid $1 (gid $2) ends, and every process of a uid in the ranges FIRST-LAST that follow
  # (the user's subordinate uids, as which newuidmap let it run processes). kill(-1) sent as the uid reaches
  # all of them in one pass of the kernel, a child forked meanwhile included; a list of PIDs (pkill, ps) misses
  # a process that forks a successor and exits, so the signal goes first, and the list only tells whether
  # anything started since (or has yet to die). A range's uids are too many to signal each: those that run a
  # process are listed, then signalled. The dead (zombies, waiting for their parent) do not count. (grep reads
  # all its input: under pipefail a grep -q that stops early could fail the pipe; pgrep cannot leave zombies
  # out on macOS.)
  local uid=$1 gid=$2 tries=0 other
  shift 2
  while :; do
    signal_every_process_as "$uid" "$gid" 2>/dev/null || true
    for other in $(uids_running_in "$@"); do
      signal_every_process_as "$other" "$gid" 2>/dev/null || true
    done
    # A killed process is gone within a few milliseconds: look again soon, 250 times (five seconds of waiting).
    sleep 0.02
    # shellcheck disable=SC2009
    if ! ps -U "$uid" -o stat= 2>/dev/null | grep -v '^Z' >/dev/null && [ -z "$(uids_running_in "$@")" ]; then
      return 0
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 250 ] || return 1
  done
}

uids_running_in() {
  # The real uids, within the ranges FIRST-LAST given, that run a process (the dead aside), one a line.
  [ "$#" -gt 0 ] || return 0
  ps -A -o ruid=,stat= | awk -v ranges="$*" 'BEGIN { n = split(ranges, range, " ") }
    $2 !~ /^Z/ { for (i = 1; i <= n; i++) { split(range[i], ends, "-"); if ($1 >= ends[1] + 0 && $1 <= ends[2] + 0) { print $1; break } } }' |
    sort -u
}

remove_at_jobs_of() {
  if command -v atq >/dev/null 2>&1; then
    atq | awk -v owner="$1" '$NF == owner { print $1 }' | while read -r job; do atrm "$job"; done
  fi
}

next_free_uid() {
  # The uid for a new user: above every uid in use (on stdin, one a line) and every uid ever removed here, or
  # being removed (recorded before the account goes), so a new user never inherits a removed one's files, and
  # an old uid names one person only. "none" once last_regular_uid is taken: never a uid used before.
  : "${first_regular_uid:?}" "${last_regular_uid:?}" "${removed:?}"  # set by the platform's script, as the head of this file says
  { cat; sed -n 's/.* uid=\([0-9]*\) .*/\1/p' "$removed/removed-users" 2>/dev/null || true; } |
    awk -v first="$first_regular_uid" -v last="$last_regular_uid" '$1 >= first && $1 <= last && $1 > max { max = $1 }
      END { print (!max ? first : max < last ? max + 1 : "none") }'
}

record_removal() {
  # Records, before the account goes, that user $1 (uid $2, gid $3, home $4, subordinate uids $5...) is being
  # removed: next_free_uid never gives the uid out again, and until keep_home_of records it removed, every run
  # finishes what is left (pending_removals).
  local ranges
  ranges=$(IFS=,; echo "${*:5}")
  mkdir -p "$removed" && chmod 700 "$removed" &&
    (umask 077 && echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) removing user=$1 uid=$2 gid=$3 subuids=${ranges:--} home=$4" >> "$removed/removed-users")
}

pending_removals() {
  # "user uid gid subuids home" of each removal recorded as begun and not as done, one a line.
  awk '$2 == "removing" { pending[$4] = $0 } $2 == "removed" { delete pending[$4] }
    END { for (uid in pending) { $0 = pending[uid]; print substr($3, 6), substr($4, 5), substr($5, 5), substr($6, 9), substr($0, index($0, " home=") + 6) } }' \
    "$removed/removed-users" 2>/dev/null || true
}

removal_pending() {
  # Whether a removal of a user named $1 is recorded as begun and not done.
  pending_removals | awk -v user="$1" '$1 == user { found = 1 } END { exit !found }'
}

finish_removal() {
  # What a removal does once the account is gone ($1 user, $2 uid, $3 gid, $4 home, then its subordinate uid
  # ranges): whatever it still runs ends, its home is kept; every run retries it until it is done.
  : "${homes:?}"  # set by the platform's script, as the head of this file says
  end_processes_of "$2" "$3" "${@:5}" || { echo "$1 (uid $2): processes still running" >&2; return 1; }
  keep_home_of "$1" "$2" "$3" "$4" "$homes" || { echo "$1: home $4 not kept" >&2; return 1; }
  echo "$1 is removed (uid $2)"
}

not_ours() {
  # Why this product may not manage the existing user $1 (uid $2), or nothing: a system account, or a user it
  # did not make (every user it makes carries "$comment"; an account of the instance's own, say deploy, is
  # no one's to take over or delete).
  if [ "$2" -lt "$first_regular_uid" ]; then
    echo "it is a system account"
  elif [ "$(comment_of "$1")" != "$comment" ]; then
    echo "this product did not make it (its comment is not '$comment')"
  fi
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
    elif [ "$next" = none ]; then
      error "no uid is left for $member: every one from $first_regular_uid to $last_regular_uid is in use or was given out before"
    else
      planned_uids="$planned_uids $member=$next"
      uids+=("$next")
      if [ "$next" -lt "$last_regular_uid" ]; then next=$((next + 1)); else next=none; fi
    fi
  done
  # shellcheck disable=SC2034  # the platform's firewall reads it
  run_as_uids=$(IFS=,; echo "${uids[*]}")
}

planned_uid_of() {
  tr ' ' '\n' <<< "$planned_uids" | sed -n "s/^$1=//p"
}

converge() {
  local member user uid gid subuids home why
  is_expired=false
  if expired; then
    is_expired=true
  fi
  # 1. Lockouts, first and whatever follows: the removals earlier runs began and could not finish (an account
  # still there with that uid is removed again below, if it is no longer granted), then every other.
  while read -r user uid gid subuids home; do
    [ "$(id -u "$user" 2>/dev/null)" != "$uid" ] || continue
    [ "$subuids" != - ] || subuids=
    # shellcheck disable=SC2086  # the ranges, comma-separated in the record, are words
    finish_removal "$user" "$uid" "$gid" "$home" ${subuids//,/ } || error "$user: not removed"
  done < <(pending_removals)
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
  # 2. Grants. An existing user it did not make (a system account, or one of the instance's own) is never
  # taken over; nor is a name made again before the removal of its earlier user is done.
  granting=
  for user in $users; do
    if uid=$(id -u "$user" 2>/dev/null); then
      why=$(not_ours "$user" "$uid")
    elif removal_pending "$user"; then
      why="the removal of its earlier user is not finished"
    else
      why=
    fi
    if [ -n "$why" ]; then
      error "refusing to manage $user: $why"
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
    if ! id -u "$user" >/dev/null 2>&1 && [ -z "$(planned_uid_of "$user")" ]; then
      continue  # no uid was left for it: plan_uids said so
    fi
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
