#!/usr/bin/env bash
# Removes the container harness's machine-wide state: the engine's data-root (and the base images in it), the
# package cache and scratch. Stops first, by PID, an engine an earlier run left running. Refuses while a run holds
# the lock. Usage: bash containers/scripts/clean.sh
set -euo pipefail
STATE="${KEELSON_CONTAINERS_STATE:-/var/tmp/keelson-containers}"
[ -d "$STATE" ] || { echo "clean: nothing at $STATE"; exit 0; }

start_of() { [ -r "/proc/$1/stat" ] && sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

if [ -f "$STATE/lock" ]; then
  owner=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$STATE/lock")
  owner_start=$(sed -n 's/.*"startTime":"\([0-9]*\)".*/\1/p' "$STATE/lock")
  if [ -n "$owner" ] && [ "$(start_of "$owner" || true)" = "$owner_start" ]; then
    echo "clean: a harness run (process $owner) holds $STATE/lock; let it finish first" >&2
    exit 1
  fi
fi

pidfile="$STATE/run/dockerd.pid"
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "--data-root $STATE/docker"; then
    echo "clean: stopping the harness's dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 30); do [ -d "/proc/$pid" ] || break; sleep 1; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid"
  fi
fi
# Processes of that engine (containerd, shims) carry its exec-root in their command line.
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  if tr '\0' ' ' < "$proc/cmdline" 2>/dev/null | grep -qF -- "$STATE/run/exec"; then
    echo "clean: stopping leftover process $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
# Mounts of a crashed engine, deepest first, before anything is deleted under them.
awk -v prefix="$STATE/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r mountpoint; do
  umount -l "$mountpoint" || true
done
rm -rf "$STATE"
echo "clean: removed $STATE"
