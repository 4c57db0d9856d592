// Processes the benchmarks start: each in its own process group, output to a file (never a pipe: wrk runs
// synchronously, and a pipe nobody drains fills up and blocks the server's logging until it is read), and all of
// them killed at the end whatever happens (normal end, error, Ctrl-C, SIGTERM, the overall time limit).
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = [];
const tempDirs = new Set();

/** A new directory under the OS temp dir, removed at exit if its owner has not removed it (KEELSON_BENCH_KEEP keeps it). */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDirs() {
  if (process.env.KEELSON_BENCH_KEEP) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts `command` in its own process group, stdout and stderr to `<logDir>/<label>.log`.
 * `options.user` ({ uid, gid }) runs it as another user; `options.env`, `options.cwd` as spawn's.
 */
export function start(label, command, args, options) {
  const log = join(options.logDir, `${label}.log`);
  const fd = openSync(log, 'w');
  chmodSync(log, 0o666); // nginx as nobody reopens its log paths (/dev/stdout, /dev/stderr) through this file
  const child = spawn(command, args, {
    cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: true, ...(options.user ?? {}),
  });
  closeSync(fd);
  const entry = { label, child, log, exited: false, readLog: () => readFileSync(log, 'utf-8') };
  child.on('exit', () => { entry.exited = true; });
  started.push(entry);
  return entry;
}

/** SIGTERM to the process group, SIGKILL after 5 s. */
export async function stop(entry) {
  if (!entry.exited) {
    try { process.kill(-entry.child.pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 100 && !entry.exited; i++) await sleep(50);
    if (!entry.exited) try { process.kill(-entry.child.pid, 'SIGKILL'); } catch { /* gone */ }
    for (let i = 0; i < 40 && !entry.exited; i++) await sleep(50);
  }
  const index = started.indexOf(entry);
  if (index >= 0) started.splice(index, 1);
}

export async function stopAll() {
  for (const entry of [...started].reverse()) await stop(entry);
}

/** Synchronous last resort (process 'exit'): SIGKILL to every group still running. */
export function killAllNow() {
  for (const entry of started.splice(0)) {
    try { process.kill(-entry.child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

let installed = false;
let timedOut = false;
let interrupted = null;

/**
 * Lets the event loop run (signal handlers and the time limit only run there, never during a spawnSync) and throws
 * if the run was interrupted or timed out meanwhile. Call it between synchronous steps.
 */
export async function checkpoint() {
  await new Promise((done) => setImmediate(done));
  if (interrupted) throw new Error(`interrupted (${interrupted})`);
  if (timedOut) throw new Error('the time limit has passed');
}
/** Whether the overall time limit of installCleanup has passed (then nothing more should be written). */
export const hasTimedOut = () => timedOut;
/**
 * Kills every started process on exit, on SIGINT/SIGTERM/SIGHUP, and after `limitMs` (then exits 1). The timer only
 * fires between synchronous steps: each synchronous child (wrk, npx projen) has its own timeout, and the sections
 * budget their rounds, so the limit is a last resort.
 */
export function installCleanup(limitMs, name) {
  if (installed) return;
  installed = true;
  process.on('exit', () => { killAllNow(); removeTempDirs(); });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      interrupted = signal;
      console.error(`${name}: ${signal}: stopping everything it started`);
      stopAll().finally(() => process.exit(130));
    });
  }
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`${name}: gave up after ${Math.round(limitMs / 1000)} s; stopping everything it started`);
    stopAll().finally(() => process.exit(1));
  }, limitMs);
  timer.unref();
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Resolves once GET http://127.0.0.1:port/path answers 200 (Host: host); fails if an entry exits first. */
export async function waitReady(label, port, path, host, entries, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = entries.find((e) => e.exited);
    if (dead) throw new Error(`${dead.label} exited:\n${dead.readLog().slice(-3000)}`);
    const ok = (await httpStatus(port, path, host)) === 200;
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${label} did not answer ${path} on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}

/** The status of GET http://127.0.0.1:port/path with that Host header, or 0 on any error (1 s timeout). */
export function httpStatus(port, path, host) {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, connection: 'close' }, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}
