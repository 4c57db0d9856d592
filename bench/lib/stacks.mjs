// The serving stacks the benchmarks compare, all serving the example app (examples/fastapi-service, app.main:app)
// on loopback:
//   chapter  the containerization chapter's gunicorn.conf.py behind a plain `proxy_pass` nginx
//   keelson  Keelson's generated gunicorn.conf.py and nginx/nginx.conf, from one project
//   uvicorn  the app under one bare uvicorn process, no proxy: the floor
// Debian's programs: nginx 1.22, gunicorn 20.1, uvicorn 0.17.6 (whose uvicorn.workers.UvicornWorker both gunicorn
// configs use). Every process goes through processes.mjs: its own group, log to a file, killed at the end.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, stop, tempDir, waitReady } from './processes.mjs';
import { CHAPTER, EXAMPLE, keelsonModules } from './workspace.mjs';

export const NGINX = '/usr/sbin/nginx';
export const GUNICORN = '/usr/bin/gunicorn';
export const PYTHON = '/usr/bin/python3';
export const HOST = 'localhost';
export const HEALTH = '/health';

/** nginx as nobody when this runs as root: neither nginx file needs root. */
export const NGINX_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

/** The servers' environment: no inherited WEB_CONCURRENCY (gunicorn reads it), no bytecode written into the example. */
export function serverEnv() {
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.WEB_CONCURRENCY;
  return env;
}

let cachedNginxVersion;
/** Debian's nginx version, e.g. '1.22.1' (the generated file is checked against it). */
export function nginxVersion() {
  cachedNginxVersion ??= /nginx\/(\d+\.\d+\.\d+)/.exec(spawnSync(NGINX, ['-v'], { encoding: 'utf-8' }).stderr)?.[1];
  return cachedNginxVersion;
}

/**
 * The chapter's gunicorn.conf.py, as printed in the chapter, with one line changed: its pidfile moves from
 * /tmp/gunicorn.pid into `dir`, so it cannot collide with another gunicorn on this machine (gunicorn 20.1 refuses to
 * start over a live pidfile). Everything else is the chapter's: workers = 2 x cpu_count + 1, keepalive 2,
 * max_requests 1000 (+ jitter 50), preload_app, access log to stdout.
 */
export function chapterGunicornConf(dir) {
  const text = readFileSync(CHAPTER, 'utf-8');
  const match = /```python\n(# gunicorn\.conf\.py - Production server configuration\n[\s\S]*?)```/.exec(text);
  if (!match) throw new Error(`no gunicorn.conf.py block in ${CHAPTER} (set KEELSON_CHAPTER)`);
  const pid = /^pidfile = .*$/m;
  if (!pid.test(match[1])) throw new Error(`the chapter's gunicorn.conf.py has no pidfile line any more: check ${CHAPTER}`);
  return match[1].replace(pid, `pidfile = ${JSON.stringify(join(dir, 'gunicorn.pid'))}  # CHANGED for the benchmark: was "/tmp/gunicorn.pid"`);
}

