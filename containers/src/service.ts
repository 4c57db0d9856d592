import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '../../packages/core';
import { DockerIgnore, Dockerfile, DockerfileProps } from '../../packages/dockerfile';
import { GunicornConfig } from '../../packages/gunicorn';
import { DockerClient } from './docker-client';
import { WORKSPACE } from './paths';
import { CommandError } from './run';

/** The example service whose generated files are built and run. */
export const EXAMPLE_DIR = join(WORKSPACE, 'examples', 'fastapi-service');

/**
 * The example's requirements, as a team on an internal Debian-based image writes them: what the base image does not
 * carry would be installed by pip; here everything is there, so pip only checks it (offline, `--network=none`).
 *
 * fastapi is not listed: Debian's fastapi 0.92 declares `starlette<0.26`, while Debian bookworm ships starlette
 * 0.26.1, so pip would look for an older starlette on an index. It comes from the base image's python3-fastapi.
 */
export const OFFLINE_REQUIREMENTS = [
  '# The service\'s dependencies, satisfied by the base image\'s Debian packages (bookworm).',
  '# fastapi 0.92 (python3-fastapi) is not listed: its metadata asks for starlette<0.26, Debian ships 0.26.1.',
  'starlette>=0.26,<0.27',
  'pydantic>=1.10,<2',
  'uvicorn>=0.17,<0.18',
  'celery[redis]>=5.2,<6',
  '',
].join('\n');

/** One way of generating the example's image. */
export interface ServiceVariant {
  /** A short name: the image tag, the container name. */
  readonly name: string;
  readonly flavour: 'slim' | 'distroless';
  /** Local images given to the Dockerfile's BUILDER_IMAGE / RUNTIME_IMAGE build args. */
  readonly builderImage: string;
  readonly runtimeImage: string;
  /** Run the server from a generated gunicorn.conf.py (GunicornConfig) instead of gunicorn's defaults. */
  readonly gunicornConfig: boolean;
  /** The CPU limit (`docker run --cpus`) and memory limit the container runs with. */
  readonly cpus: number;
  readonly memoryMiB: number;
}

/** The example, synthesized into a directory: the build context. */
export interface SynthesizedService {
  readonly dir: string;
  readonly variant: ServiceVariant;
  readonly dockerfile: Dockerfile;
  readonly gunicorn?: GunicornConfig;
  readonly endpoint: ServiceEndpoint;
  readonly security: SecurityProfile;
}

/**
 * Synthesizes the example service into `dir` with the workspace's components, as a team with internal Debian-based
 * images would declare it: the builder already has the toolchain (`installToolchain: false`), the Python libraries
 * come from the OS (`systemSitePackages: true`), Debian's gunicorn 20.1 and uvicorn 0.17's own worker class.
 */
