import { ChildProcess, spawn } from 'child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'fs';
import { get } from 'http';
import { AddressInfo, createServer } from 'net';
import { join } from 'path';
import { stringify } from 'yaml';
import { killGroup, run } from './run-command';

const HOST = '127.0.0.1';
const NPMJS = 'https://registry.npmjs.org/';

/** Options of a local registry. */
export interface LocalRegistryOptions {
  /** The verdaccio executable. */
  readonly verdaccio: string;
  /** A directory of its own: the config, the storage and the log go there. */
  readonly dir: string;
  /** Package patterns served only from this registry, never from npmjs (e.g. `@keelson/*`). */
  readonly localScopes: readonly string[];
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
}

/**
 * A verdaccio registry on a loopback port: the given scopes are published to it and live only there; every
 * other package is proxied from npmjs. Stop it in `afterAll`, whatever happened.
 */
export class LocalRegistry {
  /** Starts a registry on a free port and waits until it answers HTTP. */
  public static async start(options: LocalRegistryOptions): Promise<LocalRegistry> {
    // A free port can be taken by someone else between the probe and verdaccio's listen: try again then.
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const registry = new LocalRegistry(options, await freeLoopbackPort());
      try {
        await registry.waitUntilUp(options.startTimeoutMs ?? 30_000);
        return registry;
      } catch (error) {
        lastError = error;
        await registry.stop();
      }
    }
    throw lastError;
  }

  /** `http://127.0.0.1:PORT/` */
  public readonly url: string;
  public readonly logFile: string;
  private readonly process: ChildProcess;
  private readonly exited: Promise<void>;
  private hasExited = false;

  private constructor(private readonly options: LocalRegistryOptions, public readonly port: number) {
    this.url = `http://${HOST}:${port}/`;
    const storage = join(options.dir, 'storage');
    mkdirSync(storage, { recursive: true });
    const configFile = join(options.dir, 'config.yaml');
    writeFileSync(configFile, stringify(this.config(storage)));
    this.logFile = join(options.dir, `verdaccio-${port}.log`);

    const log = openSync(this.logFile, 'a');
    this.process = spawn(options.verdaccio, ['--config', configFile], {
      cwd: options.dir,
      stdio: ['ignore', log, log],
      // Its own process group, so that stop() ends verdaccio and anything it started.
      detached: true,
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.process.on('exit', () => { this.hasExited = true; resolve(); });
      this.process.on('error', () => { this.hasExited = true; resolve(); });
    });
  }

  /**
   * Publishes a tarball with npm, as a maintainer would, through a userconfig of the registry's own.
   * npm refuses to publish without a token (ENEEDAUTH); verdaccio cannot verify a made-up one and treats the
   * request as anonymous, which `publish: $anonymous` allows.
   */
  public async publish(tarball: string, npm: { cache: string; env: NodeJS.ProcessEnv }): Promise<void> {
    const userconfig = join(this.options.dir, 'publisher.npmrc');
    writeFileSync(userconfig, `registry=${this.url}\n//${HOST}:${this.port}/:_authToken=anonymous-publisher\n`);
    await run('npm', [
      'publish', tarball,
      '--registry', this.url,
      '--userconfig', userconfig,
      '--cache', npm.cache,
      '--no-update-notifier', '--loglevel', 'warn',
    ], { cwd: this.options.dir, env: npm.env, timeoutMs: 60_000 });
  }

  /** The registry's document of a package (all versions), or undefined when it does not know the package. */
  public async packument(name: string): Promise<{ versions: Record<string, unknown> } | undefined> {
    const { status, body } = await httpGet(`${this.url}${name.replace('/', '%2f')}`, 10_000);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`GET ${name} from ${this.url}: HTTP ${status}`);
    return JSON.parse(body);
  }

  /** Stops verdaccio: SIGTERM to its process group, SIGKILL if it is still there after a few seconds. */
  public async stop(): Promise<void> {
    if (this.hasExited) return;
    killGroup(this.process.pid, 'SIGTERM');
    if (await within(this.exited, 5_000)) return;
    killGroup(this.process.pid, 'SIGKILL');
    await within(this.exited, 5_000);
  }

  /** The tail of verdaccio's own log, for error messages. */
  public logTail(chars = 3000): string {
    try {
      return readFileSync(this.logFile, 'utf-8').slice(-chars);
    } catch {
      return '(no log)';
    }
  }

  private config(storage: string): Record<string, unknown> {
    const localOnly = Object.fromEntries(this.options.localScopes.map((pattern) => [pattern, {
      access: '$all',
      publish: '$anonymous',
      // No proxy: these packages can only come from what was published here.
    }]));
    return {
      storage,
      listen: `${HOST}:${this.port}`,
      auth: { htpasswd: { file: join(this.options.dir, 'htpasswd'), max_users: -1 } },
      uplinks: { npmjs: { url: NPMJS, timeout: '60s' } },
      packages: {
        ...localOnly,
        '**': { access: '$all', proxy: 'npmjs' },
      },
      web: { enable: false },
      log: { type: 'stdout', format: 'pretty', level: 'warn' },
    };
  }

  private async waitUntilUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) {
        throw new Error(`verdaccio exited before it answered on ${this.url}:\n${this.logTail()}`);
      }
      try {
        if ((await httpGet(`${this.url}-/ping`, 2_000)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
    throw new Error(`verdaccio did not answer on ${this.url} within ${timeoutMs / 1000} s:\n${this.logTail()}`);
  }
}

/** A port that was free on the loopback interface a moment ago. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf-8').on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
