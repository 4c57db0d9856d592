/**
 * The private Python of `gunicorn.conf.py`: imports, the run-time worker sizing, environment parsing, the
 * start-up log hook and the JSON access-log formatter.
 *
 * Every module-level name starts with `_`: gunicorn takes every name of the file's namespace that is one of its
 * settings (and ignores the rest, in 20.1 as in 27), so a helper must never be named like a setting.
 * Written for Python 3.7 and later, with the standard library only: it runs before the app is imported.
 */

/** Imports and helpers every file has. `${...}` never appears: this is Python, not a template. */
export const PYTHON_PRELUDE = String.raw`import json as _json
import logging as _logging
import math as _math
import os as _os
import time as _time


def _fail(message):
    """Stops gunicorn before it starts, with the reason on stderr."""
    raise SystemExit("gunicorn.conf.py: " + message)


def _env_whole(name, default, minimum=1, maximum=None, environ=None):
    """A whole number from the environment variable name, or default when it is unset or empty."""
    raw = (_os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        if maximum is None:
            bounds = "of at least %d" % minimum
        else:
            bounds = "from %d to %d" % (minimum, maximum)
        _fail("%s=%r is not a whole number %s" % (name, raw, bounds))
    return value


def _env_choice(name, default, choices):
    """One of choices from the environment variable name (case-insensitive), or default."""
    raw = _os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        _fail("%s=%r is not one of %s" % (name, raw, ", ".join(choices)))
    return raw


def _writable_dir(path):
    """path when it is a directory this process may write, else None (gunicorn's default temp dir)."""
    if _os.path.isdir(path) and _os.access(path, _os.W_OK | _os.X_OK):
        return path
    _WARNINGS.append("%s is not a writable directory: worker heartbeat files go to the default temp dir" % path)
    return None


# ---- Worker sizing, from the CPU quota and memory limit the container is actually granted ----

_WARNINGS = []
_V1_CPU_MOUNTS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")
_V1_MEMORY_MOUNTS = ("memory",)
# cgroup v1 reports "no memory limit" as a huge page-aligned number (2^63 - 4096 on x86_64).
_NO_MEMORY_LIMIT = 1 << 60


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _cgroup_path(proc_cgroup, controller):
    """This process's cgroup path for a v1 controller, or its v2 path when controller is None; "/" if unknown."""
    for line in (_read(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if controller is None and parts[0] == "0" and parts[1] == "":
            return parts[2]
        if controller is not None and controller in parts[1].split(","):
            return parts[2]
    return "/"


def _cgroup_dirs(mount, path):
    """The cgroup directory of path and its ancestors up to mount, leaf first. When the leaf is not
    visible under the mount (a cgroup namespace, or a container that sees only its own subtree), the mount
    itself is this process's cgroup."""
    parts = [part for part in path.split("/") if part and part not in (".", "..")]
    if not _os.path.isdir(_os.path.join(mount, *parts)):
        return [mount]
    dirs = []
    while parts:
        dirs.append(_os.path.join(mount, *parts))
        parts.pop()
    return dirs + [mount]


def _v1_mount(root, names):
    for name in names:
        if _os.path.isdir(_os.path.join(root, name)):
            return _os.path.join(root, name)
    return None


def _is_v2(root):
    return _os.path.isfile(_os.path.join(root, "cgroup.controllers"))


def _cpu_quota(root, proc_cgroup):
    """(CPUs, source) of the tightest cgroup CPU quota from this cgroup up to the root; None without a quota."""
    found = None
    if _is_v2(root):
        for directory in _cgroup_dirs(root, _cgroup_path(proc_cgroup, None)):
            fields = (_read(_os.path.join(directory, "cpu.max")) or "max").split()
            try:
                cpus = int(fields[0]) / float(int(fields[1]) if len(fields) > 1 else 100000)
            except (ValueError, ZeroDivisionError):
                continue  # "max": no quota here
            if cpus > 0 and (found is None or cpus < found[0]):
                found = (cpus, "cgroup v2 cpu.max '%s' in %s" % (" ".join(fields), directory))
        return found
    mount = _v1_mount(root, _V1_CPU_MOUNTS)
    if mount is None:
        return None
    for directory in _cgroup_dirs(mount, _cgroup_path(proc_cgroup, "cpu")):
        try:
            quota = int(_read(_os.path.join(directory, "cpu.cfs_quota_us")) or "-1")
            period = int(_read(_os.path.join(directory, "cpu.cfs_period_us")) or "100000")
        except ValueError:
            continue
        if quota > 0 and period > 0 and (found is None or quota / float(period) < found[0]):
            found = (quota / float(period), "cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us %d/%d in %s" % (quota, period, directory))
    return found


def _memory_limit(root, proc_cgroup):
    """(MiB, source) of the tightest cgroup memory limit from this cgroup up to the root; None without a limit."""
    found = None
    if _is_v2(root):
        mount, path, name = root, _cgroup_path(proc_cgroup, None), "memory.max"
        label = "cgroup v2 memory.max"
    else:
        mount, path, name = _v1_mount(root, _V1_MEMORY_MOUNTS), _cgroup_path(proc_cgroup, "memory"), "memory.limit_in_bytes"
        label = "cgroup v1 memory.limit_in_bytes"
        if mount is None:
            return None
    for directory in _cgroup_dirs(mount, path):
        try:
            limit = int(_read(_os.path.join(directory, name)) or "max")
        except ValueError:
            continue  # "max": no limit here
        if 0 < limit < _NO_MEMORY_LIMIT and (found is None or limit // 1048576 < found[0]):
            found = (limit // 1048576, "%s in %s" % (label, directory))
    return found


def _cpus(root, proc_cgroup):
    """(CPUs, source): the cgroup CPU quota, never more than the CPUs this process may run on."""
    try:
        allowed, allowed_source = len(_os.sched_getaffinity(0)), "CPU affinity"
    except (AttributeError, OSError):
        allowed, allowed_source = _os.cpu_count() or 1, "CPU count"
    quota = _cpu_quota(root, proc_cgroup)
    if quota is not None and quota[0] < allowed:
        return quota
    if quota is not None:
        return float(allowed), "%s, tighter than the %s" % (allowed_source, quota[1])
    return float(allowed), "%s, no cgroup CPU quota" % allowed_source


def _size(environ, cgroup_root, proc_cgroup):
    """The worker count and why: WEB_CONCURRENCY, else a fixed count, else min(by CPU, by memory), at least 1."""
    sizing = {"workers": None, "cpus": None, "cpu_source": None, "by_cpu": None,
              "memory_mib": None, "memory_source": None, "by_memory": None, "warnings": []}
    override = _env_whole("WEB_CONCURRENCY", None, 1, None, environ)
    if override is not None:
        sizing.update(workers=override, reason="WEB_CONCURRENCY=%d overrides the computed count" % override)
        return sizing
    if _FIXED_WORKERS is not None:
        sizing.update(workers=_FIXED_WORKERS, reason="fixed in .projenrc.ts (workers: %d)" % _FIXED_WORKERS)
        return sizing
    cpus, cpu_source = _cpus(cgroup_root, proc_cgroup)
    cpus = max(0.01, round(cpus, 2))  # 1.4999999 CPUs is 1.5: no extra worker from float noise
    if _FORMULA == "2n+1":
        by_cpu, rule = int(_math.ceil(2 * cpus)) + 1, "2 x CPUs + 1"
    else:
        # At least 2: a worker being replaced (max_requests), restarted or stuck in a blocking call never
        # leaves the container with nothing serving while the other one boots.
        by_cpu, rule = max(2, int(_math.ceil(cpus))), "one per CPU, at least 2"
    sizing.update(cpus=cpus, cpu_source=cpu_source, by_cpu=by_cpu)
    reason = "%d by CPU (%s; CPUs %g = %s)" % (by_cpu, rule, cpus, cpu_source)
    memory = _memory_limit(cgroup_root, proc_cgroup)
    if memory is None and _DECLARED_MEMORY_MIB is not None:
        memory = (_DECLARED_MEMORY_MIB, "declared in .projenrc.ts, no cgroup memory limit")
    workers = by_cpu
    if memory is not None:
        by_memory = (memory[0] - _RESERVE_MIB) // _MEMORY_PER_WORKER_MIB
        if by_memory < 1:
            sizing["warnings"].append(
                "%d MiB of memory (%s) leaves less than one worker's %d MiB after the %d MiB reserve: starting 1 worker"
                % (memory[0], memory[1], _MEMORY_PER_WORKER_MIB, _RESERVE_MIB))
            by_memory = 1
        sizing.update(memory_mib=memory[0], memory_source=memory[1], by_memory=by_memory)
        reason += "; %d by memory ((%d - %d reserve) MiB / %d MiB per worker; %d MiB: %s)" % (
            by_memory, memory[0], _RESERVE_MIB, _MEMORY_PER_WORKER_MIB, memory[0], memory[1])
        workers = min(by_cpu, by_memory)
    sizing.update(workers=workers, reason=reason)
    return sizing


def _coherence_warnings(cfg):
    """What an override made incoherent: keep-alive against the proxy, timeout against the graceful timeout."""
    warnings = []
    if _PROXY_IDLE_TIMEOUT is not None and cfg.keepalive <= _PROXY_IDLE_TIMEOUT:
        warnings.append("keepalive %ds is not longer than the proxy's upstream idle timeout (%ds): the proxy may "
                        "reuse a connection gunicorn is closing, and answer 502" % (cfg.keepalive, _PROXY_IDLE_TIMEOUT))
    if cfg.timeout < cfg.graceful_timeout:
        warnings.append("timeout %ds is shorter than graceful_timeout %ds: a draining worker stops heart-beating "
                        "and is killed after timeout" % (cfg.timeout, cfg.graceful_timeout))
    return warnings


def _on_starting(server):
    """Logs the worker count and why, once, when the master starts."""
    count, sizing = server.cfg.workers, _SIZING
    if count != sizing["workers"]:
        server.log.info("Keelson: %d workers, set by the command line or GUNICORN_CMD_ARGS (the config computed %d: %s)",
                        count, sizing["workers"], sizing["reason"])
    else:
        server.log.info("Keelson: %d worker%s: %s", count, "" if count == 1 else "s", sizing["reason"])
    for warning in sizing["warnings"] + _WARNINGS + _coherence_warnings(server.cfg):
        server.log.warning("Keelson: %s", warning)
`;

