# The macOS sibling of run_as_user.sh: the same convergence with macOS's own tools (dscl, dseditgroup,
# pwpolicy, pf). "$users", "$expires" and "$run_as_group" are set before this file, as for Linux.
#
# Each granted user is a standard user (never in admin), with no usable password (Password "*"), that pf
# refuses the instance metadata service. Every other member of the group, and the granted users once their
# access has expired, is locked out: account disabled, no shell, its processes killed, its crontab and
# at-jobs removed. Homes are kept. NOT RUN ON A REAL MAC: tests/test_run_as_user_macos.py runs it against
# recording stand-ins of these tools.
set -euo pipefail

first_regular_uid=501  # macOS gives regular users ids from 501; below are system accounts
staff_gid=20
anchor=third-party-ec2-access
anchor_file="/etc/pf.anchors/$anchor"
launch_daemon="${launch_daemons:-/Library/LaunchDaemons}/com.third-party-ec2-access.pf.plist"

members_of() {
  dscl . -read "/Groups/$1" GroupMembership 2>/dev/null | sed 's/^GroupMembership://' | tr ' ' '\n' | grep -v '^$' || true
}

lock_out() {
  dscl . -create "/Users/$1" UserShell /usr/bin/false
  pwpolicy -u "$1" disableuser >/dev/null
  end_processes_of "$1"
  rm -f "/usr/lib/cron/tabs/$1"
  remove_at_jobs_of "$1"
  echo "$1 is locked out"
}

expired=false
if [ -n "$expires" ] && [ "$(date -u +%s)" -ge "$(date -u -j -f '%Y-%m-%dT%H:%M:%SZ' "$expires" +%s)" ]; then
  expired=true
fi

for user in $users; do
  if id -u "$user" >/dev/null 2>&1 && [ "$(id -u "$user")" -lt "$first_regular_uid" ]; then
    echo "refusing to manage $user: it is a system account" >&2
    exit 1
  fi
done

dscl . -read "/Groups/$run_as_group" >/dev/null 2>&1 || dseditgroup -o create "$run_as_group"
for user in $users; do
  if ! id -u "$user" >/dev/null 2>&1; then
    uid=$(dscl . -list /Users UniqueID | awk -v first="$first_regular_uid" '$2 >= first && $2 > max { max = $2 } END { print (max ? max + 1 : first) }')
    dscl . -create "/Users/$user"
    dscl . -create "/Users/$user" RealName 'third-party-ec2-access Run As user'
    dscl . -create "/Users/$user" UniqueID "$uid"
    dscl . -create "/Users/$user" PrimaryGroupID "$staff_gid"
    dscl . -create "/Users/$user" NFSHomeDirectory "/Users/$user"
    createhomedir -c -u "$user" >/dev/null
  fi
  # Sessions are the only way in: no usable password, a standard user (never admin), no sudo rule.
  dscl . -create "/Users/$user" Password '*'
  dscl . -create "/Users/$user" UserShell /bin/zsh
  pwpolicy -u "$user" enableuser >/dev/null
  if dseditgroup -o checkmember -m "$user" admin >/dev/null 2>&1; then
    dseditgroup -o edit -d "$user" -t user admin
  fi
  rm -f "/etc/sudoers.d/$user"
  dseditgroup -o edit -a "$user" -t user "$run_as_group"
done

# No instance metadata for any Run As user: pf blocks their sockets to IMDS. The anchor is rebuilt from the
# group's members on every run, loaded now, enabled, and loaded again at boot by a LaunchDaemon.
uids=$(members_of "$run_as_group" | while read -r member; do id -u "$member"; done | paste -sd, -)
mkdir -p "$(dirname "$anchor_file")"
cat > "$anchor_file" <<RULES
# Written by third-party-ec2-access: Run As users may not reach the instance metadata service.
block return out quick inet proto { tcp udp } from any to 169.254.169.254 user { $uids }
block return out quick inet6 proto { tcp udp } from any to fd00:ec2::254 user { $uids }
RULES
pfctl -a "$anchor" -f "$anchor_file" 2>/dev/null
pfctl -E 2>/dev/null
grep -qxF "anchor \"$anchor\"" /etc/pf.conf || printf 'anchor "%s"\nload anchor "%s" from "%s"\n' "$anchor" "$anchor" "$anchor_file" >> /etc/pf.conf
mkdir -p "$(dirname "$launch_daemon")"
cat > "$launch_daemon" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>com.third-party-ec2-access.pf</string>
  <key>ProgramArguments</key>
  <array><string>/sbin/pfctl</string><string>-E</string><string>-f</string><string>/etc/pf.conf</string></array>
  <key>RunAtLoad</key><true/>
</dict>
</plist>
PLIST

for user in $users; do
  if sudo --non-interactive --list --other-user "$user" 2>/dev/null | grep -q 'may run the following'; then
    echo "$user can still use sudo through another rule" >&2
    exit 1
  fi
done

# Only the granted users, and only before their expiry, may open a session here.
members_of "$run_as_group" | while read -r member; do
  if ! granted "$member" || [ "$expired" = true ]; then
    lock_out "$member"
  fi
done
if [ "$expired" = true ]; then
  echo "$users: access expired at $expires"
else
  echo "$users: standard users, refused the instance metadata service"
fi
