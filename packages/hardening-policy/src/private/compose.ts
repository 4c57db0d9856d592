import { ComposeFileView, ComposeServiceRole, ComposeServiceView, ComposeView } from '@keelson/core';

/** The services of a file, by name. */
export function services(file: ComposeFileView): Array<[string, ComposeServiceView]> {
  return Object.entries(file.document.services ?? {});
}

/** The role of a service; services the component did not add are `other`. */
export function roleOf(view: ComposeView, name: string): ComposeServiceRole {
  return view.roles[name] ?? 'other';
}

/** Roles that run the app's image. */
export const APP_IMAGE_ROLES: readonly ComposeServiceRole[] = ['app', 'worker', 'scheduler', 'migrations'];

/** `compose.prod.yaml#services/app` and the like. */
export function serviceTarget(file: ComposeFileView, name: string, ...rest: Array<string | number>): string {
  return `${file.path}#${['services', name, ...rest].join('/')}`;
}

/** The value compose reads for `${NAME:-default}` when NAME is unset; other text as is. */
export function withDefaults(text: string): string {
  return text.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (whole, fallback) => fallback ?? whole).replace(/\$\$/g, '$');
}

/** The service's environment as a map (compose accepts a map or a list of `NAME=value`). */
export function environmentOf(service: ComposeServiceView): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map(String).map((entry) => {
      const index = entry.indexOf('=');
      return index < 0 ? [entry, ''] : [entry.slice(0, index), entry.slice(index + 1)];
    }));
  }
  if (env && typeof env === 'object') {
    return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
  }
  return {};
}

/** A tmpfs mount: its path and options (`/tmp:mode=1777,size=64m`). */
export interface TmpfsMount {
  readonly path: string;
  readonly options: Record<string, string>;
}

/** The service's tmpfs mounts. */
export function tmpfsOf(service: ComposeServiceView): TmpfsMount[] {
  const entries = service.tmpfs === undefined ? [] : typeof service.tmpfs === 'string' ? [service.tmpfs] : [...service.tmpfs];
  const fromVolumes = volumesOf(service).filter((v) => v.type === 'tmpfs').map((v) => `${v.target}`);
  return [...entries, ...fromVolumes].map((entry) => {
    const [path, options = ''] = entry.split(/:(.*)/s);
    return {
      path,
      options: Object.fromEntries(options.split(',').filter((o) => o !== '').map((o) => {
        const [k, v = 'true'] = o.split('=');
        return [k, v];
      })),
    };
  });
}

