import { ResourceLimits } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { argvOf, environmentOf, limitsOf, replicasOf, serviceTarget } from '../private/compose';
import { composeServer } from '../private/context';

/** PostgreSQL's max_connections when the command does not set it. */
const POSTGRES_DEFAULT_MAX_CONNECTIONS = 100;

function maxConnections(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const match = /^(?:-c)?max_connections=(\d+)$/.exec(argv[i]) ?? (argv[i] === '-c' ? /^max_connections=(\d+)$/.exec(argv[i + 1] ?? '') : null);
    if (match) return Number(match[1]);
  }
  return POSTGRES_DEFAULT_MAX_CONNECTIONS;
}

function celeryConcurrency(argv: string[], cpus: number | undefined): number {
  for (let i = 0; i < argv.length; i++) {
    const inline = /^--concurrency=(\d+)$/.exec(argv[i]);
    if (inline) return Number(inline[1]);
    if ((argv[i] === '--concurrency' || argv[i] === '-c') && /^\d+$/.test(argv[i + 1] ?? '')) return Number(argv[i + 1]);
  }
  // Celery's default is the number of CPUs it sees: at least the limit, rounded up.
  return Math.max(1, Math.ceil(cpus ?? 1));
}

/**
 * The database accepts every connection its clients may open at once: app replicas x workers x (pool + overflow),
 * the same for the Celery worker's processes, the migration job's one, and the superuser reserve. Read from the
 * production file as written (replicas, WEB_CONCURRENCY, limits, --concurrency, max_connections), so an escape hatch
 * that scales a service is counted.
 */
export const DatabaseConnectionBudget: Rule = {
  name: 'DatabaseConnectionBudget',
  scope: 'cross-file',
  what: "The database's max_connections covers app replicas x workers x pool, the worker's processes, the migrations and the reserve",
  evaluate: (input) => input.composes.flatMap(({ path, model }) => {
    const database = model.database;
    if (!database) return [];
    const server = composeServer(input, model)?.model;
    return model.files.filter((f) => f.environment === 'production').flatMap((file): Verdict[] => {
      const db = file.document.services[database.service];
      if (!db) return [];
      const budget = maxConnections(argvOf(db.command));
      const parts: string[] = [];
      let total = 0;
      for (const client of database.clients) {
        const service = file.document.services[client.service];
        if (!service) continue;
        // The most containers the deployment runs: the file's, or more by `--scale` up to what the component counted.
        const replicas = Math.max(replicasOf(service), client.maxReplicas ?? 0);
        const limits = limitsOf(service);
        if (client.counting === 'single') {
          total += 1;
          parts.push(`${client.service} 1`);
          continue;
        }
        let processes: number;
        if (client.counting === 'app-server') {
          const pinned = environmentOf(service)[server?.workersVariable ?? 'WEB_CONCURRENCY'];
          const workers = pinned !== undefined && /^\d+$/.test(pinned) ? Number(pinned)
            : server?.server.workersFor?.(new ResourceLimits({ cpus: limits.cpus ?? 1, memoryMiB: Math.max(16, Math.floor(limits.memoryMiB ?? 512)) })) ?? 1;
          processes = replicas * workers;
          parts.push(`${client.service} ${replicas} x ${workers} workers x ${database.connectionsPerProcess}`);
        } else {
          const concurrency = celeryConcurrency(argvOf(service.command), limits.cpus);
          processes = replicas * concurrency;
          parts.push(`${client.service} ${replicas} x ${concurrency} processes x ${database.connectionsPerProcess}`);
        }
        total += processes * database.connectionsPerProcess;
      }
      total += database.reservedConnections;
      parts.push(`${database.reservedConnections} reserved`);
      return [verdict(total <= budget, serviceTarget(file, database.service, 'command/max_connections'), path, file.path,
        () => `'${database.service}' accepts ${budget} connections in ${file.path}, but its clients may open ${total} (${parts.join(' + ')})`)];
    });
  }),
};
