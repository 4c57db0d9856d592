import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { appendFileSync, chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { request as httpGet } from 'http';
import { request } from 'https';
import { connect } from 'net';
import { join } from 'path';
import { Compose } from '../../packages/compose';
import { ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '../../packages/core';
import { DockerIgnore, Dockerfile } from '../../packages/dockerfile';
import { GunicornConfig } from '../../packages/gunicorn';
import { NginxConfig } from '../../packages/nginx';
import { PYTHON_BASE } from './base-images';
import { NGINX_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE } from './derived-images';
import { DockerClient } from './docker-client';
import { WORKSPACE } from './paths';
import { RunOptions, RunResult, run } from './run';
import { EXAMPLE_DIR, OFFLINE_REQUIREMENTS, ServiceVariant, SynthesizedService } from './service';

/** Debian's docker-compose 1.29 (python, docker-py): the one compose this machine kind has. */
export const DOCKER_COMPOSE = '/usr/bin/docker-compose';

/** The test's additions to the example (routes that show what the example's own routes do not): see fixtures/stack. */
export const STACK_FIXTURE = join(WORKSPACE, 'containers', 'fixtures', 'stack');

/** The image the stack runs for the app, the migration job, the worker and beat. */
export const STACK_APP_IMAGE = 'keelson-test/fastapi-service:stack';

/** What the stack variant's app image is built from (slim, as the example; the local Debian base). */
export const STACK_VARIANT: ServiceVariant = {
  name: 'stack', flavour: 'slim', builderImage: PYTHON_BASE.reference, runtimeImage: PYTHON_BASE.reference,
  gunicornConfig: true, cpus: 1, memoryMiB: 512,
};

/**
 * The requirements of the stack variant: the example's (as the image test writes them) plus what its database module
 * and migrations import, each satisfied by a Debian package of the base image (pip only checks).
 */
export const STACK_REQUIREMENTS = `${OFFLINE_REQUIREMENTS}# The example's database and migrations (Debian: psycopg2 2.9, SQLAlchemy 1.4, alembic 1.8).\npsycopg2>=2.9,<3\nSQLAlchemy>=1.4,<3\nalembic>=1.8,<2\n`;

/** The app's and the worker's health-check interval in the stack variant (the product default is 30 s): see synthesizeStack. */
export const STACK_HEALTH_INTERVAL_SECONDS = 2;

/** The example service with its whole production stack, synthesized into a directory. */
export interface SynthesizedStack extends SynthesizedService {
  readonly compose: Compose;
  readonly nginx: NginxConfig;
  /** Loopback ports nginx is published on. */
  readonly httpPort: number;
  readonly httpsPort: number;
  /** The self-signed certificate nginx serves (PEM), for the client to verify. */
  readonly certificate: string;
}

/**
 * Synthesizes the example service as its .projenrc.ts declares it (GunicornConfig, Dockerfile, NginxConfig with TLS
 * from compose secrets, Compose with PostgreSQL, Redis, Mailpit, a worker and beat), with the Debian-offline image
 * options of the image test, and these declared differences, each a prop of a component:
 * - the example's `migrations: {}`, with its alembic.ini and migrations/ copied into the image (`appPaths`), as it declares;
 * - gunicorn 20.1.0 with uvicorn 0.17's own worker class (`uvicorn-legacy`), Debian's;
 * - the app scaled up to 3 (`app.maxReplicas`), so PostgreSQL's budget is 120 connections (`postgres.maxConnections`);
 * - nginx published on two free loopback ports (`ports` with `hostIp: '127.0.0.1'`, and `publicPorts` to match):
 *   the test talks to loopback only and never takes the host's 80 and 443;
 * - the app's HEALTHCHECK and the worker's health check every 2 s instead of 30 s (`healthCheck.intervalSeconds`):
 *   nginx and every `up` wait for the app to be healthy, the test waits for the worker, and Docker 20.10 runs the
 *   first probe one interval after the start.
 *
 * The app is the example's, plus the fixture's `app/stack_probe.py` routes, included at the end of its main.py.
 */
export function synthesizeStack(dir: string, ports: { http: number; https: number }): SynthesizedStack {
  mkdirSync(dir, { recursive: true });
  cpSync(join(EXAMPLE_DIR, 'app'), join(dir, 'app'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  for (const path of ['alembic.ini', 'migrations']) {
    cpSync(join(EXAMPLE_DIR, path), join(dir, path), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  }
  cpSync(STACK_FIXTURE, dir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  appendFileSync(join(dir, 'app', 'main.py'), '\n\n# The container stack test\'s routes (containers/fixtures/stack).\n'
    + 'from app.stack_probe import router as _stack_router  # noqa: E402\n\napp.include_router(_stack_router)\n');
  writeFileSync(join(dir, 'requirements.txt'), STACK_REQUIREMENTS);
  const certificate = writeTlsSecrets(join(dir, 'secrets'));

  const project = new ServiceProject({ name: 'fastapi-service', outdir: dir });
  const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
  const security = new SecurityProfile({ writablePaths: ['/tmp'] });
  const limits = new ResourceLimits({ cpus: STACK_VARIANT.cpus, memoryMiB: STACK_VARIANT.memoryMiB });
  const gunicorn = new GunicornConfig(project, { endpoint, limits, workerClass: 'uvicorn-legacy', versions: { gunicorn: '20.1.0' } });
  const dockerfile = new Dockerfile(project, {
    flavour: 'slim',
    pythonVersion: '3.11',
    appServer: gunicorn,
    appPaths: ['app', 'alembic.ini', 'migrations'],
    security,
    installToolchain: false,
    systemSitePackages: true,
    healthCheck: { intervalSeconds: STACK_HEALTH_INTERVAL_SECONDS },
    labels: { description: 'Example FastAPI service deployed with Keelson', licenses: 'Apache-2.0' },
  });
  new DockerIgnore(project);
  const tls = { certificate: 'tls_certificate', certificateKey: 'tls_private_key' };
  const nginx = new NginxConfig(project, {
    upstream: gunicorn,
    serverNames: ['localhost'],
    publicPorts: { http: ports.http, https: ports.https },
    tls: { certificate: `/run/secrets/${tls.certificate}`, certificateKey: `/run/secrets/${tls.certificateKey}` },
  });
  const compose = new Compose(project, {
    image: dockerfile,
    appServer: gunicorn,
    // The test scales the app to 3: the connection budget counts 3 (3 x 2 workers x 15 + the worker's 15 + 1 + 3 = 109).
    app: { limits, maxReplicas: 3 },
    postgres: { maxConnections: 120 },
    redis: {},
    mailpit: {},
    worker: { healthCheck: { intervalSeconds: STACK_HEALTH_INTERVAL_SECONDS } },
    beat: {},
    migrations: {},
    nginx: {
      ports: [{ listen: 8080, publish: ports.http, hostIp: '127.0.0.1' }, { listen: 8443, publish: ports.https, hostIp: '127.0.0.1' }],
      secrets: [
        { name: tls.certificate, file: './secrets/tls_certificate.pem' },
        { name: tls.certificateKey, file: './secrets/tls_private_key.pem' },
      ],
    },
  });
  project.synth();
  return { dir, variant: STACK_VARIANT, dockerfile, gunicorn, endpoint, security, compose, nginx, httpPort: ports.http, httpsPort: ports.https, certificate };
}

/**
 * A self-signed certificate for `localhost` and its key, as the files compose.prod.yaml names for its secrets.
 * docker-compose 1.29 bind-mounts a file secret as it is: nginx (uid 101) reads the key, so it is mode 0644 here,
 * in a directory that only root can enter.
 */
function writeTlsSecrets(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'tls_private_key.pem');
  const cert = join(dir, 'tls_certificate.pem');
  const result = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert,
  ], { encoding: 'utf-8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl could not make the test certificate: ${result.stderr}`);
  chmodSync(key, 0o644);
  return readFileSync(cert, 'utf-8');
}

/** The production stack as docker-compose runs it: one project, the generated compose.prod.yaml, the harness engine. */
export class ComposeStack {
  /** The variables compose.prod.yaml requires (passwords) and the images it is pointed at (the local ones). */
  public readonly variables: Readonly<Record<string, string>>;

  public constructor(
    private readonly docker: DockerClient,
    public readonly dir: string,
    public readonly project: string,
  ) {
    this.variables = {
      APP_IMAGE: STACK_APP_IMAGE,
      BUILDER_IMAGE: PYTHON_BASE.reference,
      RUNTIME_IMAGE: PYTHON_BASE.reference,
      NGINX_IMAGE: NGINX_IMAGE.reference,
      POSTGRES_IMAGE: POSTGRES_IMAGE.reference,
      REDIS_IMAGE: REDIS_IMAGE.reference,
      // Generated for each run; hex, so that they need no quoting in a URL.
      POSTGRES_PASSWORD: randomBytes(16).toString('hex'),
      REDIS_PASSWORD: randomBytes(16).toString('hex'),
    };
  }

  /** `docker-compose -p PROJECT -f compose.prod.yaml ARGS` against the harness engine, bounded. */
  public compose(args: readonly string[], options: Partial<RunOptions> = {}): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = { ...this.docker.env, ...this.variables, COMPOSE_HTTP_TIMEOUT: '120' };
    // Only what this test says: no variable of the caller's shell reaches the file's interpolation.
    for (const name of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'COMPOSE_PATH_SEPARATOR']) delete env[name];
    return run(DOCKER_COMPOSE, ['--ansi', 'never', '-p', this.project, '-f', join(this.dir, Compose.PRODUCTION_FILE), ...args], {
      timeoutMs: 180_000, ...options, cwd: this.dir, env,
    });
  }

  /** The containers of a service of this project (every state), by name, sorted. */
  public async containers(service?: string): Promise<string[]> {
    const filters = ['--filter', `label=com.docker.compose.project=${this.project}`,
      ...(service ? ['--filter', `label=com.docker.compose.service=${service}`] : [])];
    const out = await this.docker.out(['ps', '-a', ...filters, '--format', '{{.Names}}']);
    return out.split('\n').filter(Boolean).sort();
  }

  /** `docker inspect` of every container of a service. */
  public async inspectService(service: string): Promise<any[]> {
    const names = await this.containers(service);
    if (names.length === 0) return [];
    return JSON.parse(await this.docker.out(['inspect', ...names])) as any[];
  }
}

/** A response over HTTPS. */
export interface HttpsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
}

/**
 * An HTTPS request to 127.0.0.1:`port` for `localhost` (SNI and Host), verifying the server's certificate against
 * `ca`; one connection per request (no agent: a stop test must not ride on a pooled connection). Bounded.
 */
export function httpsRequest(port: number, path: string, options: { ca: string; method?: string; body?: unknown; timeoutMs?: number }): Promise<HttpsResponse> {
  const started = Date.now();
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: options.method ?? 'GET', servername: 'localhost', ca: options.ca, agent: false,
      headers: { Host: 'localhost', ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }) },
      timeout: options.timeoutMs ?? 15_000,
    }, (res) => {
      let text = '';
      res.setEncoding('utf-8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`https://localhost:${port}${path} timed out after ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** What a service of the stack must reach: healthy by its health check, completed (exit 0), or just running. */
export type ServiceGoal = 'healthy' | 'completed' | 'running';

/** One container's state, as the goal checks read it. */
export interface ContainerState {
  readonly name: string;
  readonly status: string;
  readonly health?: string;
  readonly exitCode: number;
  readonly restartCount: number;
}

function stateOf(container: any): ContainerState {
  return {
    name: String(container.Name).replace(/^\//, ''),
    status: container.State.Status,
    health: container.State.Health?.Status,
    exitCode: container.State.ExitCode,
    restartCount: container.RestartCount,
  };
}

function meets(state: ContainerState, goal: ServiceGoal): boolean {
  if (goal === 'completed') return state.status === 'exited' && state.exitCode === 0;
  if (goal === 'healthy') return state.status === 'running' && state.health === 'healthy';
  return state.status === 'running';
}

/** Whether a state can no longer reach its goal (fail at once rather than wait for the deadline). */
function hopeless(state: ContainerState, goal: ServiceGoal): boolean {
  if (goal === 'completed') return state.status === 'exited' && state.exitCode !== 0;
  return state.status === 'exited' || state.status === 'dead' || (goal === 'healthy' && state.health === 'unhealthy');
}

/**
 * Waits until every container of each service meets its goal (and each service has `replicas` containers, default
 * 1); returns the states. On a timeout or a container that cannot get there, fails with the states and the logs.
 */
export async function waitForServices(stack: ComposeStack, goals: Record<string, ServiceGoal>, timeoutMs: number,
  replicas: Record<string, number> = {}): Promise<Record<string, ContainerState[]>> {
  const deadline = Date.now() + timeoutMs;
  let states: Record<string, ContainerState[]> = {};
  let failed: string | undefined;
  while (Date.now() < deadline && !failed) {
    states = {};
    for (const service of Object.keys(goals)) states[service] = (await stack.inspectService(service)).map(stateOf);
    const pending = Object.entries(goals).filter(([service, goal]) => states[service].length !== (replicas[service] ?? 1)
      || !states[service].every((s) => meets(s, goal)));
    if (pending.length === 0) return states;
    failed = pending.flatMap(([service, goal]) => states[service].filter((s) => hopeless(s, goal)).map((s) => s.name))[0];
    if (!failed) await new Promise((r) => setTimeout(r, 500));
  }
  const logs = await stack.compose(['logs', '--no-color', '--tail', '40'], { allowFailure: true, timeoutMs: 60_000 });
  throw new Error(`${failed ? `${failed} cannot reach its goal` : `timed out after ${timeoutMs / 1000} s`}: goals ${JSON.stringify(goals)}\n`
    + `states: ${JSON.stringify(states, null, 1)}\nlogs:\n${logs.stdout.slice(-8000)}${logs.stderr.slice(-2000)}`);
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs` (for addresses of the test's own containers). */
export function tcpConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A userland port forwarder (docker-proxy) the engine runs for a published port. */
export interface PortForwarder {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
}

/** The docker-proxy processes the engine `dockerdPid` started: every port it publishes on the host. */
export function portForwarders(dockerdPid: number): PortForwarder[] {
  const forwarders: PortForwarder[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    let ppid: number;
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf-8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf-8');
      ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      continue;
    }
    if (ppid !== dockerdPid || !args[0].endsWith('docker-proxy')) continue;
    const arg = (name: string) => args[args.indexOf(name) + 1];
    forwarders.push({
      hostIp: arg('-host-ip'), hostPort: Number(arg('-host-port')), containerIp: arg('-container-ip'), containerPort: Number(arg('-container-port')),
    });
  }
  return forwarders.sort((a, b) => a.containerPort - b.containerPort);
}

/** A plain HTTP GET to 127.0.0.1:`port` with `Host: localhost` (fetch may not set Host), bounded. */
export function httpRequest(port: number, path: string, timeoutMs = 10_000): Promise<HttpsResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers: { Host: 'localhost' }, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf-8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`http://localhost:${port}${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
