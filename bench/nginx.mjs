#!/usr/bin/env node
// Benchmark: Keelson's nginx + gunicorn versus the chapter's setup, same app, same load, one run each.
//
//   (a) chapter: a plain `proxy_pass http://127.0.0.1:P;` nginx (no upstream keep-alive: HTTP/1.0 and
//       `Connection: close` to the app, nginx's defaults) in front of gunicorn started with the chapter's
//       gunicorn.conf.py (/work/shared/reference/containerization-chapter.md, section "Optimized Gunicorn
//       Configuration"), unchanged except `--bind 127.0.0.1:PORT` on the command line, which overrides the file's
//       0.0.0.0 so nothing listens beyond loopback.
//   (b) keelson: the generated nginx.conf (NginxConfig, `upstream: gunicorn`, plain HTTP listener: `tls: false`,
//       rate limit off: one client address at full speed is what it exists to stop) in front of the generated
//       gunicorn.conf.py (GunicornConfig, the legacy uvicorn worker Debian's uvicorn 0.17.6 ships), same --bind.
//
// Same app (examples/fastapi-service, GET /health), same nginx binary and worker count, plain HTTP on loopback
// for both (TLS would add the same handshake cost to both and hide the upstream difference; wrk keeps its client
// connections open either way). wrk: fixed threads, connections and duration, a short warm-up, then one run.
//
// Usage: node bench/nginx.mjs   (after `pnpm compile`; needs Debian's nginx, gunicorn, python3-uvicorn,
// python3-fastapi, and wrk). Writes bench/results-nginx.json.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { plainNginxConf } from './lib/stacks.mjs';

const WORKSPACE = resolve(import.meta.dirname, '..');
const APP_DIR = join(WORKSPACE, 'examples', 'fastapi-service');
const CHAPTER = process.env.KEELSON_CHAPTER ?? '/work/shared/reference/containerization-chapter.md';
const RESULTS = join(WORKSPACE, 'bench', 'results-nginx.json');
const NGINX = '/usr/sbin/nginx';
const GUNICORN = '/usr/bin/gunicorn';
const WRK = '/usr/bin/wrk';
const LOAD = { threads: 2, connections: 64, durationSeconds: 15, warmupSeconds: 3, path: '/health', host: 'localhost' };

const require = createRequire(import.meta.url);
const started = [];

function fail(message) {
  console.error(`bench/nginx.mjs: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

for (const program of [NGINX, GUNICORN, WRK]) if (!existsSync(program)) fail(`${program} is missing (scripts/setup.sh installs nginx and gunicorn; apt-get install wrk)`);
for (const pkg of ['core', 'gunicorn', 'nginx']) {
  if (!existsSync(join(WORKSPACE, 'packages', pkg, 'dist', 'index.js'))) fail(`packages/${pkg} is not compiled: run pnpm compile first`);
}
if (!existsSync(CHAPTER)) fail(`the chapter is not at ${CHAPTER} (set KEELSON_CHAPTER)`);

const { ResourceLimits, ServiceEndpoint, ServiceProject } = require(join(WORKSPACE, 'packages', 'core', 'dist'));
const { GunicornConfig } = require(join(WORKSPACE, 'packages', 'gunicorn', 'dist'));
const { NginxConfig } = require(join(WORKSPACE, 'packages', 'nginx', 'dist'));
const { Testing } = require(require.resolve('projen', { paths: [join(WORKSPACE, 'packages', 'nginx')] }));

/** nginx as nobody when this runs as root: the generated file needs no root, and neither does the plain one. */
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function freePort() {
  return new Promise((ok, ko) => {
    const server = createServer();
    server.once('error', ko);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Starts a process in its own group, output to a file (nginx reopens /dev/stdout: a socketpair would not do). */
function start(label, command, args, options = {}) {
  const log = join(options.logDir, `${label}.log`);
  const fd = openSync(log, 'w');
  chmodSync(log, 0o666);
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: true, ...options.user });
  closeSync(fd);
  const entry = { label, child, log, exited: false };
  child.on('exit', () => { entry.exited = true; });
  started.push(entry);
  return entry;
}

async function stop(entry) {
  if (entry.exited) return;
  try { process.kill(-entry.child.pid, 'SIGTERM'); } catch { /* gone */ }
  for (let i = 0; i < 100 && !entry.exited; i++) await sleep(50);
  if (!entry.exited) try { process.kill(-entry.child.pid, 'SIGKILL'); } catch { /* gone */ }
  for (let i = 0; i < 40 && !entry.exited; i++) await sleep(50);
}

async function stopAll() {
  for (const entry of started.reverse()) await stop(entry);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stopAll().finally(() => process.exit(130)); });

/** Waits until GET path on port answers 200 (Host: localhost). */
async function waitReady(label, port, entries, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = entries.find((e) => e.exited);
    if (dead) fail(`${dead.label} exited:\n${readFileSync(dead.log, 'utf-8').slice(-3000)}`);
    const out = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${LOAD.host}`, `http://127.0.0.1:${port}${LOAD.path}`], { encoding: 'utf-8' });
    if (out.stdout === '200') return;
    await sleep(200);
  }
  fail(`${label} did not answer ${LOAD.path} on ${port} within ${timeoutMs / 1000} s`);
}

