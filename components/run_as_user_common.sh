# What both platforms' scripts do alike to a user whose access has ended; they define lock_out with it.
set -euo pipefail

granted() {
  # Whether $1 is one of the granted users ("$users", separated by spaces).
  case " $users " in *" $1 "*) return 0 ;; esac
  return 1
}

end_processes_of() {
  # Killed until none is left: a process may fork while the first ones die.
  for _ in 1 2 3 4 5; do
    pkill -KILL -u "$1" 2>/dev/null || break
    sleep 0.2
  done
}

remove_at_jobs_of() {
  if command -v atq >/dev/null 2>&1; then
    atq | awk -v owner="$1" '$NF == owner { print $1 }' | while read -r job; do atrm "$job"; done
  fi
}
