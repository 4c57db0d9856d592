/**
 * PostgreSQL settings derived from the container's memory limit and the connection budget, with the arithmetic.
 *
 * The rules are the usual ones for a dedicated server (PostgreSQL's documentation for shared_buffers, pgtune's
 * rules for the rest), applied to the container's limit instead of the host's memory:
 *
 *   shared_buffers       = M / 4
 *   effective_cache_size = M * 3 / 4            (a planner hint: what the page cache can hold, inside the limit)
 *   maintenance_work_mem = M / 16, at most 2 GiB
 *   work_mem             = (M - shared_buffers) / (3 * max_connections), at least 64 kB
 *   max_connections      = the declared budget
 */
export interface PostgresSizing {
  /** The memory limit the settings derive from, MiB. */
  readonly memoryMiB: number;
  readonly maxConnections: number;
  readonly sharedBuffersMiB: number;
  readonly effectiveCacheSizeMiB: number;
  readonly maintenanceWorkMemMiB: number;
  readonly workMemKiB: number;
  /** The settings as `postgres -c name=value` takes them, in order. */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  /** One line per setting: the formula, the numbers, the result. */
  readonly arithmetic: string[];
}

/** The smallest memory limit Keelson runs PostgreSQL with, MiB. */
export const POSTGRES_MINIMUM_MEMORY_MIB = 128;

/** Processes PostgreSQL runs besides one per connection (checkpointer, WAL writer, autovacuum, parallel workers). */
export const POSTGRES_BACKGROUND_PROCESSES = 32;

/** Connections PostgreSQL keeps for superusers (`superuser_reserved_connections`, default 3). */
export const POSTGRES_RESERVED_CONNECTIONS = 3;

/** The settings for a memory limit and a connection budget. */
export function sizePostgres(memoryMiB: number, maxConnections: number): PostgresSizing {
  const sharedBuffersMiB = Math.floor(memoryMiB / 4);
  const effectiveCacheSizeMiB = Math.floor((memoryMiB * 3) / 4);
  const maintenanceWorkMemMiB = Math.max(1, Math.min(2048, Math.floor(memoryMiB / 16)));
  const workMemKiB = Math.max(64, Math.floor(((memoryMiB - sharedBuffersMiB) * 1024) / (3 * maxConnections)));
  const settings: Array<[string, string]> = [
    ['max_connections', String(maxConnections)],
    ['shared_buffers', `${sharedBuffersMiB}MB`],
    ['effective_cache_size', `${effectiveCacheSizeMiB}MB`],
    ['maintenance_work_mem', `${maintenanceWorkMemMiB}MB`],
    ['work_mem', `${workMemKiB}kB`],
  ];
  const M = `${memoryMiB} MiB`;
  const arithmetic = [
    `shared_buffers       = ${M} / 4 = ${sharedBuffersMiB}MB`,
    `effective_cache_size = ${M} * 3/4 = ${effectiveCacheSizeMiB}MB`,
    `maintenance_work_mem = ${M} / 16 (at most 2 GiB) = ${maintenanceWorkMemMiB}MB`,
    `work_mem             = (${M} - ${sharedBuffersMiB} MiB) / (3 * ${maxConnections} connections) = ${workMemKiB}kB`,
  ];
  return { memoryMiB, maxConnections, sharedBuffersMiB, effectiveCacheSizeMiB, maintenanceWorkMemMiB, workMemKiB, settings, arithmetic };
}

/** The connections one kind of client may hold at once. */
export interface ConnectionUse {
  /** The service, e.g. `app`. */
  readonly service: string;
  /** Processes that each hold a pool. */
  readonly processes: number;
  /** Connections per process (pool size plus overflow). */
  readonly perProcess: number;
  /** How `processes` was counted, e.g. `1 replica x 3 workers`. */
  readonly processesDetail: string;
}

/** The connections every client may hold at once, plus the superuser reserve. */
export interface ConnectionDemand {
  readonly total: number;
  readonly uses: readonly ConnectionUse[];
  /** E.g. `app 1 replica x 3 workers x 15 = 45 + worker 2 processes x 15 = 30 + 3 reserved = 78`. */
  readonly arithmetic: string;
}

/** Adds up what the clients may open. */
export function connectionDemand(uses: readonly ConnectionUse[]): ConnectionDemand {
  const total = uses.reduce((sum, u) => sum + u.processes * u.perProcess, 0) + POSTGRES_RESERVED_CONNECTIONS;
  const parts = uses.map((u) => `${u.service} ${u.processesDetail} x ${u.perProcess} = ${u.processes * u.perProcess}`);
  return { total, uses, arithmetic: [...parts, `${POSTGRES_RESERVED_CONNECTIONS} reserved for superusers`].join(' + ') + ` = ${total}` };
}