/** The chapter's gunicorn.conf.py, as printed in the chapter. */
function chapterGunicornConf() {
  const text = readFileSync(CHAPTER, 'utf-8');
  const match = /```python\n(# gunicorn\.conf\.py - Production server configuration\n[\s\S]*?)```/.exec(text);
  if (!match) fail(`no gunicorn.conf.py block in ${CHAPTER}`);
  return match[1];
}


/** The generated pair of (b), from one project. */
function keelsonConfs(prefix, listenPort, appPort, nginxVersion) {
  const project = new ServiceProject({ name: 'bench', outdir: mkdtempSync(join(tmpdir(), 'keelson-bench-project-')) });
  const gunicorn = new GunicornConfig(project, {
    workerClass: 'uvicorn-legacy',
    versions: { gunicorn: '20.1.0', uvicorn: '0.17.6' },
    endpoint: new ServiceEndpoint({ port: appPort }),
  });
  const nginx = new NginxConfig(project, {
    upstream: gunicorn,
    upstreamHost: '127.0.0.1',
    serverNames: [LOAD.host],
    tls: false,
    rateLimit: false,
    rateLimitZones: [],
    nginxVersion,
    tmpDir: prefix,
    listenAddresses: ['127.0.0.1'],
    listenPorts: { http: listenPort },
    resources: new ResourceLimits({ cpus: 1 }),
  });
  const out = Testing.synth(project);
  return { gunicornConf: out[GunicornConfig.FILE], nginxConf: out[NginxConfig.FILE], nginx, gunicorn };
}

function seconds(value, unit) {
  return Number(value) * { us: 1e-6, ms: 1e-3, s: 1, m: 60 }[unit];
}

