import { SpawnOptions, execFileSync, spawn, spawnSync } from 'child_process';
import { accessSync, chmodSync, chownSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join } from 'path';
import { IAppServer, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { NginxConfig, NginxConfigProps } from '../src';

/** An app server as the contract describes it: gunicorn's keep-alive 75 s, timeout 30 s. */
export function appServer(overrides: Partial<IAppServer> = {}): IAppServer {
  return {
    endpoint: new ServiceEndpoint({ port: 8000 }),
    module: 'gunicorn',
    configFile: 'gunicorn.conf.py',
    keepAliveSeconds: 75,
    timeoutSeconds: 30,
    gracefulTimeoutSeconds: 25,
    requirements: [{ name: 'gunicorn', version: '23.0.0' }],
    command: (appModule) => ['--config', 'gunicorn.conf.py', appModule],
    ...overrides,
  };
}

/** The props every test starts from: a certificate, one server name, the app server above. */
export const TLS = { certificate: '/etc/nginx/tls/fullchain.pem', certificateKey: '/etc/nginx/tls/privkey.pem' };
export function baseProps(overrides: Partial<NginxConfigProps> = {}): NginxConfigProps {
  return { upstream: appServer(), serverNames: ['api.example.com'], tls: TLS, ...overrides };
}

export function serviceProject(name = 'svc'): ServiceProject {
  return new ServiceProject({ name, outdir: mkdtempSync(join(tmpdir(), 'keelson-nginx-')) });
}

/** A config in a fresh project, and its rendered file. */
export function synthNginx(props: NginxConfigProps): { nginx: NginxConfig; text: string } {
  const nginx = new NginxConfig(serviceProject(), props);
  return { nginx, text: Testing.synth(nginx.project)[NginxConfig.FILE] as string };
}

export const isCI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** The absolute path of a program, if it is installed. */
export function findProgram(name: string, candidates: string[] = []): string | undefined {
  for (const path of [...candidates, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name))]) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * `describe` when every program is there; otherwise `describe.skip` on a developer's machine, and under CI a
 * `describe` whose first test fails naming what is missing (a missing tool is never a silent skip in CI).
 */
export function describeWithPrograms(programs: Record<string, string | undefined>): jest.Describe {
  const missing = Object.entries(programs).filter(([, path]) => path === undefined).map(([name]) => name);
  if (missing.length === 0) return describe;
  if (isCI) {
    return ((name: string, fn: () => void) => describe(name, () => {
      test('has the programs it needs', () => {
        throw new Error(`missing programs: ${missing.join(', ')} (run scripts/setup.sh)`);
      });
      void fn;
    })) as unknown as jest.Describe;
  }
  console.warn(`skipped: missing ${missing.join(', ')} (under CI=true this fails instead)`);
  return describe.skip;
}

export const NGINX = findProgram('nginx', ['/usr/sbin/nginx']);
export const OPENSSL = findProgram('openssl', ['/usr/bin/openssl']);
export const UNSHARE = findProgram('unshare', ['/usr/bin/unshare']);
export const SETPRIV = findProgram('setpriv', ['/usr/bin/setpriv']);

/** Present when this process is root: the container-posture tests mount in a private namespace (`unshare --mount`). */
export const ROOT = process.getuid?.() === 0 ? 'uid 0' : undefined;

/** The version the installed nginx prints, e.g. `1.22.1`. */
export function installedNginxVersion(): string {
  const out = spawnSync(NGINX!, ['-v'], { encoding: 'utf-8' });
  const match = /nginx\/(\d+\.\d+\.\d+)/.exec(`${out.stdout}${out.stderr}`);
  if (!match) throw new Error(`cannot read the nginx version from: ${out.stderr}`);
  return match[1];
}

/** nobody: the user the tests run nginx as, so nothing in the file may need root. */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };
/** Spawn options that drop to nobody when the tests run as root (otherwise they already run unprivileged). */
export const AS_UNPRIVILEGED: { uid?: number; gid?: number } = process.getuid?.() === 0 ? UNPRIVILEGED : {};

/**
 * A throw-away nginx prefix, readable by the unprivileged user: `tmp/` (writable by it), `tls/` with a
 * self-signed certificate for localhost made by openssl, and `static/`.
 */
