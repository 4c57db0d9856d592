import { HealthCheck, ImageReference, KeelsonConfigError, ResourceLimits, SecurityProfile, locate } from '@keelson/core';
import { ComposeService, IComposeFiles, ServiceEnvironmentProps, ServiceSecret, renderHealthCheck } from './compose-service';
import { ComposeText, ComposeValue } from './compose-value';
import { PasswordSource, secretPath } from './password-source';

/** Redis eviction policies (`maxmemory-policy`). */
export type RedisEvictionPolicy =
  | 'noeviction' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random'
  | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl';

/** Options of the Redis service. */
export interface RedisOptions {
  /**
   * The image, `repository:tag` (the official image: `redis-server` and `redis-cli` on the PATH, `/data` owned by
   * uid 999). Overridable at run time with `REDIS_IMAGE`.
   * @default 'redis:8.2.9-bookworm'
   */
  readonly image?: string;
  /**
   * Limits; `maxmemory` derives from the memory limit.
   * @default - 0.5 CPU, 256 MiB, 64 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * The share of the memory limit Redis may fill with data (`maxmemory`), percent. The rest is headroom for what
   * Redis allocates beside the data: allocator fragmentation, client buffers, and the pages the append-only-file
   * rewrite's fork copies on write while writes continue.
   * @default 75
   */
  readonly maxMemoryPercent?: number;
  /**
   * What Redis does at `maxmemory`.
   * @default - 'noeviction' when a Celery worker or beat uses Redis as its broker (evicting a queued task loses it:
   * a full broker must refuse writes instead), 'allkeys-lru' otherwise (a cache)
   */
  readonly maxMemoryPolicy?: RedisEvictionPolicy;
  /**
   * The loopback port compose.yaml publishes Redis on; `false` publishes nothing. compose.prod.yaml never does.
   * @default 6379
   */
  readonly developmentPort?: number | false;
  /**
   * Who Redis runs as: uid and gid 999 are the `redis` user of the official image, owner of `/data`; started as
   * that user, the entrypoint needs no root and no capability.
   * @default - uid and gid 999, read-only root, /tmp on tmpfs (data on the volume at /data)
   */
  readonly security?: SecurityProfile;
}

/** Props of the Redis service, as the Compose component wires it. */
export interface RedisServiceProps extends RedisOptions {
  /** The password's source in each file. */
  readonly password: { readonly development: PasswordSource; readonly production: PasswordSource };
  /** Whether Redis is a Celery broker (the default eviction policy depends on it). */
  readonly broker: boolean;
  readonly networks: string[];
}

/** The smallest memory limit Keelson runs Redis with, MiB. */
export const REDIS_MINIMUM_MEMORY_MIB = 32;
const DEFAULT_IMAGE = 'redis:8.2.9-bookworm';

/**
 * Redis with append-only persistence on a volume, `maxmemory` derived from its limit, a password required in
 * production, private to the data network.
 */
export class RedisService extends ComposeService {
  public static readonly PORT = 6379;
  public static readonly VOLUME = 'redisdata';

  declare public readonly healthCheck: HealthCheck;
  /** `maxmemory`, MiB. */
  public readonly maxMemoryMiB: number;
  public readonly maxMemoryPolicy: RedisEvictionPolicy;
  public readonly image: ImageReference;
  public readonly passwordSecret?: ServiceSecret;