/** A volume or bind mount. */
export interface VolumeMount {
  readonly type: 'volume' | 'bind' | 'tmpfs' | 'other';
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** The service's mounts (short `source:target[:ro]` or long form). */
export function volumesOf(service: ComposeServiceView): VolumeMount[] {
  return (service.volumes ?? []).map((volume): VolumeMount => {
    if (typeof volume === 'string') {
      const parts = volume.split(':');
      if (parts.length === 1) return { type: 'volume', source: '', target: parts[0], readOnly: false };
      const source = parts[0];
      const bind = /^[./~]/.test(source);
      return { type: bind ? 'bind' : 'volume', source, target: parts[1], readOnly: (parts[2] ?? '').split(',').includes('ro') };
    }
    const v = (volume ?? {}) as Record<string, unknown>;
    const type = ['volume', 'bind', 'tmpfs'].includes(String(v.type)) ? String(v.type) as VolumeMount['type'] : 'other';
    return { type, source: String(v.source ?? ''), target: String(v.target ?? ''), readOnly: v.read_only === true || v.read_only === 'true' };
  });
}

/** A port published on the host. */
export interface PublishedPort {
  readonly hostIp: string;
  readonly published: string;
  readonly target: string;
  readonly text: string;
}

/** The service's published ports (short or long form; a bare container port publishes on an ephemeral host port). */
export function portsOf(service: ComposeServiceView): PublishedPort[] {
  return (service.ports ?? []).map((port): PublishedPort => {
    if (typeof port === 'number') return { hostIp: '0.0.0.0', published: '', target: String(port), text: String(port) };
    if (typeof port === 'string') {
      const bare = port.replace(/\/(tcp|udp|sctp)$/, '');
      const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(bare);
      const [hostIp, rest] = ipv6 ? [ipv6[1], ipv6[2].split(':')] : ['', bare.split(':')];
      if (ipv6) return { hostIp, published: rest[0] ?? '', target: rest[1] ?? '', text: port };
      if (rest.length >= 3) return { hostIp: rest[0], published: rest[1], target: rest[2], text: port };
      if (rest.length === 2) return { hostIp: '0.0.0.0', published: rest[0], target: rest[1], text: port };
      return { hostIp: '0.0.0.0', published: '', target: rest[0], text: port };
    }
    const p = (port ?? {}) as Record<string, unknown>;
    const hostIp = String(p.host_ip ?? '0.0.0.0');
    return { hostIp, published: String(p.published ?? ''), target: String(p.target ?? ''), text: JSON.stringify(port) };
  });
}

/** Whether a host address is loopback only. */
export function isLoopback(hostIp: string): boolean {
  return /^127\./.test(hostIp) || hostIp === '::1' || hostIp === 'localhost';
}

/** The networks a service joins, by name. */
export function networksOf(service: ComposeServiceView): string[] {
  const networks = service.networks;
  if (Array.isArray(networks)) return networks.map(String);
  if (networks && typeof networks === 'object') return Object.keys(networks);
  return service.network_mode === undefined ? ['default'] : [];
}

/** The service's static address on a network, if it has one. */
export function addressOn(service: ComposeServiceView, network: string): string | undefined {
  const networks = service.networks;
  if (!networks || Array.isArray(networks) || typeof networks !== 'object') return undefined;
  const entry = (networks as Record<string, unknown>)[network] as Record<string, unknown> | null | undefined;
  const address = entry?.ipv4_address ?? entry?.ipv6_address;
  return typeof address === 'string' ? address : undefined;
}

/** The subnets of a network's IPAM config. */
export function subnetsOf(file: ComposeFileView, network: string): string[] {
  const spec = (file.document.networks?.[network] ?? {}) as { ipam?: { config?: Array<{ subnet?: string }> } };
  return (spec.ipam?.config ?? []).map((c) => c.subnet).filter((s): s is string => typeof s === 'string');
}

/** CPU, memory (MiB) and pids limits, in whichever form compose was given them. */
export function limitsOf(service: ComposeServiceView): { cpus?: number; memoryMiB?: number; pids?: number } {
  const deploy = (service.deploy ?? {}) as { resources?: { limits?: { cpus?: unknown; memory?: unknown; pids?: unknown } }; replicas?: unknown };
  const limits = deploy.resources?.limits ?? {};
  const cpus = numberOf(limits.cpus ?? service.cpus);
  const memory = limits.memory ?? service.mem_limit;
  const pids = numberOf(service.pids_limit ?? limits.pids);
  return { cpus, memoryMiB: memory === undefined ? undefined : mebibytes(String(memory)), pids };
}

/** `deploy.replicas`, 1 when unset. */
export function replicasOf(service: ComposeServiceView): number {
  const replicas = numberOf((service.deploy as { replicas?: unknown } | undefined)?.replicas);
  return replicas ?? 1;
}

/** The argv of `command` or `entrypoint` (a string is split on spaces, as compose does for the shell-less form). */
export function argvOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.trim().split(/\s+/);
  return [];
}

/** Seconds of a compose duration (`1m30s`, `45s`, `500ms`), undefined when unreadable. */
export function durationSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  let total = 0;
  let rest = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(rest)) return Number(rest);
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** Whether the service has an active health check. */
export function hasHealthCheck(service: ComposeServiceView): boolean {
  const check = service.healthcheck;
  if (!check || check.disable === true || check.disable === 'true') return false;
  const test = check.test;
  return test !== undefined && !(Array.isArray(test) && test[0] === 'NONE') && test !== 'NONE';
}

/** The health check's command as argv (`CMD` dropped; `CMD-SHELL` as `sh -c`). */
export function healthCheckArgv(service: ComposeServiceView): string[] | undefined {
  if (!hasHealthCheck(service)) return undefined;
  const test = service.healthcheck!.test!;
  if (typeof test === 'string') return ['/bin/sh', '-c', test];
  if (test[0] === 'CMD') return test.slice(1).map(String);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return test.map(String);
}

/** Whether a path is `dir` or below it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function mebibytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!match) return undefined;
  const factor: Record<string, number> = { '': 1 / (1024 * 1024), 'k': 1 / 1024, 'm': 1, 'g': 1024, 't': 1024 * 1024 };
  return Number(match[1]) * factor[match[2].toLowerCase()];
}

/** Each service of each compose file of the input, with what a rule needs to report on it. */
export interface ServiceInFile {
  readonly path: string;
  readonly view: ComposeView;
  readonly file: ComposeFileView;
  readonly name: string;
  readonly service: ComposeServiceView;
  readonly role: ComposeServiceRole;
}

/** Every service of every compose file. */
export function eachService(composes: ReadonlyArray<{ path: string; model: ComposeView }>): ServiceInFile[] {
  return composes.flatMap(({ path, model }) => model.files.flatMap((file) => services(file).map(([name, service]) => ({
    path, view: model, file, name, service, role: roleOf(model, name),
  }))));
}
