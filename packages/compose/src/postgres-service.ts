import { HealthCheck, ImageReference, KeelsonConfigError, ResourceLimits, SecurityProfile, locate } from '@keelson/core';
import { ComposeService, IComposeFiles, ServiceSecret } from './compose-service';
import { ComposeText, ComposeValue } from './compose-value';
import { PasswordSource, secretPath } from './password-source';
import { POSTGRES_BACKGROUND_PROCESSES, POSTGRES_MINIMUM_MEMORY_MIB, PostgresSizing, sizePostgres } from './postgres-sizing';

/** Options of the PostgreSQL service. */
export interface PostgresOptions {
  /**
   * The image, `repository:tag` (the official image's contract: `docker-entrypoint.sh`, `POSTGRES_*` variables,
   * `pg_isready` on the PATH). Overridable at run time with `POSTGRES_IMAGE`.
   * @default 'postgres:18.6-bookworm'
   */
  readonly image?: string;
  /**
   * Limits; the settings derive from the memory limit.
   * @default - 1 CPU, 1024 MiB, and the larger of 256 and maxConnections + 64 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * The connection budget, `max_connections`; checked against what the app, the worker and the migrations may open.
   * @default 100
   */
  readonly maxConnections?: number;
  /**
   * The database user the services connect as.
   * @default 'app'
   */
  readonly user?: string;
  /**
   * The database.
   * @default 'app'
   */
  readonly database?: string;
  /**
   * The loopback port compose.yaml publishes PostgreSQL on for local tools (`psql -h 127.0.0.1`); `false` publishes
   * nothing. compose.prod.yaml never publishes it.
   * @default 5432
   */
  readonly developmentPort?: number | false;
  /**
   * Who PostgreSQL runs as. uid and gid 999 are the `postgres` user of the official Debian-based image, which owns
   * the data directory the volume is initialized from (the Alpine image uses 70). Running as that uid from the start
   * means the entrypoint needs no root, no chown and no capability.
   * @default - uid and gid 999, read-only root, /var/run/postgresql (the socket) and /tmp on tmpfs
   */
  readonly security?: SecurityProfile;
}

/** Props of the PostgreSQL service, as the Compose component wires it. */
export interface PostgresServiceProps extends PostgresOptions {
  /** The password's source in each file. */
  readonly password: { readonly development: PasswordSource; readonly production: PasswordSource };
  /** The networks it joins. */
  readonly networks: string[];
}

const DEFAULT_IMAGE = 'postgres:18.6-bookworm';

/**
 * PostgreSQL, sized from its limits, private to the data network, non-root on a read-only root, healthy only when
 * the final server accepts TCP connections (not during the first start's init, whose temporary server listens on
 * the socket only).
 */
export class PostgresService extends ComposeService {
  public static readonly PORT = 5432;
  /** The volume holding the cluster. */
  public static readonly VOLUME = 'pgdata';

  declare public readonly healthCheck: HealthCheck;
  public readonly sizing: PostgresSizing;
  public readonly user: string;
  public readonly database: string;
  public readonly image: ImageReference;
  /** The secret in production, when passwords come from files. */
  public readonly passwordSecret?: ServiceSecret;

