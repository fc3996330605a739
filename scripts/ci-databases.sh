#!/usr/bin/env bash
# Makes the test databases of the SQL store available (test/support/databases.ts):
# Debian's packages postgresql and mariadb-server, installed only when their
# server binaries are missing. The tests start their own servers on free ports
# with temporary data directories; no system service is used.
# Idempotent: a second run changes nothing. Run from anywhere, before `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mysqld ]; } || missing+=(mariadb-server)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)

if [ ${#missing[@]} -gt 0 ]; then
  echo "ci-databases: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # The packages may start system services; the tests do not use them.
  for svc in mariadb postgresql; do
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi
echo "ci-databases: ready"
