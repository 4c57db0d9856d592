#!/usr/bin/env node
// Benchmark: the example service (examples/fastapi-service, app.main:app) served by Debian's gunicorn with
// Keelson's generated gunicorn.conf.py versus the containerization chapter's gunicorn.conf.py
// (/work/shared/reference/containerization-chapter.md), same app, same machine, one run each, loaded by wrk
// on loopback. Prints requests/s and p99 latency per route, the ratio keelson/chapter, and writes
// bench/results-gunicorn.json.
//
//   node bench/gunicorn.mjs [--rounds=N]   (after `pnpm exec projen compile` in packages/gunicorn)
//
// Each cell (scenario, route, config) is measured N times (default 3), the configs alternating, and the median
// reported: a single 10 s wrk run on a small shared machine varies by tens of percent.
//
// Two scenarios:
//   host       the machine as it is: no CPU quota, no memory limit
//   container  both servers inside a real cgroup with 1 CPU of quota and 512 MiB, the container the chapter's
//              compose file declares (cpus: '1.0', memory: 512M); only where this machine lets us create one
//              (root and a writable cgroup hierarchy), otherwise reported as skipped
// wrk itself always runs outside the cgroup.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKSPACE = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = join(WORKSPACE, 'examples', 'fastapi-service');
const GUNICORN = '/usr/bin/gunicorn';
const WRK = '/usr/bin/wrk';
const DURATION_S = 10;
const WARMUP_S = 2;
const CONNECTIONS = 64;
const THREADS = 2;
const ROUTES = ['/health', '/whoami'];
const ROUNDS = Number(/^--rounds=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 3);
const RESULTS = join(WORKSPACE, 'bench', 'results-gunicorn.json');

// The chapter's gunicorn.conf.py, verbatim except for one line, marked CHANGED: its pidfile moves from
// /tmp/gunicorn.pid into this run's temp dir, so it cannot collide with another gunicorn on this machine
// (gunicorn refuses to start over a live pidfile). Everything else is the chapter's: the worker count from
// the host's cpu_count, the deprecated uvicorn.workers.UvicornWorker (which is also what Debian's uvicorn
// 0.17.6 has), keepalive 2, forwarded_allow_ips "*", preload_app, max_requests 1000. The bind address is
// overridden on the command line for both servers alike, to a loopback port.
const chapterConfig = (pidfile) => `# gunicorn.conf.py - Production server configuration
import multiprocessing
import os

# Server socket
bind = f"0.0.0.0:{os.getenv('PORT', '8000')}"

# Worker processes
# Formula: (2 x CPU cores) + 1
workers = multiprocessing.cpu_count() * 2 + 1

# Worker class
# uvicorn.workers.UvicornWorker for ASGI (FastAPI)
worker_class = "uvicorn.workers.UvicornWorker"

# Connection handling
worker_connections = 1000
keepalive = 2
timeout = 30
graceful_timeout = 30

# Logging
accesslog = "-"  # stdout
errorlog = "-"   # stdout
loglevel = os.getenv("LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

# Process naming
proc_name = "fastapi_app"

# Server mechanics
daemon = False
pidfile = ${JSON.stringify(pidfile)}  # CHANGED: was "/tmp/gunicorn.pid"

# SSL (terminate at load balancer/proxy in production)
forwarded_allow_ips = "*"
secure_scheme_headers = {
    'X-FORWARDED-PROTOCOL': 'ssl',
    'X-FORWARDED-PROTO': 'https',
    'X-FORWARDED-SSL': 'on'
}

# Preload application for memory efficiency
preload_app = True

# Worker temporary directory (in-memory for containers)
worker_tmp_dir = "/dev/shm"

# Max requests before worker restart (prevent memory leaks)
max_requests = 1000
max_requests_jitter = 50

# Server hooks
def on_starting(server):
    """Called just before master process is initialized."""
    pass

def on_reload(server):
    """Called when receiving SIGHUP."""
    pass

def when_ready(server):
    """Called just after server is started."""
    pass

def worker_int(worker):
    """Called when worker receives SIGINT or SIGQUIT."""
    pass

def on_exit(server):
    """Called just before exiting Gunicorn."""
    pass
`;

/** Keelson's gunicorn.conf.py for the example: its endpoint, the uvicorn-legacy class (Debian's uvicorn 0.17.6). */
function keelsonConfig() {
  const require = createRequire(join(WORKSPACE, 'packages', 'gunicorn', 'package.json'));
  const { ServiceEndpoint, ServiceProject } = require('@keelson/core');
  const { Testing } = require('projen');
  let GunicornConfig;
  try {
    ({ GunicornConfig } = require(join(WORKSPACE, 'packages', 'gunicorn', 'dist')));
  } catch {
    throw new Error('packages/gunicorn is not compiled: run `pnpm exec projen compile` in packages/gunicorn first');
  }
  const project = new ServiceProject({ name: 'fastapi-service', outdir: mkdtempSync(join(tmpdir(), 'keelson-bench-project-')) });
  new GunicornConfig(project, {
    workerClass: 'uvicorn-legacy',
    endpoint: new ServiceEndpoint({ port: 8000, healthPath: '/health' }),
  });
  return Testing.synth(project)['gunicorn.conf.py'];
}

