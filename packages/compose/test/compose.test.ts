import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { ResourceLimits, SecurityProfile, ServiceEndpoint, findModels } from '@keelson/core';
import { Compose, ComposeProps, ComposeValue, Service } from '../src';
import { FULL_STACK, FULL_STACK_FILES, appServer, containerImage, serviceProject, synthCompose } from './support';

type Doc = ReturnType<typeof synthCompose>['devDoc'];

const full = (props: Partial<ComposeProps> = {}) => synthCompose({ ...FULL_STACK, ...props }, FULL_STACK_FILES);
const composeOf = (props: Partial<ComposeProps>, files: Record<string, string> = FULL_STACK_FILES) =>
  new Compose(serviceProject('svc', files), { image: containerImage(), ...props });
const env = (service: Service): Record<string, string> => service.environment as Record<string, string>;
const networksOf = (service: Service): string[] => (Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {}));

describe('Compose defaults', () => {
  const { compose, devDoc, prodDoc, dev, prod } = synthCompose();

  test('writes compose.yaml for development and compose.prod.yaml for production, with no version key', () => {
    expect(Compose.DEVELOPMENT_FILE).toBe('compose.yaml');
    expect(Compose.PRODUCTION_FILE).toBe('compose.prod.yaml');
    expect(devDoc).not.toHaveProperty('version');
    expect(prodDoc).not.toHaveProperty('version');
    expect(dev).toMatch(/^# Development: docker compose up/m);
    expect(prod).toMatch(/^# Production: docker compose -f compose\.prod\.yaml up -d; scale the app with --scale app=N\.$/m);
  });

  test('has only the app when no other service is given', () => {
    expect(Object.keys(devDoc.services)).toEqual(['app']);
    expect(Object.keys(prodDoc.services)).toEqual(['app']);
    expect(compose.postgres ?? compose.redis ?? compose.mailpit ?? compose.worker ?? compose.beat ?? compose.migrations ?? compose.nginx).toBeUndefined();
  });

  test('serves app.main:app, with the Celery app app.tasks and passwords from variables', () => {
    expect(compose.appModule).toBe('app.main:app');
    expect(compose.celeryApp).toBe('app.tasks');
    expect(compose.passwords).toBe('variables');
  });

  test('names the built image after the project, overridable with APP_IMAGE, and makes the build args overridable', () => {
    expect(compose.imageName).toBe('svc');
    expect(prodDoc.services.app.image).toBe('${APP_IMAGE:-svc:local}');
    expect(prodDoc.services.app.build).toEqual({
      context: '.', dockerfile: 'Dockerfile', target: 'runtime',
      args: { BUILDER_IMAGE: '${BUILDER_IMAGE:-python:3.12.12-slim-bookworm}', RUNTIME_IMAGE: '${RUNTIME_IMAGE:-python:3.12.12-slim-bookworm}' },
    });
    expect(prod).toMatch(/^#\s+APP_IMAGE=svc:local$/m);
  });

  test('runs one app replica with 1 CPU, 512 MiB and 256 processes', () => {
    expect(compose.app.replicas).toBe(1);
    expect(prodDoc.services.app.deploy).toEqual({ resources: { limits: { cpus: 1, memory: '512M' } } });
    expect(prodDoc.services.app.pids_limit).toBe(256);
  });

  test('counts 1 worker per app container without an app server (gunicorn\'s default) and passes no WEB_CONCURRENCY', () => {
    expect(compose.app.workers).toBe(1);
    expect(prodDoc.services.app.environment).toBeUndefined();
  });

  test('in development, runs uvicorn reloading on change with ./app mounted read-only and the port on loopback only', () => {
    const app = devDoc.services.app;
    expect(app.entrypoint).toEqual(['/opt/venv/bin/python', '-m', 'uvicorn']);
    expect(app.command).toEqual(['app.main:app', '--host', '0.0.0.0', '--port', '8000', '--reload', '--reload-dir', '/app/app']);
    expect(app.volumes).toEqual(['./app:/app/app:ro']);
    expect(app.ports).toEqual(['127.0.0.1:8000:8000']);
  });

  test('in production, keeps the image\'s command, publishes nothing and mounts no code', () => {
    const app = prodDoc.services.app;
    expect(app.entrypoint).toBeUndefined();
    expect(app.command).toBeUndefined();
    expect(app.ports).toBeUndefined();
    expect(app.volumes).toBeUndefined();
    expect(prod).toMatch(/^# No service is published \(there is no nginx\)\.$/m);
  });

  test('health-checks the app with the image\'s own probe and gives it gunicorn\'s graceful timeout plus 5 s to stop', () => {
    expect(prodDoc.services.app.healthcheck).toEqual({
      test: ['CMD', ...containerImage().healthCheck.command],
      interval: '30s', timeout: '5s', start_period: '30s', retries: 3,
    });
    expect(prodDoc.services.app.stop_grace_period).toBe('35s');
  });

  test('restarts long-running services in production only, and rotates their logs', () => {
    expect(prodDoc.services.app.restart).toBe('unless-stopped');
    expect(devDoc.services.app.restart).toBeUndefined();
    expect(prodDoc.services.app.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
    expect(devDoc.services.app.logging).toBeUndefined();
  });

  test('puts the app on the egress network only when there is no data service', () => {
    expect(Object.keys(prodDoc.networks as object)).toEqual(['egress']);
    expect(prodDoc.services.app.networks).toEqual(['egress']);
  });
});

describe('development defaults never leak into production', () => {
  const { prod, prodDoc } = full();

  test('no development password, reload, code mount, loopback port or mail catcher in compose.prod.yaml', () => {
    for (const development of ['development-only', '--reload', './app:', 'mailpit', 'SMTP_HOST']) {
      expect([development, prod.includes(development)]).toEqual([development, false]);
    }
    expect(prod).not.toMatch(/"127\.0\.0\.1:\d+:\d+"/);
    expect(Object.keys(prodDoc.services)).toEqual(['postgres', 'redis', 'migrate', 'app', 'worker', 'beat', 'nginx']);
  });
});

describe('PostgreSQL', () => {
  const { compose, devDoc, prodDoc, prod } = synthCompose({ postgres: {} });
  const pg = prodDoc.services.postgres;

  test('runs postgres:18.6-bookworm, overridable with POSTGRES_IMAGE, as user app with database app', () => {
    expect(pg.image).toBe('${POSTGRES_IMAGE:-postgres:18.6-bookworm}');
    expect(env(pg)).toMatchObject({ POSTGRES_USER: 'app', POSTGRES_DB: 'app' });
    expect(compose.postgres!.user).toBe('app');
    expect(compose.postgres!.database).toBe('app');
  });

  test('has 1 CPU and 1024 MiB, and a process limit that grows with the connection budget', () => {
    expect(pg.deploy?.resources?.limits).toEqual({ cpus: 1, memory: '1024M' });
    expect(pg.pids_limit).toBe(256);
    const big = composeOf({ postgres: { maxConnections: 300 } });
    expect(big.postgres!.limits.pids).toBe(364);
  });

  test('derives its settings from the memory limit and a budget of 100 connections, with the arithmetic beside them', () => {
    expect(pg.command).toEqual(['postgres', '-c', 'max_connections=100', '-c', 'shared_buffers=256MB', '-c', 'effective_cache_size=768MB',
      '-c', 'maintenance_work_mem=64MB', '-c', 'work_mem=2621kB']);
    expect(prod).toContain('#   work_mem             = (1024 MiB - 256 MiB) / (3 * 100 connections) = 2621kB');
    // Comments are wrapped to the file's width: read them as one line.
    expect(prod.replace(/\n\s*#\s*/g, ' ')).toMatch(/Connection budget 100 >= what the clients may open: app 1 replica x 1 worker x 15 = 15 \+ 3 reserved for superusers = 18\./);
  });

  test('is healthy only when the final server accepts TCP connections', () => {
    expect(pg.healthcheck).toEqual({
      test: ['CMD', 'pg_isready', '--host=127.0.0.1', '--port=5432', '--username=app', '--dbname=app', '--quiet'],
      interval: '5s', timeout: '3s', start_period: '60s', retries: 5,
    });
  });

  test('runs as uid 999 on a read-only root, with the socket directory and /tmp on tmpfs and the cluster on a volume', () => {
    expect(pg.user).toBe('999:999');
    expect(pg.read_only).toBe(true);
    expect(pg.tmpfs).toEqual(['/var/run/postgresql', '/tmp']);
    expect(pg.volumes).toEqual(['pgdata:/var/lib/postgresql']);
    expect(prodDoc.volumes).toEqual({ pgdata: {}, });
    expect(pg.stop_grace_period).toBe('60s');
  });

  test('mounts the volume where the image keeps PGDATA: /var/lib/postgresql/data before PostgreSQL 18', () => {
    const old = composeOf({ postgres: { image: 'postgres:17.11-bookworm' } });
    expect(old.postgres!.spec('production').volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
  });

  test('is published on 127.0.0.1:5432 in development and nowhere in production', () => {
    expect(devDoc.services.postgres.ports).toEqual(['127.0.0.1:5432:5432']);
    expect(pg.ports).toBeUndefined();
    const unpublished = composeOf({ postgres: { developmentPort: false } });
    expect(unpublished.postgres!.spec('development').ports).toBeUndefined();
  });

  test('requires POSTGRES_PASSWORD in production and defaults it to a development-only value in development', () => {
    const required = '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (the PostgreSQL password) in the environment or in .env}';
    expect(env(pg).POSTGRES_PASSWORD).toBe(required);
    expect(env(prodDoc.services.app).DATABASE_URL).toBe(`postgresql://app:${required}@postgres:5432/app`);
    expect(env(devDoc.services.postgres).POSTGRES_PASSWORD).toBe('${POSTGRES_PASSWORD:-development-only}');
    expect(prod).not.toContain('development-only');
    expect(prod).toMatch(/^# Required variables \(up stops while one is unset or empty\): POSTGRES_PASSWORD\.$/m);
  });

  test('makes the app wait until it is healthy', () => {
    expect(prodDoc.services.app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  test('uses the database client options in DATABASE_URL', () => {
    const custom = composeOf({ postgres: { user: 'svc', database: 'notes' }, database: { urlScheme: 'postgresql+psycopg' } });
    expect((custom.app.spec('production').environment as Record<string, string>).DATABASE_URL)
      .toMatch(/^postgresql\+psycopg:\/\/svc:\$\{POSTGRES_PASSWORD:\?.*\}@postgres:5432\/notes$/);
  });

  test.each<[string, Partial<ComposeProps>, RegExp]>([
    ['a memory limit below its minimum', { postgres: { limits: new ResourceLimits({ memoryMiB: 64 }) } },
      /svc\/Compose\/postgres: option 'limits\.memoryMiB' is 64 MiB, below the 128 MiB PostgreSQL needs at least\. Fix: give postgres 128 MiB or more/],
    ['a process limit below the connections', { postgres: { maxConnections: 200, limits: new ResourceLimits({ memoryMiB: 1024, pids: 128 }) } },
      /svc\/Compose\/postgres: option 'limits\.pids' is 128, below the 232 processes PostgreSQL may run \(200 connections, one process each, \+ 32 background processes\)/],
    ['a connection budget that is not a whole number', { postgres: { maxConnections: 0 } }, /option 'maxConnections' must be a whole number from 1, got 0/],
    ['an image without a tag', { postgres: { image: 'postgres' } }, /svc\/Compose: option 'postgres\.image' has no tag in 'postgres'/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => composeOf(props)).toThrow(message);
  });

  test('refuses a connection budget below what the app, the worker and the migrations may open, naming both ends', () => {
    expect(() => composeOf({
      ...FULL_STACK, postgres: { maxConnections: 40 }, app: { replicas: 2, workers: 2 },
    })).toThrow(/svc\/Compose: option 'postgres\.maxConnections' is 40, below the 79 connections the services may open \(app 2 replicas x 2 workers x 15 = 60 \+ worker 1 process x 15 = 15 \+ migrate 1 process x 1 = 1 \+ 3 reserved for superusers = 79\)\. Fix: raise postgres\.maxConnections to 79 or more/);
  });
});

describe('app replicas and --scale', () => {
  test('the header states the largest --scale the PostgreSQL budget counts: replicas unless maxReplicas says more', () => {
    expect(full().prod).toMatch(/^# Production: docker compose -f compose\.prod\.yaml up -d; scale the app with --scale app=N, N up to 1:\n# PostgreSQL's connection budget counts 1 app container \(app\.maxReplicas\)\.$/m);
    const { prod, compose } = full({ app: { maxReplicas: 3 } });
    expect(compose.app.replicas).toBe(1);
    expect(compose.app.maxReplicas).toBe(3);
    expect(prod).toMatch(/--scale app=N, N up to 3:\n# PostgreSQL's connection budget counts 3 app containers/);
    expect(prod.replace(/\n\s*# /g, ' ')).toContain('Connection budget 100 >= what the clients may open: app 3 replicas (maxReplicas) x 1 worker x 15 = 45');
  });

  test('the budget counts maxReplicas, not the replicas up starts: a budget that holds 1 but not 3 stops the synth', () => {
    expect(() => composeOf({ ...FULL_STACK, app: { maxReplicas: 3 }, postgres: { maxConnections: 60 } }))
      .toThrow(/option 'postgres\.maxConnections' is 60, below the 64 connections the services may open \(app 3 replicas \(maxReplicas\) x 1 worker x 15 = 45 .*Fix: raise postgres\.maxConnections to 64 or more .*or lower app\.maxReplicas/);
  });

  test('refuses maxReplicas below replicas', () => {
    expect(() => composeOf({ ...FULL_STACK, app: { replicas: 2, maxReplicas: 1 } }))
      .toThrow(/svc\/Compose: option 'app\.maxReplicas' is 1, not a whole number from replicas \(2\)\. Fix: give the largest N you will run with --scale app=N, 2 or more/);
  });

  test('the resolved view tells the policy how many app containers to count', () => {
    const { compose } = full({ app: { maxReplicas: 4 } });
    const [model] = findModels(compose, 'compose');
    expect(model.resolve().database?.clients[0]).toEqual({ service: 'app', counting: 'app-server', maxReplicas: 4 });
  });
});

describe('Redis', () => {
  const broker = full();
  const cache = synthCompose({ redis: {} });

  test('runs redis:8.2.9-bookworm, overridable with REDIS_IMAGE, with 0.5 CPU, 256 MiB and 64 processes', () => {
    const redis = cache.prodDoc.services.redis;
    expect(redis.image).toBe('${REDIS_IMAGE:-redis:8.2.9-bookworm}');
    expect(redis.deploy?.resources?.limits).toEqual({ cpus: 0.5, memory: '256M' });
    expect(redis.pids_limit).toBe(64);
  });

  test('fills 75% of its memory limit with data, persists to an append-only file and requires its password', () => {
    expect(cache.compose.redis!.maxMemoryMiB).toBe(192);
    expect(cache.prodDoc.services.redis.command).toEqual(['redis-server', '--maxmemory', '192mb', '--maxmemory-policy', 'allkeys-lru',
      '--appendonly', 'yes', '--requirepass', '${REDIS_PASSWORD:?set REDIS_PASSWORD (the Redis password) in the environment or in .env}']);
    expect(cache.prod).toContain('# maxmemory = 256 MiB limit x 75% = 192mb; the rest is headroom for fragmentation');
  });

  test('never evicts when it is a Celery broker, and evicts the least recently used keys when it is a cache', () => {
    expect(broker.compose.redis!.maxMemoryPolicy).toBe('noeviction');
    expect(cache.compose.redis!.maxMemoryPolicy).toBe('allkeys-lru');
    expect(broker.prod).toMatch(/# maxmemory-policy noeviction: Redis is a Celery broker, and an evicted key would be a lost task/);
  });

  test('derives maxmemory from the limit and the share given', () => {
    const redis = composeOf({ redis: { limits: new ResourceLimits({ cpus: 1, memoryMiB: 1000, pids: 64 }), maxMemoryPercent: 80 } }).redis!;
    expect(redis.maxMemoryMiB).toBe(800);
  });

  test('is healthy when PING answers PONG with the password, on uid 999 with /data on a volume', () => {
    const redis = cache.prodDoc.services.redis;
    expect(redis.healthcheck?.test).toEqual(['CMD', 'sh', '-c', 'redis-cli ping | grep -q PONG']);
    expect(env(redis).REDISCLI_AUTH).toBe('${REDIS_PASSWORD:?set REDIS_PASSWORD (the Redis password) in the environment or in .env}');
    expect(redis.user).toBe('999:999');
    expect(redis.volumes).toEqual(['redisdata:/data']);
    expect(redis.tmpfs).toEqual(['/tmp']);
  });

  test('is published on 127.0.0.1:6379 in development and nowhere in production', () => {
    expect(cache.devDoc.services.redis.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(cache.prodDoc.services.redis.ports).toBeUndefined();
  });

  test('gives the app REDIS_URL, and the Celery broker and result backend when there is a worker', () => {
    expect(env(cache.prodDoc.services.app).REDIS_URL).toBe('redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD (the Redis password) in the environment or in .env}@redis:6379/0');
    expect(env(cache.prodDoc.services.app).CELERY_BROKER_URL).toBeUndefined();
    expect(env(broker.prodDoc.services.worker).CELERY_RESULT_BACKEND).toMatch(/@redis:6379\/1$/);
  });

  test.each<[string, Partial<ComposeProps>, RegExp]>([
    ['a memory limit below its minimum', { redis: { limits: new ResourceLimits({ memoryMiB: 16 }) } },
      /svc\/Compose\/redis: option 'limits\.memoryMiB' is 16 MiB, below the 32 MiB Redis needs at least/],
    ['a maxmemory share without headroom', { redis: { maxMemoryPercent: 100 } }, /option 'maxMemoryPercent' is 100, outside 10 to 90/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => composeOf(props)).toThrow(message);
  });
});

describe('Mailpit', () => {
  const { devDoc, prodDoc, compose } = full();

  test('runs axllent/mailpit:v1.30.5 in development only, with its own readyz health check', () => {
    expect(devDoc.services.mailpit.image).toBe('${MAILPIT_IMAGE:-axllent/mailpit:v1.30.5}');
    expect(prodDoc.services.mailpit).toBeUndefined();
    expect(devDoc.services.mailpit.healthcheck?.test).toEqual(['CMD', '/mailpit', 'readyz']);
  });

  test('publishes its UI on 127.0.0.1:8025 and takes mail from the app on mailpit:1025', () => {
    expect(devDoc.services.mailpit.ports).toEqual(['127.0.0.1:8025:8025']);
    expect(env(devDoc.services.app)).toMatchObject({ SMTP_HOST: 'mailpit', SMTP_PORT: '1025' });
    expect(env(prodDoc.services.app).SMTP_HOST).toBeUndefined();
    expect(networksOf(devDoc.services.mailpit)).toEqual(['egress']);
    expect(compose.mailpit!.limits.memoryMiB).toBe(128);
  });
});

describe('one image, several roles', () => {
  const { devDoc, prodDoc, compose, prod } = full();

  test('the worker, beat and the migrations are built from the app\'s image, like the app', () => {
    for (const role of ['worker', 'beat', 'migrate']) {
      expect(prodDoc.services[role].image).toBe(prodDoc.services.app.image);
      expect(prodDoc.services[role].build).toEqual(prodDoc.services.app.build);
    }
  });

  test('each role runs its own command through the image\'s python -m, whatever the image\'s entrypoint', () => {
    expect(prodDoc.services.worker.entrypoint).toEqual(['/opt/venv/bin/python', '-m']);
    expect(prodDoc.services.worker.command).toEqual(['celery', '-A', 'app.tasks', 'worker', '--loglevel=INFO', '--concurrency=1']);
    expect(prodDoc.services.beat.entrypoint).toEqual(['/opt/venv/bin/python', '-m']);
    expect(prodDoc.services.beat.command).toEqual(['celery', '-A', 'app.tasks', 'beat', '--loglevel=INFO',
      '--schedule=/var/lib/celery-beat/celerybeat-schedule']);
    expect(prodDoc.services.migrate.entrypoint).toEqual(['/opt/venv/bin/python', '-m']);
    expect(prodDoc.services.migrate.command).toEqual(['alembic', 'upgrade', 'head']);
  });

  test('beat writes its schedule on a tmpfs of its own', () => {
    expect(prodDoc.services.beat.tmpfs).toEqual(['/tmp', '/var/lib/celery-beat']);
  });

  test('the worker\'s health check pings this container\'s worker through the broker, in the image\'s Python, exec form', () => {
    for (const doc of [devDoc, prodDoc]) {
      const check = doc.services.worker.healthcheck!;
      expect(check).toEqual({ test: ['CMD', '/opt/venv/bin/python', '-c', expect.any(String)], interval: '30s', timeout: '20s', start_period: '30s', retries: 3 });
      const script = (check.test as string[])[3];
      // Addressed to one node, Celery's default name for this container's worker, with a wait shorter than the check's timeout.
      expect(script).toContain('find_app("app.tasks").control.ping(destination=["celery@" + socket.gethostname()], timeout=5)');
      expect(script).toMatch(/sys\.exit\(0 if .* else 1\)$/);
    }
    expect(prod).toContain("# Pings this container's worker (celery@<host name>) through the broker, in the image's Python (no shell).");
  });

  test('the worker\'s ping is valid Python that Celery answers in this form (the API of the Debian Celery the tests run)', () => {
    const script = (prodDoc.services.worker.healthcheck!.test as string[])[3];
    const result = spawnSync('/usr/bin/python3', ['-c', `import ast, inspect; ast.parse(${JSON.stringify(script)});
from celery.app.utils import find_app; from celery.app.control import Control
params = inspect.signature(Control.ping).parameters; assert 'destination' in params and 'timeout' in params, params`], { encoding: 'utf-8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('beat and the migration job turn off the image\'s HTTP health check, which they would fail (no server in them)', () => {
    for (const doc of [devDoc, prodDoc]) {
      expect(doc.services.beat.healthcheck).toEqual({ disable: true });
      expect(doc.services.migrate.healthcheck).toEqual({ disable: true });
    }
    expect(prod).toMatch(/# Off: the image's check probes the app's HTTP port, which beat does not serve/);
  });

  test('the worker\'s health check timing is configurable, or it can be turned off', () => {
    const timed = composeOf({ ...FULL_STACK, worker: { healthCheck: { intervalSeconds: 5, timeoutSeconds: 15 } } });
    expect(timed.worker!.healthCheck).toMatchObject({ intervalSeconds: 5, timeoutSeconds: 15, startPeriodSeconds: 30, retries: 3 });
    const off = composeOf({ ...FULL_STACK, worker: { healthCheck: false } });
    expect(off.worker!.healthCheck).toBeUndefined();
    expect(off.worker!.spec('production').healthcheck).toEqual({ disable: true });
  });

  test('a worker of an image without `<python> -m` needs a check of its own: the synth says how', () => {
    expect(() => composeOf({ ...FULL_STACK, image: containerImage({ pythonModuleEntrypoint: ['/entrypoint'] }) }))
      .toThrow(/svc\/Compose: option 'image\.pythonModuleEntrypoint' is \["\/entrypoint"\], not '<python> -m'\. Fix: set worker\.healthCheck: false/);
    expect(() => composeOf({ ...FULL_STACK, image: containerImage({ pythonModuleEntrypoint: ['/entrypoint'] }), worker: { healthCheck: false } })).not.toThrow();
  });

  test('a worker health check timeout no longer than the ping\'s own wait stops the synth, naming the option', () => {
    expect(() => composeOf({ ...FULL_STACK, worker: { healthCheck: { timeoutSeconds: 5 } } }))
      .toThrow(/svc\/Compose: option 'worker\.healthCheck\.timeoutSeconds' is 5 s, not longer than the ping's own 5 s wait for the reply\. Fix: give 15 s or more/);
  });

  test('the migrations run once: a one-shot job after PostgreSQL is healthy, which the app and the worker wait for', () => {
    expect(compose.migrations!.oneShot).toBe(true);
    expect(prodDoc.services.migrate.restart).toBe('no');
    expect(prodDoc.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const client of ['app', 'worker']) {
      expect(prodDoc.services[client].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    expect(prodDoc.services.beat.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  test('the worker\'s concurrency is one child per whole CPU, at most what memory holds beside the parent', () => {
    expect(compose.worker!.concurrency).toBe(1);
    expect(prod).toContain('# --concurrency=1 = min(one per whole CPU of 1 = 1, 512 MiB / 128 MiB per process - 1 for the parent = 3).');
    const four = composeOf({ ...FULL_STACK, worker: { limits: new ResourceLimits({ cpus: 4, memoryMiB: 512 }) } });
    expect(four.worker!.concurrency).toBe(3);
    const lean = composeOf({ ...FULL_STACK, worker: { limits: new ResourceLimits({ cpus: 4, memoryMiB: 2048 }), memoryPerProcessMiB: 256 } });
    expect(lean.worker!.concurrency).toBe(4);
  });

  test('the worker gets 60 s to finish its tasks on stop; the migrations get the app\'s limits', () => {
    expect(prodDoc.services.worker.stop_grace_period).toBe('60s');
    expect(prodDoc.services.migrate.deploy).toEqual(prodDoc.services.app.deploy);
    expect(prodDoc.services.beat.deploy?.resources?.limits).toEqual({ cpus: 0.25, memory: '256M' });
  });

  test('in development every role mounts the code, so they all run the same version of it', () => {
    for (const role of ['app', 'worker', 'beat', 'migrate']) expect(devDoc.services[role].volumes).toEqual(['./app:/app/app:ro']);
  });

  test('a migration job without PostgreSQL in the files reaches its database through the egress network', () => {
    const external = composeOf({ migrations: {} });
    expect(external.migrations!.spec('production').networks).toEqual(['egress']);
    expect(external.migrations!.spec('production').depends_on).toBeUndefined();
  });

  test.each<[string, Partial<ComposeProps>, RegExp]>([
    ['a worker without Redis', { worker: {} }, /svc\/Compose: option 'worker' is set without redis, its broker\. Fix: add redis: \{\}/],
    ['beat without Redis', { beat: {} }, /svc\/Compose: option 'beat' is set without redis/],
    ['a worker memory limit below its minimum', { redis: {}, worker: { limits: new ResourceLimits({ memoryMiB: 200 }) } },
      /svc\/Compose: option 'worker\.limits\.memoryMiB' is 200 MiB, below the worker's minimum of 256 MiB \(the parent and one child at memoryPerProcessMiB 128\)/],
    ['more children than memory holds', { redis: {}, worker: { concurrency: 8 } },
      /option 'worker\.concurrency' is 8, more children than the 512 MiB limit holds \(3 beside the parent at 128 MiB each\)\. Fix: raise worker\.limits\.memoryMiB to 1152/],
    ['a Celery app that is not a module', { redis: {}, worker: {}, celeryApp: 'app/tasks' }, /option 'celeryApp' is 'app\/tasks', not a Python module path/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => composeOf(props)).toThrow(message);
  });

  test('a migration job without alembic.ini stops the synth, saying what alembic reads', () => {
    const project = serviceProject('svc', { 'nginx/nginx.conf': '' });
    new Compose(project, { image: containerImage(), postgres: {}, migrations: {} });
    expect(() => project.synth()).toThrow(/the migration job runs 'alembic upgrade head', which reads alembic\.ini from \/app, but the project has no alembic\.ini/);
  });
});

describe('nginx', () => {
  const { devDoc, prodDoc, compose, prod } = full();
  const nginx = prodDoc.services.nginx;

  test('runs nginxinc/nginx-unprivileged:1.30.4 in production only, as uid 101, overridable with NGINX_IMAGE', () => {
    expect(nginx.image).toBe('${NGINX_IMAGE:-nginxinc/nginx-unprivileged:1.30.4}');
    expect(devDoc.services.nginx).toBeUndefined();
    expect(nginx.user).toBe('101:101');
  });

  test('mounts nginx/nginx.conf read-only and writes only to a /tmp tmpfs', () => {
    expect(compose.nginx!.configFile).toBe('nginx/nginx.conf');
    expect(nginx.volumes).toEqual(['./nginx/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(nginx.tmpfs).toEqual(['/tmp']);
  });

  test('is the only service published in production: 8080 on port 80 and 8443 on port 443 of every interface', () => {
    expect(nginx.ports).toEqual(['0.0.0.0:80:8080', '0.0.0.0:443:8443']);
    for (const [name, service] of Object.entries(prodDoc.services)) {
      if (name !== 'nginx') expect([name, service.ports]).toEqual([name, undefined]);
    }
    expect(prod).toMatch(/^# nginx is the only published service\.$/m);
  });

  test('starts once the app is healthy and shares the edge network with the app only', () => {
    expect(nginx.depends_on).toEqual({ app: { condition: 'service_healthy' } });
    const onEdge = Object.entries(prodDoc.services).filter(([, s]) => networksOf(s).includes('edge')).map(([n]) => n);
    expect(onEdge.sort()).toEqual(['app', 'nginx']);
  });

  test('takes its ports, config file and limits as plain options', () => {
    const custom = composeOf({ nginx: { configFile: 'deploy/nginx.conf', ports: [{ listen: 8080, publish: 8081, hostIp: '127.0.0.1' }] } },
      { 'deploy/nginx.conf': '' });
    expect(custom.nginx!.spec('production').ports).toEqual(['127.0.0.1:8081:8080']);
    expect(custom.nginx!.spec('production').volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro']);
  });

  test('a config file generated by a component of the project is accepted without existing on disk', () => {
    const project = serviceProject('svc');
    const { TextFile } = require('projen');
    new TextFile(project, 'nginx/nginx.conf', { lines: ['events {}', 'http {}'] });
    new Compose(project, { image: containerImage(), nginx: {} });
    expect(() => project.synth()).not.toThrow();
  });

  test('a config file that neither exists nor is generated stops the synth', () => {
    const project = serviceProject('svc');
    new Compose(project, { image: containerImage(), nginx: {} });
    expect(() => project.synth()).toThrow(/service 'nginx' mounts '\.\/nginx\/nginx\.conf', which neither exists in the project nor is generated by a component of it/);
  });

  test.each<[string, Partial<ComposeProps>, RegExp]>([
    ['a config file outside the project', { nginx: { configFile: '/etc/nginx.conf' } }, /svc\/Compose: option 'nginx\.configFile' is '\/etc\/nginx\.conf', not a path inside the project/],
    ['a privileged listen port', { nginx: { ports: [{ listen: 80, publish: 80 }] } }, /option 'nginx\.ports\.listen' is 80, a privileged port the non-root nginx cannot bind/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => composeOf(props)).toThrow(message);
  });
});

describe('data services stay private', () => {
  const { devDoc, prodDoc } = full();

  test('in production, PostgreSQL and Redis are only on the internal data network, unpublished', () => {
    expect((prodDoc.networks as Record<string, unknown>).data).toEqual({ internal: true });
    for (const name of ['postgres', 'redis']) {
      expect(networksOf(prodDoc.services[name])).toEqual(['data']);
      expect(prodDoc.services[name].ports).toBeUndefined();
    }
  });

  test('only the services that use them join the data network', () => {
    const onData = (doc: Doc) => Object.entries(doc.services).filter(([, s]) => networksOf(s).includes('data')).map(([n]) => n).sort();
    expect(onData(prodDoc)).toEqual(['app', 'beat', 'migrate', 'postgres', 'redis', 'worker']);
    expect(onData(devDoc)).not.toContain('mailpit');
  });

  test('the app and the worker reach the outside world through the egress network, created on it first', () => {
    expect(prodDoc.services.worker.networks).toEqual({ egress: { priority: 10 }, data: {} });
    expect(prodDoc.services.app.networks).toEqual({ edge: { priority: 10 }, egress: { priority: 10 }, data: {} });
    expect((prodDoc.networks as Record<string, unknown>).egress).toEqual({});
  });

  test('in development, they are published on loopback only, from a data network that is not internal (docker cannot publish from one)', () => {
    for (const [name, service] of Object.entries(devDoc.services)) {
      for (const port of (service.ports ?? []) as string[]) expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
    }
    expect((devDoc.networks as Record<string, unknown>).data).toEqual({});
  });

  test('in development, the data network stays internal when neither is published', () => {
    const { devDoc: quiet } = synthCompose({ postgres: { developmentPort: false }, redis: { developmentPort: false } });
    expect((quiet.networks as Record<string, unknown>).data).toEqual({ internal: true });
    expect(quiet.services.app.networks).toEqual({ egress: { priority: 10 }, data: {} });
  });
});

describe('scaling behind nginx', () => {
  test('no service has a fixed container name, and the scaled app publishes no host port', () => {
    const { prodDoc } = full({ app: { replicas: 3 } });
    for (const service of Object.values(prodDoc.services)) expect(service.container_name).toBeUndefined();
    expect(prodDoc.services.app.deploy?.replicas).toBe(3);
    expect(prodDoc.services.app.ports).toBeUndefined();
  });

  test('the connection budget counts every replica', () => {
    const { compose } = full({ app: { replicas: 3 } });
    expect(compose.connectionDemand!.total).toBe(3 * 15 + 15 + 1 + 3);
  });
});

describe('hardening on every service', () => {
  const { devDoc, prodDoc } = full();

  test.each(['development', 'production'])('in %s: non-root, read-only root, every capability dropped, no-new-privileges, init', (which) => {
    const doc = which === 'development' ? devDoc : prodDoc;
    for (const [name, service] of Object.entries(doc.services)) {
      expect([name, service.user]).toEqual([name, expect.stringMatching(/^[1-9]\d*:[1-9]\d*$/)]);
      expect([name, service.read_only, service.cap_drop, service.security_opt, service.init])
        .toEqual([name, true, ['ALL'], ['no-new-privileges:true'], true]);
      expect([name, service.cap_add]).toEqual([name, undefined]);
      expect([name, service.privileged]).toEqual([name, undefined]);
    }
  });

  test('every writable path of the security profile becomes a tmpfs', () => {
    const image = containerImage({ security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }) });
    const compose = new Compose(serviceProject(), { image });
    expect(compose.app.spec('production').tmpfs).toEqual(['/tmp', '/app/uploads']);
  });

  test('a capability the profile adds back is written with its reason', () => {
    const image = containerImage({ security: new SecurityProfile({ addCapabilities: ['NET_BIND_SERVICE'] }) });
    const project = serviceProject();
    const compose = new Compose(project, { image, capabilityReasons: { NET_BIND_SERVICE: 'binds port 80 itself' } });
    expect(compose.app.spec('production').cap_add).toEqual(['NET_BIND_SERVICE']);
    project.synth();
    expect(readFileSync(join(project.outdir, 'compose.prod.yaml'), 'utf-8')).toMatch(/# NET_BIND_SERVICE: binds port 80 itself\n\s+cap_add: \["NET_BIND_SERVICE"\]/);
  });

  test('a capability added back without a reason is refused', () => {
    const image = containerImage({ security: new SecurityProfile({ addCapabilities: ['NET_ADMIN'] }) });
    expect(() => new Compose(serviceProject(), { image }))
      .toThrow(/svc\/Compose\/app: option 'capabilityReasons' gives no reason for adding back NET_ADMIN\. Fix: say why the image cannot run without it/);
  });

  test('every service has CPU, memory and process limits in production', () => {
    for (const [name, service] of Object.entries(prodDoc.services)) {
      const limits = service.deploy?.resources?.limits;
      expect([name, typeof limits?.cpus, typeof limits?.memory, typeof service.pids_limit]).toEqual([name, 'number', 'string', 'number']);
    }
  });
});

describe('with an app server', () => {
  const server = appServer();

  test('production runs the app server\'s command through the image\'s python -m, whatever the image\'s entrypoint', () => {
    const compose = composeOf({ appServer: server });
    expect(compose.app.spec('production').entrypoint).toEqual(['/opt/venv/bin/python', '-m', 'gunicorn']);
    expect(compose.app.spec('production').command).toEqual(['--config', 'gunicorn.conf.py', 'app.main:app']);
  });

  test('its worker count for the app\'s limits sizes the connection budget', () => {
    const compose = composeOf({ appServer: server, postgres: {}, app: { limits: new ResourceLimits({ cpus: 2 }) } });
    expect(compose.app.workers).toBe(5);
    expect(compose.connectionDemand!.total).toBe(5 * 15 + 3);
  });

  test('its graceful timeout plus 5 s is the app\'s stop grace period', () => {
    expect(composeOf({ appServer: server }).app.spec('production').stop_grace_period).toBe('30s');
  });

  test('development can run the app server itself with --reload instead of uvicorn', () => {
    const compose = composeOf({ appServer: server, app: { developmentServer: 'app-server' } });
    expect(compose.app.spec('development').entrypoint).toEqual(['/opt/venv/bin/python', '-m', 'gunicorn']);
    expect(compose.app.spec('development').command).toEqual(['--config', 'gunicorn.conf.py', 'app.main:app', '--reload']);
  });

  test.each<[string, Partial<ComposeProps>, RegExp]>([
    ['a port other than the image\'s', { appServer: appServer({ endpoint: new ServiceEndpoint({ port: 9000 }) }) },
      /svc\/Compose: option 'appServer' binds port 9000, but the image serves and probes 8000/],
    ['the app-server development server without an app server', { app: { developmentServer: 'app-server' } },
      /option 'app\.developmentServer' is 'app-server', but no app server was given/],
    ['an app module without an attribute', { appModule: 'app.main' }, /option 'appModule' is 'app\.main', not 'module:attribute'/],
    ['zero workers', { app: { workers: 0 } }, /option 'app\.workers' must be a whole number from 1, got 0/],
    ['a code path outside the project', { app: { codePaths: ['../src'] } }, /option 'app\.codePaths' contains '\.\.\/src'/],
    ['an image name with capitals', { imageName: 'My_Service' }, /option 'imageName' is 'My_Service', not an image repository name/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => composeOf(props)).toThrow(message);
  });

  test('a worker count given is pinned with WEB_CONCURRENCY, with or without an app server', () => {
    for (const props of [{ app: { workers: 3 } }, { app: { workers: 3 }, appServer: server }]) {
      expect((composeOf(props).app.spec('production').environment as Record<string, string>).WEB_CONCURRENCY).toBe('3');
    }
  });

  test('an app server\'s own count for the limits is not pinned: it sizes itself the same way', () => {
    expect(composeOf({ appServer: server }).app.spec('production').environment).toBeUndefined();
  });

  test('an app server that does not say its count runs one worker per whole CPU, at least 2, pinned', () => {
    const { workersFor: _ignored, ...silent } = appServer();
    const compose = composeOf({ appServer: silent, app: { limits: new ResourceLimits({ cpus: 3, memoryMiB: 1024 }) } });
    expect(compose.app.workers).toBe(3);
    expect((compose.app.spec('production').environment as Record<string, string>).WEB_CONCURRENCY).toBe('3');
    expect(composeOf({ appServer: silent }).app.workers).toBe(2);
  });
});

describe('passwords from compose secrets', () => {
  const { devDoc, prodDoc, project, prod } = full({ passwords: 'files' });

  test('production reads them from files under secrets/, through the images\' *_FILE variables', () => {
    expect(prodDoc.secrets).toEqual({
      postgres_password: { file: './secrets/postgres_password' },
      redis_password: { file: './secrets/redis_password' },
    });
    expect(env(prodDoc.services.postgres)).toMatchObject({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(env(prodDoc.services.postgres).POSTGRES_PASSWORD).toBeUndefined();
    expect(prodDoc.services.postgres.secrets).toEqual(['postgres_password']);
    expect(env(prodDoc.services.app)).toMatchObject({
      DATABASE_URL: 'postgresql://app@postgres:5432/app',
      DATABASE_PASSWORD_FILE: '/run/secrets/postgres_password',
      REDIS_URL: 'redis://redis:6379/0',
      REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
    });
    expect(prodDoc.services.app.secrets).toEqual(['postgres_password', 'redis_password']);
    expect(prod).not.toMatch(/Required variables/);
  });

  test('Redis reads its password file in the container\'s shell, escaped so that compose leaves $ alone', () => {
    expect(prodDoc.services.redis.command).toEqual(['sh', '-c', 'exec redis-server "$$@" --requirepass "$$(cat /run/secrets/redis_password)"',
      'redis-server', '--maxmemory', '192mb', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes']);
    expect(prodDoc.services.redis.healthcheck?.test).toEqual(['CMD', 'sh', '-c',
      'REDISCLI_AUTH="$$(cat /run/secrets/redis_password)" redis-cli ping | grep -q PONG']);
  });

  test('development keeps its development-only variables', () => {
    expect(devDoc.secrets).toBeUndefined();
    expect(env(devDoc.services.postgres).POSTGRES_PASSWORD).toBe('${POSTGRES_PASSWORD:-development-only}');
  });

  test('the secrets directory is ignored by git', () => {
    expect(readFileSync(join(project.outdir, '.gitignore'), 'utf-8')).toMatch(/^\/secrets\/$/m);
  });

  test('refuses a secrets directory outside the project', () => {
    expect(() => composeOf({ postgres: {}, passwords: 'files', secretsDirectory: '../keys' }))
      .toThrow(/option 'secretsDirectory' is '\.\.\/keys', not a directory inside the project/);
  });
});

describe('environment variables of the app image', () => {
  test('a value can differ between the files, be left out of one, or be required', () => {
    const compose = composeOf({
      environment: {
        LOG_LEVEL: { development: 'debug', production: 'info' },
        DEBUG_TOOLBAR: { development: '1', production: undefined },
        SECRET_KEY: { development: 'dev-only', production: ComposeValue.required('SECRET_KEY', 'set SECRET_KEY') },
        GREETING: 'costs $5',
      },
    });
    expect(compose.app.spec('development').environment).toEqual({ LOG_LEVEL: 'debug', DEBUG_TOOLBAR: '1', SECRET_KEY: 'dev-only', GREETING: 'costs $$5' });
    expect(compose.app.spec('production').environment).toEqual({ LOG_LEVEL: 'info', SECRET_KEY: '${SECRET_KEY:?set SECRET_KEY}', GREETING: 'costs $$5' });
  });
});

describe('database client defaults', () => {
  test('count a pool of 5 plus an overflow of 10 per process, with the postgresql scheme', () => {
    const compose = composeOf({ postgres: {} });
    expect(compose.connectionDemand!.uses[0].perProcess).toBe(15);
    expect((compose.app.spec('production').environment as Record<string, string>).DATABASE_URL).toMatch(/^postgresql:\/\//);
  });

  test('refuse a negative pool', () => {
    expect(() => composeOf({ postgres: {}, database: { poolSize: -1 } })).toThrow(/option 'database\.poolSize' must be a whole number from 0, got -1/);
  });
});
