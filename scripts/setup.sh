#!/usr/bin/env bash
# Sets up a fresh machine of this kind for Keelson: the Debian programs the tests validate against, the pinned
# pnpm, the workspace's locked dependencies, and compiled packages. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
# The real consumers of what Keelson generates, and the reference implementations the tests call:
#   docker-compose  brings docker-py (Docker's .dockerignore matching) and `docker-compose config`
#   gunicorn, python3-uvicorn, python3-fastapi  serve the example app with the generated configs
#   nginx-light     checks and runs the generated proxy config; openssl makes its test certificates
#   python3-celery, python3-redis  import the example app's task module
#   python3-sqlalchemy, python3-psycopg2  import the example app's database module (SQLAlchemy, the PostgreSQL driver)
#   wrk             the load generator of the benchmarks (pnpm bench)
#   docker.io, iproute2  the Docker engine the container tests start themselves, and `ip` to remove its bridge
APT_PACKAGES=(docker-compose gunicorn python3-uvicorn python3-fastapi python3-celery python3-redis python3-sqlalchemy python3-psycopg2 nginx-light openssl wrk
  docker.io iproute2)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global --save-exact "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile
pnpm compile