// ---- processes, always cleaned up ----

const started = new Set();
const cgroups = [];

function cleanup() {
  for (const child of started) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  started.clear();
  for (const dir of cgroups.splice(0).reverse()) {
    for (let i = 0; i < 50 && existsSync(dir); i++) {
      try { rmdirSync(dir); } catch { spawnSync('sleep', ['0.1']); }
    }
  }
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { cleanup(); process.exit(130); });

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => done(port)); });
  });
}

/** The servers' environment: no inherited WEB_CONCURRENCY (gunicorn itself reads it), no bytecode in the example. */
function serverEnv(port) {
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PORT: String(port) };
  delete env.WEB_CONCURRENCY;
  return env;
}

/** Starts gunicorn with `config` on 127.0.0.1:port, inside `cgroupDirs` when given; resolves once /health is 200. */
async function serve(configPath, port, cgroupDirs) {
  const args = ['--config', configPath, '--bind', `127.0.0.1:${port}`, 'app.main:app'];
  const enter = cgroupDirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join(' && ');
  const [command, commandArgs] = cgroupDirs.length
    ? ['sh', ['-c', `${enter} && exec ${GUNICORN} ${args.map((a) => `'${a}'`).join(' ')}`]]
    : [GUNICORN, args];
  // The error log goes to a file, never to a pipe: wrk runs synchronously, and a pipe nobody drains for 10 s fills
  // up and blocks gunicorn's logging (the master and the workers) until it is read. Access logs go to stdout,
  // discarded: both configs log every request, the cost is the same.
  const logPath = join(dirname(configPath), `gunicorn-${port}.log`);
  const logFd = openSync(logPath, 'w');
  const child = spawn(command, commandArgs, { cwd: EXAMPLE, detached: true, stdio: ['ignore', 'ignore', logFd], env: serverEnv(port) });
  closeSync(logFd);
  started.add(child);
  const log = () => readFileSync(logPath, 'utf-8');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited (${child.exitCode}):\n${log()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`gunicorn did not answer /health within 30 s:\n${log()}`);
    await sleep(200);
  }
  await sleep(1500); // every worker booted
  return { child, log, workers: workerCount(child.pid) };
}

function workerCount(masterPid) {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === masterPid;
    } catch { return false; }
  }).length;
}

async function stop(server) {
  try { process.kill(-server.child.pid, 'SIGKILL'); } catch { /* gone */ }
  started.delete(server.child);
  await sleep(300);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const UNITS = { us: 1e-3, ms: 1, s: 1000 };
const toMs = (value) => { const m = /^([\d.]+)(us|ms|s)$/.exec(value); return m ? Number(m[1]) * UNITS[m[2]] : NaN; };

/** Runs wrk against `url`; returns requests/s, p50/p99 in ms, and errors. */
function wrk(url, seconds) {
  const result = spawnSync(WRK, [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '5s', '--latency', url], { encoding: 'utf-8', timeout: (seconds + 30) * 1000 });
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr}`);
  const out = result.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1] ?? 'none';
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50Ms: p50, p99Ms: p99, requests, socketErrors, non2xx };
}

/** A cgroup with 1 CPU of quota and 512 MiB, or the reason there cannot be one here. */
function containerCgroup(label) {
  const tag = `keelson-bench-${process.pid}-${label}`;
  try {
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = join('/sys/fs/cgroup', tag);
      mkdirSync(dir); cgroups.push(dir);
      writeFileSync(join(dir, 'cpu.max'), '100000 100000');
      writeFileSync(join(dir, 'memory.max'), String(512 * 1024 * 1024));
      return { dirs: [dir] };
    }
    const cpu = join('/sys/fs/cgroup/cpu', tag);
    mkdirSync(cpu); cgroups.push(cpu);
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), '100000');
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '100000');
    const memory = join('/sys/fs/cgroup/memory', tag);
    mkdirSync(memory); cgroups.push(memory);
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(512 * 1024 * 1024));
    return { dirs: [cpu, memory] };
  } catch (error) {
    return { skipped: `cannot create a cgroup with a CPU quota here: ${error.message}` };
  }
}

/**
 * Starts both servers (in the container scenario each in its own cgroup, so neither shares the other's quota),
 * then measures route by route, alternating chapter and keelson, so drift in the machine's load hits both alike.
 */
async function scenario(name, configs, cgroupFor) {
  const servers = [];
  for (const [label, path] of configs) {
    const port = await freePort();
    const server = await serve(path, port, cgroupFor(label));
    servers.push({ label, port, server, sizing: /Keelson: (\d+ workers?: .*)/.exec(server.log())?.[1] });
  }
  const rows = [];
  for (const route of ROUTES) {
    const rounds = new Map(servers.map(({ label }) => [label, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { label, port, server } of servers) {
        wrk(`http://127.0.0.1:${port}${route}`, WARMUP_S);
        const measured = wrk(`http://127.0.0.1:${port}${route}`, DURATION_S);
        rounds.get(label).push(measured);
        console.log(`  ${name.padEnd(9)} ${route.padEnd(8)} round ${round}  ${label.padEnd(7)} workers ${String(server.workers).padStart(2)}  ${measured.rps.toFixed(0).padStart(6)} req/s  p99 ${measured.p99Ms.toFixed(2).padStart(8)} ms`);
      }
    }
    for (const { label, server, sizing } of servers) {
      const measured = rounds.get(label);
      rows.push({
        scenario: name, config: label, route, workers: server.workers,
        rps: median(measured.map((m) => m.rps)), p50Ms: median(measured.map((m) => m.p50Ms)), p99Ms: median(measured.map((m) => m.p99Ms)),
        non2xx: measured.reduce((sum, m) => sum + m.non2xx, 0), socketErrors: measured.map((m) => m.socketErrors).join(' | '),
        rounds: measured, ...(sizing ? { sizing } : {}),
      });
    }
  }
  for (const { server } of servers) await stop(server);
  return rows;
}

