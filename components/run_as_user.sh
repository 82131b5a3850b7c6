# Converges an instance on its grant. "$users" are the Run As users of the party granted the instance (its
# one shared user, or one per person), until "$expires" (ISO-8601 UTC, empty for never); "$run_as_group"
# holds every Run As user this product makes, and no one else. components/run_as_user.py sets the three on
# the lines before this file.
#
# Each granted user is left a plain user (no password, no sudo, no administrators' group) that cannot reach
# the instance metadata service. Every other member of the group (another party's user, or a person no
# longer listed), and the granted users once their access has expired, is locked out: account expired, no
# shell, its processes killed, its crontab and at-jobs removed. Homes are kept, for your records: files keep
# naming the person who made them. Run as root by State Manager (on every change of the grants, and every
# 30 minutes) and at first boot (user data); safe to run again.
set -euo pipefail

lock_out() {
  usermod --lock --expiredate 1 --shell /sbin/nologin "$1" >/dev/null
  end_processes_of "$1"
  rm -f "/var/spool/cron/$1" "/var/spool/cron/crontabs/$1"
  remove_at_jobs_of "$1"
  echo "$1 is locked out"
}

expired=false
if [ -n "$expires" ] && [ "$(date -u +%s)" -ge "$(date -u -d "$expires" +%s)" ]; then
  expired=true
fi

first_regular_uid=1000             # Amazon Linux gives regular users ids from 1000; below are system accounts
rules=/etc/nftables/third-party-ec2-access.nft

# The firewall comes first: without it no user is made, so no session can start as one.
if ! command -v nft >/dev/null 2>&1 && command -v dnf >/dev/null 2>&1; then
  dnf install --assumeyes --quiet nftables
fi
if ! command -v nft >/dev/null 2>&1; then
  echo "nft is missing: cannot refuse $users the instance metadata service, so none is made" >&2
  exit 1
fi

for user in $users; do
  if id -u "$user" >/dev/null 2>&1 && [ "$(id -u "$user")" -lt "$first_regular_uid" ]; then
    echo "refusing to manage $user: it is a system account" >&2
    exit 1
  fi
done

getent group "$run_as_group" >/dev/null || groupadd --system "$run_as_group"
for user in $users; do
  id -u "$user" >/dev/null 2>&1 ||
    useradd --create-home --shell /bin/bash --comment 'third-party-ec2-access Run As user' "$user"
  # Sessions are the only way in: no password, no membership of an administrators' group, no sudo rule.
  usermod --lock --expiredate '' --shell /bin/bash "$user"
  for group in wheel sudo adm admin; do
    if getent group "$group" | cut -d: -f4 | tr ',' '\n' | grep -qx "$user"; then
      gpasswd --delete "$user" "$group" >/dev/null
    fi
  done
  rm -f "/etc/sudoers.d/$user"
  usermod --append --groups "$run_as_group" "$user"
done

# No instance metadata for any Run As user: its credentials are the instance role's. The agent (root) and
# ssm-user keep their access. The rule set is rebuilt from the group's members on every run, applied now,
# and loaded again at boot by the nftables service.
uids=$(getent group "$run_as_group" | cut -d: -f4 | tr ',' '\n' | while read -r member; do
  [ -n "$member" ] && id -u "$member"
done | paste -sd, -)
mkdir -p "$(dirname "$rules")"
cat > "$rules.new" <<RULES
# Written by third-party-ec2-access: Run As users may not reach the instance metadata service.
table inet third_party_ec2_access
delete table inet third_party_ec2_access
table inet third_party_ec2_access {
  set run_as_users {
    type uid
    elements = { $uids }
  }
  chain output {
    type filter hook output priority 0; policy accept;
    meta skuid @run_as_users ip daddr 169.254.169.254 reject
    meta skuid @run_as_users ip6 daddr fd00:ec2::254 reject
  }
}
RULES
nft -f "$rules.new"
mv "$rules.new" "$rules"
boot_config=/etc/sysconfig/nftables.conf
[ -e "$boot_config" ] || [ ! -e /etc/nftables.conf ] || boot_config=/etc/nftables.conf
grep -qxF "include \"$rules\"" "$boot_config" 2>/dev/null || echo "include \"$rules\"" >> "$boot_config"
if [ -d /run/systemd/system ]; then
  systemctl enable --quiet nftables.service
fi

for user in $users; do
  if sudo --non-interactive --list --other-user "$user" 2>/dev/null | grep -q 'may run the following'; then
    echo "$user can still use sudo through another rule" >&2
    exit 1
  fi
done

# Only the granted users, and only before their expiry, may open a session here.
getent group "$run_as_group" | cut -d: -f4 | tr ',' '\n' | while read -r member; do
  if [ -n "$member" ] && { ! granted "$member" || [ "$expired" = true ]; }; then
    lock_out "$member"
  fi
done
if [ "$expired" = true ]; then
  echo "$users: access expired at $expires"
else
  echo "$users: plain users, refused the instance metadata service"
fi
