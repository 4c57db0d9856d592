/**
 * The generated files through the programs that read them:
 *
 * - the Compose Specification's JSON schema (ajv), the shape every Compose implementation accepts;
 * - Debian's docker-compose 1.29 (`docker-compose config`, no engine needed): the implementation the container
 *   end-to-end tests bring the stack up with, against dockerd 20.10. It must accept every file without a warning;
 * - docker-compose's own loader, for what a container receives after interpolation (`$$` escapes).
 *
 * Then semantic assertions over the files as docker-compose resolved them.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { Compose, ComposeProps, ComposeService, ComposeValue } from '../src';
import { FULL_STACK, FULL_STACK_FILES, appServer, synthCompose } from './support';

const SCHEMA_PATH = join(__dirname, '..', '..', '..', '..', 'shared', 'schemas', 'compose-spec.json');
const DOCKER_COMPOSE = '/usr/bin/docker-compose';
const PRODUCTION_PASSWORDS = { POSTGRES_PASSWORD: 'a-real-password', REDIS_PASSWORD: 'another-real-one' };

const isCI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
const hasDockerCompose = existsSync(DOCKER_COMPOSE);
if (!hasDockerCompose && !isCI) console.warn(`compose tests with docker-compose skipped: ${DOCKER_COMPOSE} is missing (scripts/setup.sh installs it)`);
const withDockerCompose = hasDockerCompose || isCI ? describe : describe.skip;

/** The schema validator, as schemas/README.md says: strict off, no $schema, compose durations as a format. */
function schemaValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf-8'));
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  return ajv.compile(schema);
}

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** Runs docker-compose in `cwd` with only the environment given (plus PATH), so the caller's shell cannot leak in. */
function dockerCompose(cwd: string, args: string[], environment: Record<string, string> = {}): Run {
  const result = spawnSync(DOCKER_COMPOSE, args, {
    cwd, encoding: 'utf-8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...environment },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What docker-compose hands to the engine for each service: interpolation done, `$$` unescaped. */
function loadedServices(cwd: string, file: string, environment: Record<string, string>): Record<string, { command?: string[]; healthcheck?: { test?: string[] } }> {
  const script = [
    'import json, sys',
    'from compose.config import config',
    'from compose.config.environment import Environment',
    'env = Environment.from_env_file(".")',
    'cfg = config.load(config.find(".", [sys.argv[1]], env))',
    'print(json.dumps({s["name"]: s for s in cfg.services}, default=str))',
  ].join('\n');
  // The interpreter docker-compose itself runs on (its shebang), where its `compose` package lives.
  const python = readFileSync(DOCKER_COMPOSE, 'utf-8').split('\n')[0].replace(/^#!\s*/, '').trim();
  const result = spawnSync(python, ['-c', script, file], {
    cwd, encoding: 'utf-8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
  });
  if (result.status !== 0) throw new Error(`docker-compose's loader failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

type Variant = [string, Partial<ComposeProps>, Record<string, string>, ((compose: Compose) => void)?];

/** Every shape of file Keelson emits that the programs should read. */
const VARIANTS: Variant[] = [
  ['the app alone', {}, {}],
  ['the full stack with an app server', { ...FULL_STACK, appServer: appServer() }, FULL_STACK_FILES],
  ['the full stack with passwords from compose secrets', { ...FULL_STACK, passwords: 'files' },
    { ...FULL_STACK_FILES, 'secrets/postgres_password': 'a-real-password\n', 'secrets/redis_password': 'another-real-one\n' }],
  ['data services unpublished in development', { postgres: { developmentPort: false }, redis: { developmentPort: false }, worker: {} }, {}],
  ['three app replicas, gunicorn reloading in development, and a service of the user\'s', {
    ...FULL_STACK, appServer: appServer(), app: { replicas: 3, developmentServer: 'app-server' }, postgres: { maxConnections: 200 },
    environment: { SECRET_KEY: { development: 'dev-only-$ecret', production: ComposeValue.required('SECRET_KEY', 'set SECRET_KEY') } },
  }, FULL_STACK_FILES, (compose) => {
    new ComposeService(compose, 'flower', {
      image: ComposeValue.withDefault('FLOWER_IMAGE', 'mher/flower:2.0.1'),
      command: ['celery', 'flower'],
      networks: ['data'],
      ports: [{ target: 5555, published: 5555 }],
      dependsOn: { redis: 'healthy' },
      production: false,
    });
  }],
];

const validate = schemaValidator();

describe.each(VARIANTS)('%s', (_name, props, files, extend) => {
  const synthesized = synthCompose(props, files, extend);
  const outdir = synthesized.project.outdir;
  const needsVariables = synthesized.prod.includes(':?');
  const resolvedCache = new Map<string, any>();
  const resolved = (file: string, environment: Record<string, string>) => {
    if (!resolvedCache.has(file)) resolvedCache.set(file, parse(dockerCompose(outdir, ['-f', file, 'config'], environment).stdout));
    return resolvedCache.get(file);
  };
  const FILES: Array<[string, string, Record<string, string>]> = [
    ['compose.yaml', synthesized.dev, {}],
    ['compose.prod.yaml', synthesized.prod, needsVariables ? { ...PRODUCTION_PASSWORDS, SECRET_KEY: 'k' } : {}],
  ];

  test.each(FILES)('%s validates against the Compose Specification schema', (_file, text) => {
    const valid = validate(parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  withDockerCompose('read by docker-compose 1.29', () => {
    test.each(FILES)('%s: `docker-compose config` accepts it and warns about nothing', (file, _text, environment) => {
      const run = dockerCompose(outdir, ['-f', file, 'config'], environment);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });

    test.each(FILES)('%s as docker-compose resolves it: health-gated dependencies have health checks, limits and hardening everywhere',
      (file, _text, environment) => {
        const services = resolved(file, environment).services as Record<string, any>;
        for (const [name, service] of Object.entries(services)) {
          for (const [target, dependency] of Object.entries((service.depends_on ?? {}) as Record<string, { condition: string }>)) {
            if (dependency.condition === 'service_healthy') expect([name, target, services[target].healthcheck?.test?.[0]]).toEqual([name, target, 'CMD']);
            if (dependency.condition === 'service_completed_successfully') expect([target, services[target].restart]).toEqual([target, 'no']);
          }
          expect([name, service.user]).toEqual([name, expect.stringMatching(/^[1-9]\d*:[1-9]\d*$/)]);
          expect([name, service.read_only, service.cap_drop, service.security_opt, service.init])
            .toEqual([name, true, ['ALL'], ['no-new-privileges:true'], true]);
          expect([name, service.container_name]).toEqual([name, undefined]);
          if (file === 'compose.prod.yaml') {
            expect([name, typeof service.deploy?.resources?.limits?.cpus, typeof service.deploy?.resources?.limits?.memory, typeof service.pids_limit])
              .toEqual([name, 'number', 'string', 'number']);
          }
        }
      });

    test.each(FILES)('%s as docker-compose resolves it: data services unpublished, or on loopback in development', (file, _text, environment) => {
      const document = resolved(file, environment);
      for (const [name, service] of Object.entries(document.services as Record<string, any>)) {
        const ports: string[] = service.ports ?? [];
        if (file === 'compose.prod.yaml') expect([name, ports.length > 0]).toEqual([name, name === 'nginx']);
        else for (const port of ports) expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
      }
      if (document.networks?.data && file === 'compose.prod.yaml') expect(document.networks.data.internal).toBe(true);
    });
  });
});

withDockerCompose('secrets are never blank', () => {
  const { project, prod } = synthCompose({ ...FULL_STACK }, FULL_STACK_FILES);

  test.each([
    ['unset', {}],
    ['empty', { POSTGRES_PASSWORD: '', REDIS_PASSWORD: 'x' }],
  ])('compose.prod.yaml with POSTGRES_PASSWORD %s stops with the message saying what to set', (_how, environment) => {
    const run = dockerCompose(project.outdir, ['-f', 'compose.prod.yaml', 'config'], environment as Record<string, string>);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/set POSTGRES_PASSWORD \(the PostgreSQL password\) in the environment or in \.env/);
    expect(prod).toMatch(/POSTGRES_PASSWORD:\?/);
  });

  test('compose.yaml starts without any variable, on development-only defaults', () => {
    const run = dockerCompose(project.outdir, ['-f', 'compose.yaml', 'config']);
    expect(run.status).toBe(0);
    expect(parse(run.stdout).services.postgres.environment.POSTGRES_PASSWORD).toBe('development-only');
  });

  test('a password read from a file reaches the container\'s shell as $(cat ...), not interpolated by compose', () => {
    const files = synthCompose({ ...FULL_STACK, passwords: 'files' }, FULL_STACK_FILES);
    mkdirSync(join(files.project.outdir, 'secrets'), { recursive: true });
    writeFileSync(join(files.project.outdir, 'secrets', 'redis_password'), 'x\n');
    const services = loadedServices(files.project.outdir, 'compose.prod.yaml', {});
    expect(services.redis.command).toEqual(['sh', '-c', 'exec redis-server "$@" --requirepass "$(cat /run/secrets/redis_password)"',
      'redis-server', '--maxmemory', '192mb', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes']);
    expect(services.redis.healthcheck?.test).toEqual(['CMD', 'sh', '-c', 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli ping | grep -q PONG']);
  });
});