  public constructor(compose: IComposeFiles, props: PostgresServiceProps) {
    const maxConnections = props.maxConnections ?? 100;
    const limits = props.limits ?? new ResourceLimits({ cpus: 1, memoryMiB: 1024, pids: Math.max(256, maxConnections + 64) });
    const user = props.user ?? 'app';
    const database = props.database ?? 'app';
    const image = locate(compose, 'postgres', () => ImageReference.parse(props.image ?? DEFAULT_IMAGE));
    const healthCheck: HealthCheck = {
      // TCP, not the socket: during the first start, the entrypoint's temporary server listens on the socket only.
      command: ['pg_isready', '--host=127.0.0.1', `--port=${PostgresService.PORT}`, `--username=${user}`, `--dbname=${database}`, '--quiet'],
      intervalSeconds: 5,
      timeoutSeconds: 3,
      startPeriodSeconds: 60,
      retries: 5,
    };
    const sizing = sizePostgres(limits.memoryMiB, maxConnections);
    const passwordEnvironment = (source: PasswordSource): Record<string, ComposeText> => (source.kind === 'variable'
      ? { POSTGRES_PASSWORD: source.value }
      : { POSTGRES_PASSWORD_FILE: secretPath(source.secret) });
    const port = props.developmentPort ?? PostgresService.PORT;
    super(compose, 'postgres', {
      description: 'PostgreSQL: private to the data network, healthy once the final server accepts TCP connections.',
      image: ComposeValue.withDefault('POSTGRES_IMAGE', image.toString()),
      command: ['postgres', ...sizing.settings.flatMap(([name, value]) => ['-c', `${name}=${value}`])],
      environment: { POSTGRES_USER: user, POSTGRES_DB: database },
      security: props.security ?? new SecurityProfile({ uid: 999, gid: 999, writablePaths: ['/var/run/postgresql', '/tmp'] }),
      limits,
      healthCheck,
      networks: props.networks,
      mounts: [{ source: PostgresService.VOLUME, target: dataMountPath(image) }],
      // A clean shutdown writes a checkpoint; docker's 10 s can cut it short.
      stopGracePeriodSeconds: 60,
      development: {
        environment: passwordEnvironment(props.password.development),
        ports: port === false ? [] : [{ target: PostgresService.PORT, published: port, hostIp: '127.0.0.1' }],
        secrets: props.password.development.kind === 'file' ? [props.password.development.secret] : [],
      },
      production: {
        environment: passwordEnvironment(props.password.production),
        ports: [],
        secrets: props.password.production.kind === 'file' ? [props.password.production.secret] : [],
      },
    });
    this.sizing = sizing;
    this.user = user;
    this.database = database;
    this.image = image;
    this.passwordSecret = props.password.production.kind === 'file' ? props.password.production.secret : undefined;
    this.checkLimits(maxConnections);
    this.comment('command', [
      `Sized from the memory limit (${limits.memoryMiB} MiB) and the connection budget (${maxConnections}):`,
      ...sizing.arithmetic.map((line) => `  ${line}`),
    ].join('\n'));
  }

  private checkLimits(maxConnections: number): void {
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new KeelsonConfigError('maxConnections', `must be a whole number from 1, got ${maxConnections}`,
        'give the connection budget, e.g. 100').atConstruct(this);
    }
    if (this.limits.memoryMiB < POSTGRES_MINIMUM_MEMORY_MIB) {
      throw new KeelsonConfigError('limits.memoryMiB', `is ${this.limits.memoryMiB} MiB, below the ${POSTGRES_MINIMUM_MEMORY_MIB} MiB `
        + 'PostgreSQL needs at least', `give postgres ${POSTGRES_MINIMUM_MEMORY_MIB} MiB or more`).atConstruct(this);
    }
    const minimumPids = maxConnections + POSTGRES_BACKGROUND_PROCESSES;
    if (this.limits.pids < minimumPids) {
      throw new KeelsonConfigError('limits.pids', `is ${this.limits.pids}, below the ${minimumPids} processes PostgreSQL may run `
        + `(${maxConnections} connections, one process each, + ${POSTGRES_BACKGROUND_PROCESSES} background processes)`,
      `raise limits.pids to ${minimumPids} or more, or lower maxConnections`).atConstruct(this);
    }
  }
}

/**
 * Where the volume goes: PostgreSQL 18+ images keep PGDATA under /var/lib/postgresql/<major>/docker and declare
 * the volume at /var/lib/postgresql; older ones use /var/lib/postgresql/data.
 */
function dataMountPath(image: ImageReference): string {
  const major = /^(\d+)/.exec(image.tag)?.[1];
  return major !== undefined && Number(major) < 18 ? '/var/lib/postgresql/data' : '/var/lib/postgresql';
}
