#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) exist for the ledger's tests,
# installing Debian's `postgresql` package with apt-get when they are missing. The tests start
# their own throwaway cluster; this script neither creates nor starts one (Debian's default
# "main" cluster is not created). Prints the directory holding the binaries.
# Usage: packages/ledger/scripts/ensure-postgres.sh   (from .ci/run, before the tests)
set -euo pipefail

find_bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return 0
  fi
  return 1
}

if bindir=$(find_bindir); then
  echo "$bindir"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgres: initdb not found and apt-get is not available; install PostgreSQL server binaries (or set SIMBRIDGE_SKIP_PG=1)" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ensure-postgres: initdb not found and not root (no sudo) to install postgresql" >&2
    exit 1
  fi
fi

echo "ensure-postgres: installing Debian's postgresql package" >&2
# Do not create or start Debian's default cluster: the tests run their own on a random port.
$sudo mkdir -p /etc/postgresql-common
if [ ! -f /etc/postgresql-common/createcluster.conf ] || ! grep -q '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
  echo "create_main_cluster = false" | $sudo tee -a /etc/postgresql-common/createcluster.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null

if bindir=$(find_bindir); then
  echo "$bindir"
else
  echo "ensure-postgres: postgresql was installed but initdb was not found" >&2
  exit 1
fi