async function main() {
  for (const tool of [GUNICORN, WRK]) if (!existsSync(tool)) throw new Error(`${tool} is missing (apt-get install gunicorn wrk python3-uvicorn python3-fastapi)`);
  const dir = mkdtempSync(join(tmpdir(), 'keelson-bench-'));
  const chapterPath = join(dir, 'chapter', 'gunicorn.conf.py');
  const keelsonPath = join(dir, 'keelson', 'gunicorn.conf.py');
  mkdirSync(dirname(chapterPath)); mkdirSync(dirname(keelsonPath));
  writeFileSync(chapterPath, chapterConfig(join(dir, 'chapter', 'gunicorn.pid')));
  writeFileSync(keelsonPath, keelsonConfig());
  const configs = [['chapter', chapterPath], ['keelson', keelsonPath]];
  const version = spawnSync(GUNICORN, ['--version'], { encoding: 'utf-8' }).stdout.trim();
  const loadBefore = readFileSync('/proc/loadavg', 'utf-8').split(' ').slice(0, 3).join(' ');
  console.log(`${version}, ${cpus().length} CPUs (load average ${loadBefore}), wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION_S}s --latency `
    + `(after a ${WARMUP_S} s warm-up), routes ${ROUTES.join(' ')}, median of ${ROUNDS} alternating round${ROUNDS === 1 ? '' : 's'}`);

  const rows = await scenario('host', configs, () => []);
  const cgroupsByConfig = Object.fromEntries(configs.map(([label]) => [label, containerCgroup(label)]));
  const skipped = {};
  const whyNot = Object.values(cgroupsByConfig).find((c) => c.skipped)?.skipped;
  if (!whyNot) rows.push(...await scenario('container', configs, (label) => cgroupsByConfig[label].dirs));
  else { skipped.container = whyNot; console.log(`  container scenario skipped: ${whyNot}`); }
  cleanup();

  const ratios = [];
  for (const name of ['host', 'container']) {
    for (const route of ROUTES) {
      const chapter = rows.find((r) => r.scenario === name && r.route === route && r.config === 'chapter');
      const keelson = rows.find((r) => r.scenario === name && r.route === route && r.config === 'keelson');
      if (!chapter || !keelson) continue;
      ratios.push({ scenario: name, route, workers: `${keelson.workers} vs ${chapter.workers}`, rps: keelson.rps / chapter.rps, p99: keelson.p99Ms / chapter.p99Ms });
    }
  }
  console.log(`\nmedians of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; socket errors per round (a "read" error is a keep-alive connection the server closed, e.g. when a worker is replaced)`);
  console.log('| scenario | route | config | workers | req/s | p50 ms | p99 ms | non-2xx | socket errors |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const errors = r.rounds.map((m) => /read (\d+)/.exec(m.socketErrors)?.[1] ?? '0').join('/');
    console.log(`| ${r.scenario} | ${r.route} | ${r.config} | ${r.workers} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.non2xx} | read ${errors} |`);
  }
  console.log('\nkeelson / chapter (req/s: higher is better; p99: lower is better)');
  for (const r of ratios) console.log(`  ${r.scenario.padEnd(9)} ${r.route.padEnd(8)} workers ${r.workers.padEnd(7)}  req/s x${r.rps.toFixed(2)}  p99 x${r.p99.toFixed(2)}`);

  const loadAfter = readFileSync('/proc/loadavg', 'utf-8').split(' ').slice(0, 3).join(' ');
  writeFileSync(RESULTS, `${JSON.stringify({
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, gunicorn: version, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    wrk: { threads: THREADS, connections: CONNECTIONS, durationSeconds: DURATION_S, warmupSeconds: WARMUP_S, rounds: ROUNDS },
    rows, ratios, skipped,
  }, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
}

main().catch((error) => { console.error(error.message); cleanup(); process.exit(1); });
