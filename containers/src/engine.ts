import { ChildProcess, spawn, spawnSync } from 'child_process';
import {
  closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync,
} from 'fs';
import { join } from 'path';
import { DockerClient, EngineEndpoint } from './docker-client';
import { acquireLock, releaseLock } from './lock';
import { log } from './log';
import { DOCKERD, DOCKER_CLI, PATHS, REPORT_DIR } from './paths';
import {
  ProcessIdentity, cmdlineOf, isAlive, pidAlive, pidsWithCmdline, selfIdentity, startTimeOf, stopPid, stopPidSync,
} from './processes';
import { killGroup } from './run';

/** What a running harness engine is, written to run/engine.json for the tests and for a later cleanup. */
export interface EngineInfo extends EngineEndpoint {
  readonly dockerd: ProcessIdentity;
  readonly owner: ProcessIdentity;
  readonly watchdogPid?: number;
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Whether the default bridge existed before this engine started (if not, it is removed at stop). */
  readonly bridgeExisted: boolean;
  readonly startedAt: string;
}

/** Debian packages the engine needs (scripts/setup.sh installs them). */
export const ENGINE_PACKAGES = ['docker.io'];

const BRIDGE = 'docker0';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const LOCK_WAIT_MS = Number(process.env.KEELSON_CONTAINERS_LOCK_WAIT_SECONDS ?? 900) * 1000;

/** Why the engine cannot run here, or undefined when it can. */
export function engineUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the harness runs Debian's dockerd, on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'dockerd needs root: run the container tests as root (CI runs as root)';
  const missing = ENGINE_PACKAGES.filter((pkg) => !debianPackageInstalled(pkg));
  if (missing.length > 0) {
    return `Debian's ${missing.join(', ')} is not installed: apt-get install -y ${missing.join(' ')} (scripts/setup.sh installs it)`;
  }
  for (const binary of [DOCKERD, DOCKER_CLI, '/usr/sbin/runc', '/usr/bin/containerd']) {
    if (!existsSync(binary)) return `${binary} is missing although docker.io is installed: reinstall docker.io`;
  }
  if (!readFileSync('/proc/filesystems', 'utf-8').includes('overlay')) {
    return 'the kernel has no overlay filesystem (modprobe overlay): the engine uses the overlay2 storage driver';
  }
  return undefined;
}