/** Runs wrk and reads requests/s, p99 latency and the non-2xx/3xx count from its report. */
function wrk(port, durationSeconds) {
  const args = ['-t', String(LOAD.threads), '-c', String(LOAD.connections), '-d', `${durationSeconds}s`, '--latency', '-H', `Host: ${LOAD.host}`,
    `http://127.0.0.1:${port}${LOAD.path}`];
  const out = spawnSync(WRK, args, { encoding: 'utf-8', timeout: (durationSeconds + 30) * 1000 });
  if (out.status !== 0) fail(`wrk failed: ${out.stderr || out.stdout}`);
  const text = out.stdout;
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s+(\d+) requests in ([\d.]+)(us|ms|s|m)/m.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (!p99 || !rps || !total) fail(`cannot read wrk's report:\n${text}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p99Ms: seconds(p99[1], p99[2]) * 1000,
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socketErrors ? { connect: +socketErrors[1], read: +socketErrors[2], write: +socketErrors[3], timeout: +socketErrors[4] } : { connect: 0, read: 0, write: 0, timeout: 0 },
    report: text,
  };
}

/** Workers gunicorn booted during the run: its starting workers plus those max_requests replaced. */
function workerBoots(log) {
  return (readFileSync(log, 'utf-8').match(/Booting worker with pid/g) ?? []).length;
}

async function runSetup(name, { gunicornConf, nginxConf, appPort, listenPort, dir }) {
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o755 });
  chmodSync(logDir, 0o755);
  const gunicornPath = join(dir, 'gunicorn.conf.py');
  writeFileSync(gunicornPath, gunicornConf);
  const nginxPath = join(dir, 'nginx.conf');
  writeFileSync(nginxPath, nginxConf, { mode: 0o644 });
  const app = start(`${name}-gunicorn`, GUNICORN, ['--config', gunicornPath, '--bind', `127.0.0.1:${appPort}`, '--chdir', APP_DIR, 'app.main:app'], {
    cwd: APP_DIR, logDir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  await waitReady(`${name} gunicorn`, appPort, [app]);
  const nginx = start(`${name}-nginx`, NGINX, ['-p', `${dir}/`, '-c', nginxPath, '-e', 'stderr', '-g', 'daemon off;'], { logDir, user: asUser });
  await waitReady(`${name} nginx`, listenPort, [app, nginx]);
  wrk(listenPort, LOAD.warmupSeconds);
  const result = wrk(listenPort, LOAD.durationSeconds);
  const boots = workerBoots(app.log);
  await stop(nginx);
  await stop(app);
  return { ...result, gunicornWorkerBoots: boots };
}

async function main() {
  const nginxVersion = /nginx\/(\d+\.\d+\.\d+)/.exec(spawnSync(NGINX, ['-v'], { encoding: 'utf-8' }).stderr)?.[1];
  const root = mkdtempSync(join(tmpdir(), 'keelson-bench-nginx-'));
  chmodSync(root, 0o755);
  const dirs = { chapter: join(root, 'chapter'), keelson: join(root, 'keelson'), attribution: join(root, 'attribution') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    if (asUser.uid !== undefined) chownSync(dir, asUser.uid, asUser.gid);
  }
  const ports = {
    chapterApp: await freePort(), chapterNginx: await freePort(), keelsonApp: await freePort(), keelsonNginx: await freePort(),
    attributionApp: await freePort(), attributionNginx: await freePort(),
  };
  const keelson = keelsonConfs(dirs.keelson, ports.keelsonNginx, ports.keelsonApp, nginxVersion);

  console.log(`wrk ${LOAD.threads} threads, ${LOAD.connections} connections, ${LOAD.durationSeconds} s (after ${LOAD.warmupSeconds} s warm-up), GET ${LOAD.path}, nginx ${nginxVersion}`);
  const chapter = await runSetup('chapter', {
    gunicornConf: chapterGunicornConf(), nginxConf: plainNginxConf(dirs.chapter, ports.chapterNginx, ports.chapterApp),
    appPort: ports.chapterApp, listenPort: ports.chapterNginx, dir: dirs.chapter,
  });
  const ours = await runSetup('keelson', {
    gunicornConf: keelson.gunicornConf, nginxConf: keelson.nginxConf,
    appPort: ports.keelsonApp, listenPort: ports.keelsonNginx, dir: dirs.keelson,
  });

  // Attribution only (not part of the comparison asked for): the chapter's plain nginx in front of Keelson's
  // gunicorn, to tell how much of the difference is the proxy and how much the app server.
  const attributionConfs = keelsonConfs(dirs.attribution, ports.attributionNginx, ports.attributionApp, nginxVersion);
  const attribution = await runSetup('attribution', {
    gunicornConf: attributionConfs.gunicornConf, nginxConf: plainNginxConf(dirs.attribution, ports.attributionNginx, ports.attributionApp),
    appPort: ports.attributionApp, listenPort: ports.attributionNginx, dir: dirs.attribution,
  });

  const ratio = (b, a) => (a === 0 ? null : Number((b / a).toFixed(3)));
  const row = (name, r) => `${name.padEnd(9)} ${r.requestsPerSecond.toFixed(0).padStart(10)} ${r.p99Ms.toFixed(2).padStart(9)} ${String(r.non2xx).padStart(8)} `
    + `${String(r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout).padStart(8)} ${String(r.gunicornWorkerBoots).padStart(12)}`;
  console.log(`\n${'setup'.padEnd(9)} ${'req/s'.padStart(10)} ${'p99 ms'.padStart(9)} ${'non-2xx'.padStart(8)} ${'sock err'.padStart(8)} ${'worker boots'.padStart(12)}`);
  console.log(row('chapter', chapter));
  console.log(row('keelson', ours));
  console.log(`${row('(plain nginx + keelson gunicorn, attribution only)'.slice(0, 9), attribution)}  <- attribution only: the chapter's plain nginx in front of Keelson's gunicorn`);
  const ratios = {
    throughput: ratio(ours.requestsPerSecond, chapter.requestsPerSecond),
    p99: ratio(ours.p99Ms, chapter.p99Ms),
    non2xx: { keelson: ours.non2xx, chapter: chapter.non2xx },
  };
  console.log(`\nkeelson / chapter: throughput x${ratios.throughput}, p99 x${ratios.p99}, non-2xx ${ours.non2xx} vs ${chapter.non2xx}`);
  console.log(`attribution: keelson's nginx vs a plain proxy_pass, both in front of keelson's gunicorn: throughput x${ratio(ours.requestsPerSecond, attribution.requestsPerSecond)}, `
    + `p99 x${ratio(ours.p99Ms, attribution.p99Ms)}`);

  const strip = ({ report, ...rest }) => ({ ...rest, wrkReport: report.trim().split('\n') });
  writeFileSync(RESULTS, `${JSON.stringify({
    date: new Date().toISOString(),
    load: LOAD,
    nginxVersion,
    gunicorn: spawnSync(GUNICORN, ['--version'], { encoding: 'utf-8' }).stdout.trim(),
    cpus: (await import('node:os')).cpus().length,
    setups: {
      chapter: { description: "plain proxy_pass, no upstream keep-alive; the chapter's gunicorn.conf.py with --bind 127.0.0.1:PORT", ...strip(chapter) },
      keelson: {
        description: 'generated nginx.conf (tls: false, rateLimit: false) + generated gunicorn.conf.py (uvicorn-legacy), --bind 127.0.0.1:PORT',
        upstreamIdleTimeoutSeconds: keelson.nginx.upstreamIdleTimeoutSeconds, gunicornKeepAliveSeconds: keelson.gunicorn.keepAliveSeconds,
        ...strip(ours),
      },
    },
    ratios,
    attribution: {
      description: "attribution only: the chapter's plain proxy_pass nginx in front of Keelson's generated gunicorn.conf.py",
      ...strip(attribution),
      keelsonOverThis: { throughput: ratio(ours.requestsPerSecond, attribution.requestsPerSecond), p99: ratio(ours.p99Ms, attribution.p99Ms) },
    },
  }, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
  if (process.env.KEELSON_BENCH_KEEP) console.log(`kept ${root}`); else rmSync(root, { recursive: true, force: true });
}

const overall = setTimeout(() => { console.error('bench/nginx.mjs: gave up after 5 minutes'); stopAll().finally(() => process.exit(1)); }, 300_000);
main().catch((error) => {
  if (!process.exitCode) console.error(error);
  process.exitCode = 1;
}).finally(async () => {
  await stopAll();
  clearTimeout(overall);
});