export function synthesizeService(dir: string, variant: ServiceVariant): SynthesizedService {
  mkdirSync(dir, { recursive: true });
  cpSync(join(EXAMPLE_DIR, 'app'), join(dir, 'app'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  writeFileSync(join(dir, 'requirements.txt'), OFFLINE_REQUIREMENTS);

  const project = new ServiceProject({ name: 'fastapi-service', outdir: dir });
  const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
  const security = new SecurityProfile({ writablePaths: ['/tmp'] });
  const common: DockerfileProps = {
    flavour: variant.flavour,
    pythonVersion: '3.11',
    endpoint,
    security,
    installToolchain: false,
    systemSitePackages: true,
    labels: { description: 'Example FastAPI service deployed with Keelson', licenses: 'Apache-2.0' },
  };
  const gunicorn = variant.gunicornConfig
    ? new GunicornConfig(project, {
      endpoint,
      workerClass: 'uvicorn-legacy',
      versions: { gunicorn: '20.1.0' },
      limits: new ResourceLimits({ cpus: variant.cpus, memoryMiB: variant.memoryMiB }),
    })
    : undefined;
  const dockerfile = new Dockerfile(project, gunicorn
    ? { ...common, appServer: gunicorn }
    : { ...common, serverRequirements: { gunicorn: '20.1.0', uvicornWorker: false }, workerClass: 'uvicorn.workers.UvicornWorker' });
  new DockerIgnore(project);
  project.synth();
  return { dir, variant, dockerfile, gunicorn, endpoint, security };
}

/**
 * The worker count the container must run with, and why.
 *
 * Without a gunicorn.conf.py the image runs gunicorn with its own default, one worker, whatever the CPUs. With the
 * generated gunicorn.conf.py the count is sized at start from the cgroup: one worker per CPU of the quota, rounded
 * up (the uvicorn worker classes), at most (memory - 64 MiB) / 128 MiB, at least 1 (GunicornConfig's documented
 * sizing, from its props).
 */
export function expectedWorkers(service: SynthesizedService): { workers: number; why: string } {
  const { cpus, memoryMiB } = service.variant;
  const g = service.gunicorn;
  if (!g) return { workers: 1, why: `gunicorn's default without a config file (1), whatever the ${cpus} CPU limit` };
  const perWorker = 128;
  const byCpu = g.workerClass.formula === '2n+1' ? Math.ceil(2 * cpus) + 1 : Math.max(1, Math.ceil(cpus));
  const byMemory = Math.max(1, Math.floor((memoryMiB - GunicornConfig.RESERVE_MIB) / perWorker));
  return {
    workers: Math.min(byCpu, byMemory),
    why: `gunicorn.conf.py sizing: ${byCpu} by a ${cpus} CPU quota (${g.workerClass.formula}), ${byMemory} by ${memoryMiB} MiB`,
  };
}

/** The generated Dockerfile as the test builds it: only the `# syntax=` line removed (BuildKit would pull that frontend). */
export function dockerfileForOfflineBuild(service: SynthesizedService): { text: string; removed: string } {
  const generated = readFileSync(join(service.dir, 'Dockerfile'), 'utf-8');
  const [first, ...rest] = generated.split('\n');
  if (!first.startsWith('# syntax=')) return { text: generated, removed: '' };
  return { text: rest.join('\n'), removed: first };
}

/** Builds the synthesized service's image offline: no pull, no network in RUN steps, local base images. */
export async function buildServiceImage(docker: DockerClient, service: SynthesizedService, tag: string): Promise<{ seconds: number; log: string }> {
  const { text } = dockerfileForOfflineBuild(service);
  const dockerfilePath = join(service.dir, '..', `Dockerfile.${service.variant.name}`);
  writeFileSync(dockerfilePath, text);
  const started = Date.now();
  try {
    const result = await docker.run([
      'build', '--pull=false', '--network=none', '--progress=plain',
      '-f', dockerfilePath,
      '--build-arg', `BUILDER_IMAGE=${service.variant.builderImage}`,
      '--build-arg', `RUNTIME_IMAGE=${service.variant.runtimeImage}`,
      '--label', 'org.keelson.test=containers',
      '-t', tag, service.dir,
    ], { timeoutMs: 300_000 });
    return { seconds: (Date.now() - started) / 1000, log: result.stderr + result.stdout };
  } catch (error) {
    if (error instanceof CommandError) throw new Error(`docker build of ${service.variant.name} failed:\n${error.message}`);
    throw error;
  }
}

/** A container started by the test. */
export interface RunningService {
  readonly name: string;
  readonly id: string;
  /** The loopback port published to the container's port. */
  readonly port: number;
  readonly secondsToHealthy: number;
}

/** Options of a hardened run. */
export interface HardenedRunOptions {
  readonly name: string;
  readonly image: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly security: SecurityProfile;
  readonly containerPort: number;
  /** Health probe interval for the test (the image's command, timeout, start period and retries stay). */
  readonly healthIntervalSeconds?: number;
}

/**
 * The `docker run` arguments of the full hardening: read-only root, tmpfs only for the declared writable paths, every
 * capability dropped, no-new-privileges, the non-root uid:gid, CPU, memory and pids limits, published on loopback only.
 */
export function hardenedRunArgs(options: HardenedRunOptions, port: number): string[] {
  const s = options.security;
  return [
    'run', '-d', '--pull=never', '--name', options.name, '--label', 'org.keelson.test=containers',
    '--read-only',
    ...s.writablePaths.flatMap((path) => ['--tmpfs', `${path}:rw,noexec,nosuid,size=64m`]),
    '--cap-drop=ALL',
    ...s.addCapabilities.flatMap((cap) => ['--cap-add', cap]),
    '--security-opt=no-new-privileges',
    '--user', s.user,
    '--cpus', String(options.cpus),
    '--memory', `${options.memoryMiB}m`,
    '--memory-swap', `${options.memoryMiB}m`,
    '--pids-limit', '256',
    '-p', `127.0.0.1:${port}:${options.containerPort}`,
    `--health-interval=${options.healthIntervalSeconds ?? 1}s`,
    options.image,
  ];
}

/** Starts the image with the full hardening and waits until Docker reports it healthy by the image's HEALTHCHECK. */
export async function runHardened(docker: DockerClient, options: HardenedRunOptions): Promise<RunningService> {
  const port = await freeLoopbackPort();
  await docker.run(['rm', '-f', options.name], { allowFailure: true });
  const started = Date.now();
  const id = await docker.out(hardenedRunArgs(options, port));
  await waitHealthy(docker, options.name, 120_000);
  return { name: options.name, id, port, secondsToHealthy: (Date.now() - started) / 1000 };
}

/** Polls `docker inspect` until the container's health is `healthy`; fails at once if it exits or turns unhealthy. */
export async function waitHealthy(docker: DockerClient, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state: any;
  while (Date.now() < deadline) {
    state = (await docker.inspect(name, 'container')).State;
    if (state.Health?.Status === 'healthy') return;
    if (state.Status !== 'running' || state.Health?.Status === 'unhealthy') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = await docker.run(['logs', '--tail', '60', name], { allowFailure: true });
  throw new Error(`${name} did not become healthy (status ${state?.Status}, health ${state?.Health?.Status}, exit code ${state?.ExitCode}).\n`
    + `Health log: ${JSON.stringify(state?.Health?.Log?.slice(-3), null, 1)}\nContainer log:\n${logs.stdout}${logs.stderr}`);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for docker to publish). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** GET on loopback, bounded. */
export async function getLoopback(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

/** A process of a container, seen from the host. */
export interface ContainerProcess {
  /** Host PID. */
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

/** The container's processes, from the host side (`docker top`; needs nothing in the image). */
export async function containerProcesses(docker: DockerClient, name: string): Promise<ContainerProcess[]> {
  const out = await docker.out(['top', name, '-o', 'pid,ppid,args']);
  return out.split('\n').slice(1).filter(Boolean).map((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`unexpected docker top line: ${line}`);
    return { pid: Number(match[1]), ppid: Number(match[2]), args: match[3] };
  });
}

/** Fields of /proc/PID/status of a container process, read on the host. */
export function procStatus(pid: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf-8').split('\n')) {
    const index = line.indexOf(':');
    if (index > 0) fields[line.slice(0, index)] = line.slice(index + 1).trim();
  }
  return fields;
}

/** One mount as a process sees it (/proc/PID/mountinfo). */
export interface MountEntry {
  readonly mountPoint: string;
  readonly options: string[];
  readonly fsType: string;
}

/** The mounts a container process sees. */
export function procMounts(pid: number): MountEntry[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf-8').split('\n').filter(Boolean).map((line) => {
    const [before, after] = line.split(' - ');
    const fields = before.split(' ');
    return {
      mountPoint: fields[4].replace(/\\040/g, ' '),
      options: [...fields[5].split(','), ...(after.split(' ')[2] ?? '').split(',')],
      fsType: after.split(' ')[0],
    };
  });
}

/** The container's cgroup v1 limits, read on the host: CPUs (quota / period) and memory in MiB; undefined when unlimited. */
export function cgroupLimits(pid: number): { cpus?: number; memoryMiB?: number } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf-8').split('\n');
  const pathOf = (controller: string) => lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes(controller))?.[2];
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf-8').trim() : undefined);
  const cpuPath = pathOf('cpu');
  const memPath = pathOf('memory');
  let cpus: number | undefined;
  let memoryMiB: number | undefined;
  if (cpuPath !== undefined) {
    const dir = ['cpu', 'cpu,cpuacct'].map((m) => `/sys/fs/cgroup/${m}${cpuPath}`).find((d) => existsSync(d));
    const quota = dir ? Number(read(join(dir, 'cpu.cfs_quota_us'))) : -1;
    const period = dir ? Number(read(join(dir, 'cpu.cfs_period_us'))) : 100000;
    if (quota > 0) cpus = quota / period;
  }
  if (memPath !== undefined) {
    const limit = Number(read(`/sys/fs/cgroup/memory${memPath}/memory.limit_in_bytes`));
    if (limit > 0 && limit < 2 ** 60) memoryMiB = limit / 2 ** 20;
  }
  if (cpuPath === undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    // cgroup v2
    const path = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '/';
    const [quota, period] = (read(`/sys/fs/cgroup${path}/cpu.max`) ?? 'max').split(' ');
    if (quota !== 'max') cpus = Number(quota) / Number(period);
    const memory = read(`/sys/fs/cgroup${path}/memory.max`);
    if (memory && memory !== 'max') memoryMiB = Number(memory) / 2 ** 20;
  }
  return { cpus, memoryMiB };
}

/**
 * Runs a Python snippet inside the running container with the image's own interpreter, as the container's user,
 * without a shell (`docker exec` runs the binary directly: works on distroless too).
 */
export async function execPython(docker: DockerClient, name: string, code: string): Promise<string> {
  return docker.out(['exec', name, '/opt/venv/bin/python', '-c', code], { timeoutMs: 60_000 });
}