  public constructor(compose: IComposeFiles, props: RedisServiceProps) {
    const limits = props.limits ?? new ResourceLimits({ cpus: 0.5, memoryMiB: 256, pids: 64 });
    const percent = props.maxMemoryPercent ?? 75;
    const maxMemoryMiB = Math.floor((limits.memoryMiB * percent) / 100);
    const policy = props.maxMemoryPolicy ?? (props.broker ? 'noeviction' : 'allkeys-lru');
    const image = locate(compose, 'redis', () => ImageReference.parse(props.image ?? DEFAULT_IMAGE));
    const serverArgs = ['--maxmemory', `${maxMemoryMiB}mb`, '--maxmemory-policy', policy, '--appendonly', 'yes'];
    const forFile = (source: PasswordSource): ServiceEnvironmentProps => {
      if (source.kind === 'variable') {
        return {
          command: ['redis-server', ...serverArgs, '--requirepass', source.value],
          // redis-cli reads the password from REDISCLI_AUTH: it never appears in a process list.
          environment: { REDISCLI_AUTH: source.value },
          secrets: [],
        };
      }
      const file = secretPath(source.secret);
      return {
        // The container's shell reads the secret file when Redis starts; compose must not interpolate "$@" or "$(...)".
        command: ['sh', '-c', `exec redis-server "$@" --requirepass "$(cat ${file})"`, 'redis-server', ...serverArgs],
        environment: {},
        secrets: [source.secret],
      };
    };
    // PONG, not the exit status: an error reply (NOAUTH, LOADING while the append-only file loads) is not healthy.
    const healthCheck: HealthCheck = {
      command: ['sh', '-c', 'redis-cli ping | grep -q PONG'],
      intervalSeconds: 5,
      timeoutSeconds: 3,
      startPeriodSeconds: 10,
      retries: 5,
    };
    const port = props.developmentPort ?? RedisService.PORT;
    const development = forFile(props.password.development);
    const production = forFile(props.password.production);
    super(compose, 'redis', {
      description: 'Redis: append-only persistence, maxmemory from its limit, private to the data network.',
      image: ComposeValue.withDefault('REDIS_IMAGE', image.toString()),
      security: props.security ?? new SecurityProfile({ uid: 999, gid: 999, writablePaths: ['/tmp'] }),
      limits,
      healthCheck,
      networks: props.networks,
      mounts: [{ source: RedisService.VOLUME, target: '/data' }],
      // Redis saves and fsyncs on SIGTERM before it exits.
      stopGracePeriodSeconds: 30,
      development: {
        ...development,
        ports: port === false ? [] : [{ target: RedisService.PORT, published: port, hostIp: '127.0.0.1' }],
      },
      production: { ...production, ports: [] },
    });
    if (props.password.production.kind === 'file') {
      // With the password in a secret file, the probe reads it there (REDISCLI_AUTH is set for redis-cli only).
      const file = secretPath(props.password.production.secret);
      this.spec('production').healthcheck = renderHealthCheck({
        ...healthCheck, command: ['sh', '-c', `REDISCLI_AUTH="$(cat ${file})" redis-cli ping | grep -q PONG`],
      });
    }
    this.maxMemoryMiB = maxMemoryMiB;
    this.maxMemoryPolicy = policy;
    this.image = image;
    this.passwordSecret = props.password.production.kind === 'file' ? props.password.production.secret : undefined;
    if (!(percent >= 10 && percent <= 90)) {
      throw new KeelsonConfigError('maxMemoryPercent', `is ${percent}, outside 10 to 90`,
        'leave Redis headroom above maxmemory for fragmentation, buffers and the rewrite fork: 75 is a sound value').atConstruct(this);
    }
    if (limits.memoryMiB < REDIS_MINIMUM_MEMORY_MIB) {
      throw new KeelsonConfigError('limits.memoryMiB', `is ${limits.memoryMiB} MiB, below the ${REDIS_MINIMUM_MEMORY_MIB} MiB Redis needs at least`,
        `give redis ${REDIS_MINIMUM_MEMORY_MIB} MiB or more`).atConstruct(this);
    }
    this.comment('command', `maxmemory = ${limits.memoryMiB} MiB limit x ${percent}% = ${maxMemoryMiB}mb; the rest is headroom for `
      + 'fragmentation, client buffers and the copy-on-write of the append-only-file rewrite.\n'
      + `maxmemory-policy ${policy}: ${policy === 'noeviction'
        ? 'Redis is a Celery broker, and an evicted key would be a lost task: a full Redis refuses writes instead.'
        : 'Redis is a cache: the least recently used keys make room.'}`);
  }
}

/** The Redis URL for database `db`, with the password when it is a variable. */
export function redisUrl(source: PasswordSource, db: number): ComposeText {
  return source.kind === 'variable'
    ? ComposeValue.concat('redis://:', source.value, `@redis:${RedisService.PORT}/${db}`)
    : `redis://redis:${RedisService.PORT}/${db}`;
}
