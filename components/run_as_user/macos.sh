# shellcheck shell=bash
# The macOS sibling of linux.sh: the same convergence with macOS's own tools (dscl, dseditgroup,
# pwpolicy, pf, perl). "$users", "$expires" and "$run_as_group" are set before this file, as for Linux.
#
# Lockouts first, whatever else fails: every Run As user no longer granted here, and the granted ones once
# their access has expired, is removed (Session Manager opens a shell for any user `id` finds, as on Linux:
# aws/amazon-ssm-agent agent/session/shell/shell_unix.go is built for darwin too), its processes ended, its
# crontab and at-jobs removed, its home kept root-only in "$removed" and its uid recorded there. Then, unless
# expired, each granted user is a standard user (never in admin, in no group but "$run_as_group"), with no
# usable password (Password "*"), that pf refuses the instance metadata service. NOT RUN ON A REAL MAC:
# tests/test_run_as_user_macos.py runs it against stand-ins of these tools (tests/macos_standins.py).
# common.sh, ahead of this file, sets the shell options and defines the functions called below; read from the
# lines before this file: the settings' Run As group and common.sh's comment.
: "${run_as_group:?}" "${comment:?}"

# shellcheck disable=SC2034  # common.sh's next_free_uid, plan_uids and not_ours read them
first_regular_uid=501  # macOS gives regular users ids from 501; below are system accounts
# shellcheck disable=SC2034
last_regular_uid=60000  # as on Linux: the ids above are left to the system (nobody is -2)
staff_gid=20
homes="${homes:-/Users}"
# shellcheck disable=SC2034  # common.sh's next_free_uid and keep_home_of read it
removed="$homes/.third-party-ec2-access-removed"
# The stock /etc/pf.conf evaluates every anchor under com.apple (`anchor "com.apple/*"`): rules loaded there
# are live at once, without editing pf.conf (which macOS updates overwrite) or reloading it.
anchor=com.apple/third-party-ec2-access
anchor_file=/etc/pf.anchors/third-party-ec2-access
launch_daemon="${launch_daemons:-/Library/LaunchDaemons}/com.third-party-ec2-access.pf.plist"

epoch_of() { date -u -j -f '%Y-%m-%dT%H:%M:%SZ' "$1" +%s; }

comment_of() {
  dscl . -list /Users RealName | awk -v user="$1" '$1 == user { sub(/^[^ ]+ +/, ""); print }'
}

signal_every_process_as() {
  # macOS has no setpriv: perl, which macOS ships in /usr/bin, takes the uid and sends kill(-1), which for a
  # user that is not root reaches every process of the same uid but itself (kill(2)).
  /usr/bin/perl -MPOSIX -e 'POSIX::setgid($ARGV[1]) && POSIX::setuid($ARGV[0]) or die "$!\n"; kill("KILL", -1)' \
    "$1" "$2"
}

members_of() {
  dscl . -read "/Groups/$1" GroupMembership 2>/dev/null | sed 's/^GroupMembership://' | tr ' ' '\n' | grep -v '^$' || true
}

groups_of() {
  # Every group that lists $1 as a member.
  dscl . -list /Groups GroupMembership 2>/dev/null | awk -v user="$1" '{ for (i = 2; i <= NF; i++) if ($i == user) print $1 }'
}

