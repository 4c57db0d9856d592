import { ResourceLimits } from '@keelson/core';
import { PolicyInput } from './rule';
import { eachService, limitsOf, durationSeconds } from './private/compose';
import { composeServer, imageArgv, imageEnvironment, serverViewFor, servedPort } from './private/context';

/** Options of the `docker run` script. */
export interface DockerRunOptions {
  /**
   * The script, relative to the project root.
   * @default 'hardening/docker-run.sh'
   */
  readonly file?: string;
  /**
   * The host address the port is published on.
   * @default '127.0.0.1' (a proxy on the host in front)
   */
  readonly hostIp?: string;
  /**
   * The limits.
   * @default - the production compose file's app limits, else 1 CPU, 512 MiB, 256 pids
   */
  readonly limits?: ResourceLimits;
}

/** One flag of the command, with why it is there. */
interface Flag {
  readonly args: string[];
  readonly why: string;
}

function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The body of a POSIX sh script that runs the service's image hardened as compose.prod.yaml runs it, for hosts
 * without compose: every flag derived from the resolved models (what the synth writes), each explained.
 * Undefined when the project has no container image.
 */
export function renderDockerRun(input: PolicyInput, projectName: string, options: DockerRunOptions = {}): string | undefined {
  const dockerfile = input.dockerfiles[0];
  if (!dockerfile) return undefined;
  const image = dockerfile.model.image;
  const security = image.security;
  const production = eachService(input.composes).find((s) => s.role === 'app' && s.file.environment === 'production' && s.view.image === image);
  const server = (production ? composeServer(input, production.view) : serverViewFor(input, dockerfile.model.appServer))?.model;
  const fromCompose = production ? limitsOf(production.service) : {};
  const defaults = new ResourceLimits();
  const limits = options.limits ?? new ResourceLimits({
    cpus: fromCompose.cpus ?? defaults.cpus,
    memoryMiB: Math.max(16, Math.round(fromCompose.memoryMiB ?? defaults.memoryMiB)),
    pids: Math.max(16, fromCompose.pids ?? defaults.pids),
  });
  const port = servedPort(imageArgv(dockerfile.model), imageEnvironment(dockerfile.model), server, image.endpoint.port) ?? image.endpoint.port;
  const writable = [...new Set([...security.writablePaths, ...(server?.writablePaths ?? [])])].filter((p) => p !== '/dev/shm' && !p.startsWith('/dev/shm/'));
  const stop = durationSeconds(production?.service.stop_grace_period) ?? (server ? server.server.gracefulTimeoutSeconds + 5 : undefined);
  const imageRef = production?.service.image !== undefined ? String(production.service.image).replace(/\$\$/g, '$') : `\${APP_IMAGE:-${projectName}:local}`;
  const flags: Flag[] = [
    { args: ['--rm'], why: 'no stopped container is left behind' },
    { args: ['--init'], why: 'an init process as PID 1 forwards signals and reaps zombies' },
    { args: ['--user', security.user], why: `uid:gid ${security.user}, the image's non-root user, which owns its writable paths` },
    ...(security.readOnlyRootFilesystem ? [
      { args: ['--read-only'], why: 'the root filesystem is read-only: nothing in the image can be changed' },
      ...writable.map((path) => ({ args: ['--tmpfs', path], why: `${path} is written at run time (a tmpfs, gone at stop)` })),
    ] : []),
    { args: ['--cap-drop', 'ALL'], why: 'every Linux capability dropped' },
    ...security.addCapabilities.map((c) => ({ args: ['--cap-add', c], why: `${c} added back, as the security profile says` })),
    ...(security.noNewPrivileges ? [{ args: ['--security-opt', 'no-new-privileges:true'], why: 'no setuid binary or file capability raises privileges' }] : []),
    { args: ['--cpus', String(limits.cpus)], why: `${limits.cpus} CPU${limits.cpus === 1 ? '' : 's'}: the app server sizes its workers from this quota` },
    { args: ['--memory', `${limits.memoryMiB}m`], why: `${limits.memoryMiB} MiB: the app server caps its workers by this limit` },
    { args: ['--pids-limit', String(limits.pids)], why: `at most ${limits.pids} processes and threads` },
    ...(stop !== undefined ? [{ args: ['--stop-timeout', String(Math.ceil(stop))], why: 'seconds between SIGTERM and SIGKILL: longer than the graceful timeout' }] : []),
    { args: ['--publish', `${options.hostIp ?? '127.0.0.1'}:${port}:${port}`], why: `the server's port ${port}, on ${options.hostIp ?? '127.0.0.1'} only` },
  ];
  const width = Math.max(...flags.map((f) => f.args.join(' ').length));
  return [
    `# Runs the image of ${projectName} hardened as compose.prod.yaml runs it, for hosts without compose.`,
    '# Every value comes from .projenrc.ts (the security profile, the limits, the app server): change it there.',
    '#',
    '#   sh hardening/docker-run.sh [more docker run options]      e.g. -d --name app --env-file .env',
    '#   APP_IMAGE=registry.example.com/app:1.2.3 sh hardening/docker-run.sh',
    '#',
    '# The flags, and why:',
    ...flags.map((f) => `#   ${f.args.join(' ').padEnd(width)}  ${f.why}`),
    'set -eu',
    `IMAGE="${imageRef}"`,
    'exec docker run \\',
    ...flags.map((f) => `  ${f.args.map(quote).join(' ')} \\`),
    '  "$@" "$IMAGE"',
  ].join('\n');
}