/** The plain nginx of the chapter stack: proxy_pass to the app and nothing else; paths under `prefix`. */
export function plainNginxConf(prefix, listenPort, appPort) {
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr;
events { worker_connections 1024; }
http {
    client_body_temp_path ${prefix}/client-body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    access_log ${prefix}/access.log;
    server {
        listen 127.0.0.1:${listenPort};
        location / {
            proxy_pass http://127.0.0.1:${appPort};
        }
    }
}
`;
}

/**
 * Keelson's gunicorn.conf.py and nginx/nginx.conf for the example app, synthesized from one project in a temp dir:
 * the example's endpoint and limits, the uvicorn-legacy worker class (Debian's uvicorn 0.17.6 has
 * uvicorn.workers.UvicornWorker, no uvicorn-worker package), nginx proxying to 127.0.0.1 instead of compose's
 * service name, listening on a loopback port, its temp and pid paths under `prefix`. Plain HTTP (tls: false), as
 * for the chapter's nginx: TLS would add the same handshake cost to both. No rate limit: wrk is one client address,
 * and a limit per address would turn the measurement into a count of 503s. nginx gets one worker process (1 CPU),
 * as the plain nginx has.
 */
export function keelsonConfs(prefix, listenPort, appPort) {
  const { core, gunicorn: { GunicornConfig }, nginx: { NginxConfig }, projen: { Testing } } = keelsonModules();
  const project = new core.ServiceProject({ name: 'fastapi-service', outdir: tempDir('keelson-bench-project-') });
  const gunicorn = new GunicornConfig(project, {
    endpoint: new core.ServiceEndpoint({ port: appPort, healthPath: HEALTH }),
    limits: new core.ResourceLimits({ cpus: 1, memoryMiB: 512 }),
    workerClass: 'uvicorn-legacy',
    versions: { gunicorn: '20.1.0', uvicorn: '0.17.6' },
  });
  const nginx = new NginxConfig(project, {
    upstream: gunicorn,
    upstreamHost: '127.0.0.1',
    serverNames: [HOST],
    tls: false,
    rateLimit: false,
    rateLimitZones: [],
    nginxVersion: nginxVersion(),
    tmpDir: prefix,
    listenAddresses: ['127.0.0.1'],
    listenPorts: { http: listenPort },
    resources: new core.ResourceLimits({ cpus: 1 }),
  });
  const out = Testing.synth(project);
  return {
    gunicornConf: out[GunicornConfig.FILE],
    nginxConf: out[NginxConfig.FILE],
    upstreamIdleTimeoutSeconds: nginx.upstreamIdleTimeoutSeconds,
    gunicornKeepAliveSeconds: gunicorn.keepAliveSeconds,
  };
}

/** A directory nginx (as nobody) and gunicorn can both use. */
function stackDir(root, name) {
  const dir = join(root, name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  for (const d of [dir, join(dir, 'logs')]) {
    chmodSync(d, 0o755);
    if (NGINX_USER) chownSync(d, NGINX_USER.uid, NGINX_USER.gid);
  }
  return dir;
}

function startGunicorn(name, dir, conf, appPort) {
  const path = join(dir, 'gunicorn.conf.py');
  writeFileSync(path, conf);
  return start(`${name}-gunicorn`, GUNICORN, ['--config', path, '--bind', `127.0.0.1:${appPort}`, '--chdir', EXAMPLE, 'app.main:app'], {
    cwd: EXAMPLE, logDir: join(dir, 'logs'), env: serverEnv(),
  });
}

function startNginx(name, dir, conf) {
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf, { mode: 0o644 });
  return start(`${name}-nginx`, NGINX, ['-p', `${dir}/`, '-c', path, '-e', 'stderr', '-g', 'daemon off;'], {
    logDir: join(dir, 'logs'), user: NGINX_USER,
  });
}

/** Starts a stack and resolves once its front answers GET /health with 200. */
export async function startStack(name, root, ports) {
  const dir = stackDir(root, name);
  const entries = [];
  const stack = { name, dir, port: ports.front, entries, details: {} };
  if (name === 'uvicorn') {
    const app = start('uvicorn', PYTHON, ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(ports.front)], {
      cwd: EXAMPLE, logDir: join(dir, 'logs'), env: serverEnv(),
    });
    entries.push(app);
    await waitReady('uvicorn', ports.front, HEALTH, HOST, entries);
    stack.app = app;
    stack.logs = { access: app.log, errors: app.log };
    stack.details = { command: `python3 -m uvicorn app.main:app --host 127.0.0.1 --port ${ports.front}`, processes: 1 };
    return stack;
  }
  let gunicornConf, nginxConf;
  if (name === 'chapter') {
    gunicornConf = chapterGunicornConf(dir);
    nginxConf = plainNginxConf(dir, ports.front, ports.app);
    stack.details = { gunicorn: "the chapter's gunicorn.conf.py (pidfile moved into the run's temp dir)", nginx: 'worker_processes 1; proxy_pass http://127.0.0.1:APP; nothing else' };
  } else {
    const confs = keelsonConfs(dir, ports.front, ports.app);
    gunicornConf = confs.gunicornConf;
    nginxConf = confs.nginxConf;
    stack.details = {
      gunicorn: "generated gunicorn.conf.py (the example's endpoint and limits, workerClass 'uvicorn-legacy')",
      nginx: 'generated nginx/nginx.conf (tls: false, rateLimit: false, upstream 127.0.0.1, 1 worker process)',
      upstreamIdleTimeoutSeconds: confs.upstreamIdleTimeoutSeconds, gunicornKeepAliveSeconds: confs.gunicornKeepAliveSeconds,
    };
  }
  const app = startGunicorn(name, dir, gunicornConf, ports.app);
  entries.push(app);
  await waitReady(`${name} gunicorn`, ports.app, HEALTH, HOST, entries);
  const nginx = startNginx(name, dir, nginxConf);
  entries.push(nginx);
  await waitReady(`${name} nginx`, ports.front, HEALTH, HOST, entries);
  stack.app = app;
  stack.logs = { access: name === 'chapter' ? join(dir, 'access.log') : nginx.log, errors: nginx.log };
  return stack;
}

/** Worker processes gunicorn booted so far (its starting workers, plus those max_requests or a crash replaced). */
export function workerBoots(stack) {
  return (stack.app.readLog().match(/Booting worker with pid/g) ?? []).length;
}

/** Keelson's gunicorn logs its sizing once at start. */
export function sizingLine(stack) {
  return /Keelson: (\d+ workers?[^\n]*)/.exec(stack.app.readLog())?.[1] ?? null;
}

export async function stopStack(stack) {
  for (const entry of [...stack.entries].reverse()) await stop(entry);
}

/** Where the stack's front logs are now: pass it to `frontLogSince` after a run. */
export function logMark(stack) {
  const size = (path) => (existsSync(path) ? statSync(path).size : 0);
  return { access: size(stack.logs.access), errors: size(stack.logs.errors) };
}

function readFrom(path, offset) {
  if (!existsSync(path)) return '';
  const length = statSync(path).size - offset;
  if (length <= 0) return '';
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try { readSync(fd, buffer, 0, length, offset); } finally { closeSync(fd); }
  return buffer.toString('utf-8');
}

/**
 * What the front (nginx, or uvicorn for the floor) logged since `mark`: the count of each status that is not
 * 2xx/3xx, and its error-level messages (counted, client details cut), which say why a 502 was a 502. nginx's 499
 * ("client closed request") is counted apart: wrk closes its connections with requests in flight when its time is
 * up, and does not count those as errors; nor should we.
 */
export function frontLogSince(stack, mark) {
  const statuses = {};
  let clientClosed = 0;
  for (const match of readFrom(stack.logs.access, mark.access).matchAll(/"status":(\d{3})|HTTP\/[\d.]+" (\d{3})/g)) {
    const status = match[1] ?? match[2];
    if (status === '499') clientClosed++;
    else if (!/^[23]/.test(status)) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const errors = {};
  for (const match of readFrom(stack.logs.errors, mark.errors).matchAll(/\[(?:error|crit|alert|emerg)\] \d+#\d+: (?:\*\d+ )?([^\n]*?)(?:, client: [^\n]*)?$/gm)) {
    const message = match[1].slice(0, 160);
    errors[message] = (errors[message] ?? 0) + 1;
  }
  return { nonOkStatuses: statuses, clientClosed499: clientClosed, errors };
}