remove_user() {
  local user=$1 uid gid home group why recorded=true
  uid=$(id -u "$user" 2>/dev/null) || return 0
  gid=$(id -g "$user") || return 1
  home=$(dscl . -read "/Users/$user" NFSHomeDirectory | sed 's/^NFSHomeDirectory: //') || return 1
  why=$(not_ours "$user" "$uid")
  if [ -n "$why" ]; then
    echo "refusing to remove $user: $why" >&2
    return 1
  fi
  rm -f "/usr/lib/cron/tabs/$user"
  remove_at_jobs_of "$user"
  # Recorded before the account goes, as on Linux: its uid is never given out again, and the next run
  # finishes a removal that fails below; a record that cannot be written stops no lockout.
  record_removal "$user" "$uid" "$gid" "$home" || recorded=false
  # Out of every group (a user made again by that name must not find itself in them), then gone, so `id`
  # fails and no new session starts; then whatever it still runs ends, even if it could not be deleted.
  for group in $(groups_of "$user"); do
    dseditgroup -o edit -d "$user" -t user "$group" || { end_processes_of "$uid" "$gid" || true; return 1; }
  done
  dscl . -delete "/Users/$user" || { end_processes_of "$uid" "$gid" || true; return 1; }
  finish_removal "$user" "$uid" "$gid" "$home" || return 1
  [ "$recorded" = true ] || { echo "$user (uid $uid): its removal could not be recorded" >&2; return 1; }
}

managed_users() {
  # Every Run As user this product made here: the group's members, and any user carrying its RealName.
  { members_of "$run_as_group"
    dscl . -list /Users RealName | awk -v comment="$comment" '{ name = $1; sub(/^[^ ]+ +/, ""); if ($0 == comment) print name }'
  } | sort -u
}

uids_in_use() { dscl . -list /Users UniqueID | awk '{ print $2 }'; }

firewall() {
  : "${run_as_uids?}"  # planned by common.sh's plan_uids, just before
  # No instance metadata for any Run As user: pf blocks their sockets to IMDS. The anchor is rebuilt on every
  # run, loaded and enabled now, and loaded again at boot by a LaunchDaemon.
  mkdir -p "$(dirname "$anchor_file")" || return 1
  cat > "$anchor_file" <<RULES || return 1
# Written by third-party-ec2-access: Run As users may not reach the instance metadata service.
block return out quick inet proto { tcp udp } from any to 169.254.169.254 user { $run_as_uids }
block return out quick inet6 proto { tcp udp } from any to fd00:ec2::254 user { $run_as_uids }
RULES
  pfctl -a "$anchor" -f "$anchor_file" 2>/dev/null && pfctl -E 2>/dev/null || return 1
  mkdir -p "$(dirname "$launch_daemon")" || return 1
  cat > "$launch_daemon" <<PLIST || return 1
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>com.third-party-ec2-access.pf</string>
  <key>ProgramArguments</key>
  <array><string>/sbin/pfctl</string><string>-E</string><string>-a</string><string>$anchor</string><string>-f</string><string>$anchor_file</string></array>
  <key>RunAtLoad</key><true/>
</dict>
</plist>
PLIST
}

grant_user() {
  local user=$1 group
  dscl . -read "/Groups/$run_as_group" >/dev/null 2>&1 || dseditgroup -o create "$run_as_group" || return 1
  if ! id -u "$user" >/dev/null 2>&1; then
    dscl . -create "/Users/$user" &&
      dscl . -create "/Users/$user" RealName "$comment" &&
      dscl . -create "/Users/$user" UniqueID "$(planned_uid_of "$user")" &&
      dscl . -create "/Users/$user" PrimaryGroupID "$staff_gid" &&
      dscl . -create "/Users/$user" NFSHomeDirectory "$homes/$user" &&
      createhomedir -c -u "$user" >/dev/null || return 1
  fi
  # Sessions are the only way in: no usable password, a standard user (in staff), and no group but the Run
  # As group (admin, or any other it was put in, is gone), since the agent gives a session every group `id`
  # lists.
  for group in $(groups_of "$user"); do
    if [ "$group" != "$run_as_group" ]; then
      dseditgroup -o edit -d "$user" -t user "$group" || return 1
    fi
  done
  dscl . -create "/Users/$user" Password '*' &&
    dscl . -create "/Users/$user" PrimaryGroupID "$staff_gid" &&
    dscl . -create "/Users/$user" UserShell /bin/zsh &&
    pwpolicy -u "$user" enableuser >/dev/null &&
    dseditgroup -o edit -a "$user" -t user "$run_as_group"
}

converge