/** The JSON access-log formatter and the logging dict that installs it; only in files that use it. */
export const PYTHON_JSON_ACCESS_LOG = String.raw`

# ---- JSON access log ----

class _JsonAccessFormatter(_logging.Formatter):
    """One JSON object per request, from gunicorn's own workers (the access-log atoms) or uvicorn's workers."""

    def format(self, record):
        entry = {
            "time": _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(record.created)) + ".%03dZ" % record.msecs,
            "pid": record.process,
        }
        args = record.args
        if isinstance(args, dict):
            # gunicorn's workers log access_log_format with a dict of atoms, quotes escaped and "-" for none.
            atom = lambda key: _atom(args.get(key))
            entry.update(remote_addr=atom("h"), method=atom("m"), path=atom("U"), query=atom("q") or None,
                         protocol=atom("H"), status=_int_or(atom("s")), bytes=_int_or(atom("B")),
                         duration_ms=_ms(atom("D")), referer=atom("f"), user_agent=atom("a"))
        elif isinstance(args, tuple) and len(args) == 5:
            # uvicorn logs '%s - "%s %s HTTP/%s" %d' with client, method, path and query, HTTP version, status.
            client, method, path, version, status = args
            entry.update(remote_addr=client, method=method, path=path, protocol="HTTP/%s" % version,
                         status=_int_or(status))
        else:
            entry["message"] = record.getMessage()
        return _json.dumps(entry, default=str)


def _atom(value):
    if value == "-":
        return None
    if isinstance(value, str):
        return value.replace('\\"', '"')
    return value


def _int_or(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _ms(microseconds):
    try:
        return round(int(microseconds) / 1000.0, 3)
    except (TypeError, ValueError):
        return None


def _json_logconfig(level):
    """Access log as JSON lines on stdout; the error log as gunicorn writes it, on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access_json"], "propagate": False},
        },
        "handlers": {
            "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
            "access_json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        },
        "formatters": {
            "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
                        "datefmt": "[%Y-%m-%d %H:%M:%S %z]", "class": "logging.Formatter"},
            "json": {"()": _JsonAccessFormatter},
        },
    }
`;