/** Whether a Debian package is installed. */
export function debianPackageInstalled(name: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf-8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/**
 * The harness's own Docker engine: Debian's dockerd 20.10 started in the background with its data-root, exec-root,
 * pidfile and socket under the harness state dir (storage overlay2, the default bridge), stopped by its PID.
 *
 * Stopping is guaranteed three ways: `stop()` from the jest global teardown (in a finally), a synchronous stop on
 * this process's exit and on SIGINT/SIGTERM/SIGHUP, and a detached watchdog that stops dockerd when this process
 * disappears without either (SIGKILL, a CI runner killing jest on its time limit).
 */
export class Engine {
  /** Starts an engine (stopping first a stale one left by a killed run); throws with dockerd's log on failure. */
  public static async start(): Promise<Engine> {
    const unavailable = engineUnavailableReason();
    if (unavailable) throw new Error(`cannot start the container engine: ${unavailable}`);
    for (const dir of [PATHS.state, PATHS.dataRoot, PATHS.debs, REPORT_DIR]) mkdirSync(dir, { recursive: true });

    const stale = await acquireLock(PATHS.lock, LOCK_WAIT_MS, log);
    try {
      if (stale) log(`took over the lock of process ${stale.pid}, which is gone (a killed run)`);
      await stopStaleEngine();

      // The default bridge is the harness's to remove if it did not exist, or if an earlier run of the harness made it
      // and was killed before removing it (the marker says so) and no other engine is using it.
      const bridgeExisted = existsSync(`/sys/class/net/${BRIDGE}`)
        && !(existsSync(PATHS.bridgeMarker) && otherDockerds().length === 0);
      if (!bridgeExisted) writeFileSync(PATHS.bridgeMarker, `${BRIDGE}\n`);
      mkdirSync(PATHS.execRoot, { recursive: true });
      mkdirSync(PATHS.clientConfig, { recursive: true });
      writeFileSync(join(PATHS.clientConfig, 'config.json'), '{}\n');
      const logFd = openSync(PATHS.dockerdLog, 'w');
      const args = [
        '--data-root', PATHS.dataRoot,
        '--exec-root', PATHS.execRoot,
        '--pidfile', PATHS.pidfile,
        '-H', `unix://${PATHS.socket}`,
        '--storage-driver', 'overlay2',
      ];
      const started = Date.now();
      // Detached: its own process group, so a Ctrl-C to jest's group does not kill it before the teardown cleans up.
      const child = spawn(DOCKERD, args, { detached: true, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      child.unref();
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not start ${DOCKERD}`);
      const info: EngineInfo = {
        host: `unix://${PATHS.socket}`,
        config: PATHS.clientConfig,
        dockerd: { pid, startTime: startTimeOf(pid) ?? '' },
        owner: selfIdentity(),
        dataRoot: PATHS.dataRoot,
        execRoot: PATHS.execRoot,
        bridgeExisted,
        startedAt: new Date().toISOString(),
      };
      const engine = new Engine({ ...info, watchdogPid: startWatchdog(info) }, child);
      engine.installExitHooks();
      try {
        const version = await engine.waitReady(started);
        log(`dockerd ${version} (pid ${pid}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s on ${engine.info.host}`);
      } catch (error) {
        await engine.stop();
        throw error;
      }
      writeFileSync(PATHS.engineInfo, JSON.stringify(engine.info, null, 2));
      return engine;
    } catch (error) {
      releaseLock(PATHS.lock);
      throw error;
    }
  }

  public readonly docker: DockerClient;
  private stopped = false;
  private readonly exitHook = () => this.stopSync();
  private readonly signalHooks: Array<[NodeJS.Signals, () => void]> = [];

  /**
   * `child`: the dockerd this process spawned, when it did; its exit is awaited after a stop so that this process
   * reaps it (a dockerd left to a PID 1 that does not reap would linger as a zombie).
   */
  public constructor(public readonly info: EngineInfo, private readonly child?: ChildProcess) {
    this.docker = new DockerClient(info);
  }

  /** Whether dockerd is still running. */
  public get running(): boolean {
    return !this.stopped && isAlive(this.info.dockerd);
  }

  private async waitReady(started: number): Promise<string> {
    const deadline = started + START_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (!isAlive(this.info.dockerd)) {
        throw new Error(`dockerd exited during start-up. Its log (${PATHS.dockerdLog}):\n${tail(PATHS.dockerdLog)}`);
      }
      if (existsSync(PATHS.socket)) {
        const result = await this.docker.run(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000, allowFailure: true })
          .catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
        if (result.code === 0) return result.stdout.trim();
        last = result.stderr.trim();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`dockerd did not answer on ${this.info.host} within ${START_TIMEOUT_MS / 1000} s (last: ${last}). `
      + `Its log:\n${tail(PATHS.dockerdLog)}`);
  }

  /**
   * Removes what the tests left in the engine: every container (with its anonymous volumes), every network but the
   * defaults, volumes, every image but the reusable base images (`keelson-local/*`), and the build cache.
   */
  public async cleanup(): Promise<void> {
    const d = this.docker;
    const containers = (await d.out(['ps', '-aq'])).split('\n').filter(Boolean);
    if (containers.length > 0) await d.run(['rm', '-f', '-v', ...containers], { timeoutMs: 60_000 });
    await d.run(['network', 'prune', '-f'], { timeoutMs: 60_000 });
    await d.run(['volume', 'prune', '-f'], { timeoutMs: 60_000 });
    const images = (await d.out(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).split('\n').filter(Boolean);
    const removable = images.filter((line) => !line.startsWith('keelson-local/')).map((line) => line.split(' ')[0])
      .map((ref) => ref.replace(/:<none>$/, '')).filter((ref) => !ref.startsWith('<none>'));
    if (removable.length > 0) await d.run(['image', 'rm', '-f', ...removable], { timeoutMs: 120_000, allowFailure: true });
    await d.run(['image', 'prune', '-f'], { timeoutMs: 120_000 });
    await d.run(['builder', 'prune', '-af'], { timeoutMs: 120_000 });
    const left = await d.out(['ps', '-aq']);
    if (left) throw new Error(`containers left after cleanup: ${left}`);
    log(`cleaned up: ${containers.length} container(s), ${removable.length} image(s), networks, volumes, build cache`);
  }

  /** Stops dockerd by its PID (SIGTERM, then SIGKILL), and what it started, and removes its run state. Idempotent. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    const how = await stopPid(this.pidIfOurs(), STOP_GRACE_MS);
    this.finishStop(how);
    // Reap what this process spawned before it exits; a watchdog still there after 5 s is stopped.
    for (const child of [this.child, watchdogProcess]) {
      if (child && child.exitCode === null && child.signalCode === null) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => { timer = setTimeout(r, 5000); })]);
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) killGroup(child.pid, 'SIGKILL');
      }
    }
  }

  /** The synchronous stop, for exit and signal hooks. */
  public stopSync(): void {
    if (this.stopped) return;
    const how = stopPidSync(this.pidIfOurs(), STOP_GRACE_MS);
    this.finishStop(how);
  }

  /** dockerd's PID if that PID is still our dockerd (not a recycled PID); -1 otherwise (nothing to stop). */
  private pidIfOurs(): number {
    return isAlive(this.info.dockerd) ? this.info.dockerd.pid : -1;
  }

  private finishStop(how: string): void {
    this.stopped = true;
    this.removeExitHooks();
    // The watchdog ends by itself within 2 s once dockerd is gone (killing it would orphan its `sleep`).
    // containerd and its shims carry the exec-root in their command lines: any left over are ours.
    const leftovers = pidsWithCmdline(this.info.execRoot);
    for (const pid of leftovers) stopPidSync(pid, 5000);
    unmountUnder(PATHS.run);
    unmountUnder(PATHS.dataRoot);
    if (!this.info.bridgeExisted && otherDockerds().length === 0) {
      if (existsSync(`/sys/class/net/${BRIDGE}`)) spawnSync('ip', ['link', 'delete', BRIDGE], { stdio: 'ignore' });
      if (!existsSync(`/sys/class/net/${BRIDGE}`)) rmSync(PATHS.bridgeMarker, { force: true });
    }
    try {
      mkdirSync(REPORT_DIR, { recursive: true });
      if (existsSync(PATHS.dockerdLog)) copyFileSync(PATHS.dockerdLog, join(REPORT_DIR, 'dockerd.log'));
    } catch {
      // The copy of the log is a convenience.
    }
    rmSync(PATHS.run, { recursive: true, force: true });
    if (process.env.KEELSON_CONTAINERS_PURGE === '1') rmSync(PATHS.state, { recursive: true, force: true });
    releaseLock(PATHS.lock);
    const extra = leftovers.length > 0 ? `; stopped ${leftovers.length} leftover process(es) ${leftovers.join(', ')}` : '';
    log(`dockerd (pid ${this.info.dockerd.pid}) ${how === 'not-running' ? 'was not running' : how}${extra}`);
  }

  private installExitHooks(): void {
    process.once('exit', this.exitHook);
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [sig, code] of Object.entries(codes) as Array<[NodeJS.Signals, number]>) {
      const hook = () => {
        log(`${sig}: stopping dockerd (pid ${this.info.dockerd.pid}) before exiting`);
        this.stopSync();
        process.exit(code);
      };
      this.signalHooks.push([sig, hook]);
      process.once(sig, hook);
    }
  }

  private removeExitHooks(): void {
    process.removeListener('exit', this.exitHook);
    for (const [sig, hook] of this.signalHooks) process.removeListener(sig, hook);
  }
}

/**
 * A detached shell that outlives this process only to stop dockerd if this process dies without stopping it
 * (SIGKILL or a CI time limit). It checks dockerd's identity (PID and start time) before signalling it.
 */
let watchdogProcess: ChildProcess | undefined;

function startWatchdog(info: EngineInfo): number | undefined {
  const script = `
owner=$1; owner_start=$2; dockerd=$3; dockerd_start=$4
start_of() { [ -r /proc/$1/stat ] && sed 's/.*) //' /proc/$1/stat | cut -d' ' -f20; }
while [ "$(start_of $owner)" = "$owner_start" ]; do
  [ "$(start_of $dockerd)" = "$dockerd_start" ] || exit 0
  sleep 2
done
[ "$(start_of $dockerd)" = "$dockerd_start" ] || exit 0
kill -TERM $dockerd
i=0; while [ $i -lt 30 ] && [ "$(start_of $dockerd)" = "$dockerd_start" ]; do sleep 1; i=$((i+1)); done
[ "$(start_of $dockerd)" = "$dockerd_start" ] && kill -KILL $dockerd
exit 0`;
  const child = spawn('/bin/sh', ['-c', script, 'keelson-engine-watchdog',
    String(info.owner.pid), info.owner.startTime, String(info.dockerd.pid), info.dockerd.startTime], { detached: true, stdio: 'ignore' });
  child.unref();
  watchdogProcess = child;
  return child.pid;
}

/** Stops an engine left running by an earlier run that was killed (found by its pidfile, checked by command line). */
async function stopStaleEngine(): Promise<void> {
  if (existsSync(PATHS.pidfile)) {
    const pid = Number(readFileSync(PATHS.pidfile, 'utf-8').trim());
    if (pid > 0 && pidAlive(pid) && (cmdlineOf(pid) ?? '').includes(`--data-root ${PATHS.dataRoot}`)) {
      log(`stopping a dockerd left running by an earlier run (pid ${pid})`);
      await stopPid(pid, STOP_GRACE_MS);
    }
  }
  for (const pid of pidsWithCmdline(PATHS.execRoot)) {
    log(`stopping a process left by an earlier run (pid ${pid}: ${cmdlineOf(pid)?.slice(0, 120)})`);
    await stopPid(pid, 5000);
  }
  unmountUnder(PATHS.run);
  unmountUnder(PATHS.dataRoot);
  rmSync(PATHS.run, { recursive: true, force: true });
}

/** dockerd processes on this machine that are not the harness's (their bridge must be left alone). */
function otherDockerds(): number[] {
  return pidsWithCmdline('dockerd').filter((pid) => {
    const cmd = cmdlineOf(pid) ?? '';
    return /^(\S*\/)?dockerd( |$)/.test(cmd) && !cmd.includes(PATHS.dataRoot);
  });
}

/** Lazily unmounts every mount under `dir` (network namespaces, overlay mounts of a crashed engine), deepest first. */
export function unmountUnder(dir: string): void {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf-8').split('\n').filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((mountPoint) => mountPoint.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf-8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** What the tests see of the engine the global setup started: an endpoint, or why there is none. */
export type EngineStatus = { readonly ok: true; readonly docker: DockerClient; readonly info: EngineInfo }
| { readonly ok: false; readonly reason: string };

export const ENGINE_ERROR_ENV = 'KEELSON_CONTAINERS_ENGINE_ERROR';

/** The engine started by the global setup (from run/engine.json), or the reason it did not start. */
export function engineStatus(): EngineStatus {
  const error = process.env[ENGINE_ERROR_ENV];
  if (error) return { ok: false, reason: error };
  if (!existsSync(PATHS.engineInfo)) {
    return { ok: false, reason: 'no engine: run the container tests through containers/jest.config.js (its global setup starts the engine)' };
  }
  const info = JSON.parse(readFileSync(PATHS.engineInfo, 'utf-8')) as EngineInfo;
  if (!isAlive(info.dockerd)) return { ok: false, reason: `the engine (dockerd pid ${info.dockerd.pid}) is no longer running` };
  return { ok: true, docker: new DockerClient(info), info };
}

/** Whether an engine that cannot start fails the run (CI) or skips the container tests (a developer machine). */
export function engineRequired(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1' || process.env.KEELSON_CONTAINERS_REQUIRED === '1';
}

/** Checks that nothing of the engine is left running: for the teardown's last word and for tests. */
export function leftoverProcesses(info: EngineInfo): number[] {
  return [...(isAlive(info.dockerd) ? [info.dockerd.pid] : []), ...pidsWithCmdline(info.execRoot)];
}

