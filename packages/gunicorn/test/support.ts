import { ChildProcess, spawn, spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { request } from 'http';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { GunicornConfig, GunicornConfigProps } from '../src';

/** Debian's interpreter and gunicorn: the first python3 on PATH may be another install without these modules. */
export const PYTHON = '/usr/bin/python3';
export const GUNICORN = '/usr/bin/gunicorn';
/** The example service, whose app the real tests serve. */
export const EXAMPLE_DIR = resolve(__dirname, '..', '..', '..', 'examples', 'fastapi-service');
/** Apps and drivers the real tests run: a slow ASGI app, a WSGI app, the sizing driver. */
export const FIXTURES_DIR = join(__dirname, 'fixtures');

/** A service project in a fresh temp dir. */
export function serviceProject(name = 'svc'): ServiceProject {
  return new ServiceProject({ name, outdir: mkdtempSync(join(tmpdir(), 'keelson-gunicorn-')) });
}

/** A GunicornConfig with `props`, synthesized: the component, the file's text, and the file on disk. */
export function synthConfig(props: GunicornConfigProps = {}): { config: GunicornConfig; text: string; path: string } {
  const project = serviceProject();
  const config = new GunicornConfig(project, props);
  const text = Testing.synth(project)[GunicornConfig.FILE] as string;
  const dir = mkdtempSync(join(tmpdir(), 'keelson-gunicorn-conf-'));
  chmodSync(dir, 0o755); // readable by the unprivileged user some tests run gunicorn as
  const path = join(dir, GunicornConfig.FILE);
  writeFileSync(path, text, { mode: 0o644 });
  return { config, text, path };
}

/**
 * Whether the real programs are here: Debian's gunicorn, uvicorn and FastAPI. Without them the real tests are
 * skipped with the reason logged, except under CI=true, where a missing tool fails them.
 */
export function realTools(): { describe: jest.Describe; missing: string[] } {
  const missing: string[] = [];
  if (!existsSync(GUNICORN)) missing.push(GUNICORN);
  if (!existsSync(PYTHON)) {
    missing.push(PYTHON);
  } else {
    const probe = spawnSync(PYTHON, ['-c', 'import gunicorn, uvicorn.workers, fastapi'], { encoding: 'utf-8' });
    if (probe.status !== 0) missing.push(`python modules gunicorn, uvicorn, fastapi (${probe.stderr.trim().split('\n').pop()})`);
  }
  if (missing.length === 0 || process.env.CI === 'true') return { describe, missing };
  // eslint-disable-next-line no-console
  console.warn(`Skipping the real-gunicorn tests, missing: ${missing.join(', ')} (apt-get install gunicorn python3-uvicorn python3-fastapi)`);
  return { describe: describe.skip, missing };
}

/** Environment for every Python process the tests start: no bytecode written into the example's tree. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...extra };
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A started process with its collected output. */
export interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Processes started by the tests; `stopAll` kills every one of them (and their process groups). */
const running = new Set<ChildProcess>();

/** Starts `command` in its own process group, collecting stdout and stderr together. */
export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? pythonEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  child.stdout?.on('data', (d) => { text += d; });
  child.stderr?.on('data', (d) => { text += d; });
  const exited = new Promise<number | null>((done) => {
    child.on('exit', (code) => { running.delete(child); done(code); });
    child.on('error', () => { running.delete(child); done(null); });
  });
  return { child, output: () => text, exited };
}

/** Kills every process the tests started, whatever state they are in. */
export async function stopAll(): Promise<void> {
  const children = [...running];
  for (const child of children) {
    try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  await Promise.all(children.map((c) => new Promise((done) => {
    if (c.exitCode !== null || c.signalCode !== null) done(undefined);
    else { c.once('exit', done); setTimeout(done, 2000).unref(); }
  })));
}

/** The answer to one HTTP request on loopback. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** GET `path` on 127.0.0.1:`port`, on a fresh connection, within `timeoutMs`. */
export function get(port: number, path: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf-8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

/** Polls `path` until it answers 200 or `timeoutMs` passes; throws with the server's output otherwise. */
export async function waitForHttp(port: number, path: string, server: Started, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}) before answering:\n${server.output()}`);
    try {
      if ((await get(port, path, 1000)).status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`no 200 from ${path} within ${timeoutMs} ms:\n${server.output()}`);
    await sleep(100);
  }
}

/** Waits until `predicate(output)` holds, or throws after `timeoutMs` with the output. */
export async function waitForOutput(server: Started, predicate: (output: string) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(server.output())) {
    if (Date.now() > deadline) throw new Error(`expected output did not appear within ${timeoutMs} ms:\n${server.output()}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Runs Python synchronously with the tests' environment; returns status, stdout and stderr. */
export function python(args: string[], options: { env?: Record<string, string>; cwd?: string; prefix?: string[] } = {}) {
  const [command, ...prefixArgs] = options.prefix ?? [];
  const result = command
    ? spawnSync(command, [...prefixArgs, PYTHON, ...args], { encoding: 'utf-8', env: pythonEnv(options.env), cwd: options.cwd, timeout: 60_000 })
    : spawnSync(PYTHON, args, { encoding: 'utf-8', env: pythonEnv(options.env), cwd: options.cwd, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The process ids whose parent is `pid` (gunicorn's workers, for its master). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((candidate) => {
    let stat = '';
    try { stat = readFileSync(`/proc/${candidate}/stat`, 'utf-8'); } catch { return false; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]) === pid;
  });
}