export function nginxPrefix(): { dir: string; tmpDir: string; certificate: string; certificateKey: string; staticDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-nginx-prefix-'));
  chmodSync(dir, 0o755);
  const tmpDir = join(dir, 'tmp');
  const tls = join(dir, 'tls');
  const staticDir = join(dir, 'static');
  for (const d of [tmpDir, tls, staticDir]) mkdirSync(d, { mode: 0o755 });
  if (AS_UNPRIVILEGED.uid !== undefined) chownSync(tmpDir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  const certificate = join(tls, 'fullchain.pem');
  const certificateKey = join(tls, 'privkey.pem');
  execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', certificateKey, '-out', certificate], { stdio: 'pipe' });
  chmodSync(certificateKey, 0o644); // the unprivileged test user reads it; a real key is readable by nginx's user only
  return { dir, tmpDir, certificate, certificateKey, staticDir };
}

/**
 * Runs a program with stdout and stderr going to a file, as a container runtime's pipe would: nginx opens
 * `/dev/stdout` for the access log, which fails on the socketpairs Node uses for piped stdio.
 */
export function runToFile(command: string, args: string[], options: { uid?: number; gid?: number; timeoutMs?: number } = {}): { status: number | null; output: string } {
  const logDir = mkdtempSync(join(tmpdir(), 'keelson-nginx-out-'));
  const log = join(logDir, 'output.log');
  const fd = openSync(log, 'w');
  // nginx reopens /dev/stdout by path: the unprivileged user must reach and write the file.
  chmodSync(logDir, 0o755);
  chmodSync(log, 0o666);
  try {
    const out = spawnSync(command, args, { stdio: ['ignore', fd, fd], timeout: options.timeoutMs ?? 20_000, uid: options.uid, gid: options.gid });
    return { status: out.status, output: readFileSync(log, 'utf-8') };
  } finally {
    closeSync(fd);
  }
}

/** Writes the config into the prefix and runs `nginx -t` on it as the unprivileged user. */
export function nginxTest(prefix: string, text: string, name = 'nginx.conf'): { status: number | null; output: string } {
  const conf = join(prefix, name);
  writeFileSync(conf, text, { mode: 0o644 });
  return runToFile(NGINX!, ['-t', '-p', `${prefix}/`, '-c', conf, '-e', 'stderr'], AS_UNPRIVILEGED);
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import('net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A long-running process the tests started, in its own process group, killed whatever happens. Its stdout and
 * stderr go to a file (a pipe-like target nginx can reopen as /dev/stdout, unlike Node's socketpairs).
 */
export class Started {
  public exited = false;
  public readonly logFile: string;
  private readonly child;

  /** A directory for the output file, readable and writable by anyone (it holds nothing else). */
  public static logDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'keelson-nginx-proc-'));
    chmodSync(dir, 0o755);
    return dir;
  }

  public constructor(public readonly label: string, command: string, args: string[], options: SpawnOptions = {}, logDir = Started.logDir()) {
    this.logFile = join(logDir, `${label.replace(/\W+/g, '-')}.log`);
    const fd = openSync(this.logFile, 'w');
    chmodSync(this.logFile, 0o666);
    try {
      this.child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    this.child.on('exit', () => { this.exited = true; });
    this.child.on('error', () => { this.exited = true; });
  }

  /** What it printed so far (the last 20 000 characters). */
  public get output(): string {
    try {
      return readFileSync(this.logFile, 'utf-8').slice(-20_000);
    } catch {
      return '';
    }
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
  public async stop(graceMs = 5000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const signal = (s: NodeJS.Signals) => { try { process.kill(-pid, s); } catch { /* gone */ } };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!this.exited && Date.now() < deadline) await sleep(50);
    if (!this.exited) signal('SIGKILL');
    const hard = Date.now() + 2000;
    while (!this.exited && Date.now() < hard) await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or the time is up; fails with `what` and the process output. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, started: Started[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    const dead = started.find((s) => s.exited);
    if (dead) throw new Error(`${dead.label} exited while waiting for ${what}:\n${dead.output}`);
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${started.map((s) => `--- ${s.label}\n${s.output}`).join('\n')}`);
}
