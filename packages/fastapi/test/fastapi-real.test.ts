/**
 * Each stack of the matrix through the programs that read its files, as the components' own tests do: the compose
 * files against the Compose Specification schema (ajv) and through Debian's docker-compose 1.29 `config`, nginx.conf
 * through `nginx -t`, gunicorn.conf.py through `gunicorn --check-config`, the Dockerfile through dockerfile-utils.
 */
import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { tmpdir } from 'os';
import { join } from 'path';
import { Compose } from '@keelson/compose';
import { parse } from 'yaml';
import { MATRIX, isCI, runToFile, synthToDisk } from './support';

// The validators are the sibling packages' dev dependencies (see the report: add them to this package's devDeps).
const fromDockerfile = createRequire(join(__dirname, '..', '..', 'dockerfile', 'package.json'));
const fromCompose = createRequire(join(__dirname, '..', '..', 'compose', 'package.json'));
const { validate: lintDockerfile } = fromDockerfile('dockerfile-utils') as { validate: (text: string) => unknown[] };
const Ajv = fromCompose('ajv').default;
const addFormats = fromCompose('ajv-formats').default;

const SCHEMA_PATH = join(__dirname, '..', '..', '..', '..', 'shared', 'schemas', 'compose-spec.json');
const DOCKER_COMPOSE = '/usr/bin/docker-compose';
const NGINX = '/usr/sbin/nginx';
const OPENSSL = '/usr/bin/openssl';
const GUNICORN = '/usr/bin/gunicorn';
const PASSWORDS = { POSTGRES_PASSWORD: 'a-real-password', REDIS_PASSWORD: 'another-real-one' };

/** `describe` when the programs are there; skipped on a developer machine without them, failing under CI. */
function describeWith(programs: string[]): jest.Describe {
  const missing = programs.filter((p) => !existsSync(p));
  if (missing.length === 0 || isCI) return describe;
  console.warn(`skipped: missing ${missing.join(', ')} (scripts/setup.sh installs them)`);
  return describe.skip;
}

function schemaValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf-8'));
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  return ajv.compile(schema);
}

const STACKS = MATRIX.map(([name, props]) => [name, synthToDisk(props)] as const);
const CASES = STACKS.map(([name, stack]) => [name, stack] as [string, ReturnType<typeof synthToDisk>]);

describe('the compose files of every stack', () => {
  const validate = schemaValidator();
  test.each(CASES)('%s: both files validate against the Compose Specification schema', (_name, { files }) => {
    for (const file of [Compose.DEVELOPMENT_FILE, Compose.PRODUCTION_FILE]) {
      const valid = validate(parse(files[file]));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  describeWith([DOCKER_COMPOSE])('read by docker-compose 1.29', () => {
    test.each(CASES)('%s: `docker-compose config` accepts both files and warns about nothing', (_name, { outdir }) => {
      for (const file of [Compose.DEVELOPMENT_FILE, Compose.PRODUCTION_FILE]) {
        const run = spawnSync(DOCKER_COMPOSE, ['-f', file, 'config'], {
          cwd: outdir, encoding: 'utf-8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: outdir, ...PASSWORDS },
        });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
      }
    });
  });
});

describeWith([NGINX, OPENSSL])('nginx.conf of every stack through `nginx -t`', () => {
  // Outside a container: the secrets become a self-signed pair, the upstream host loopback, /tmp a private dir.
  const prefix = mkdtempSync(join(tmpdir(), 'keelson-fastapi-nginx-'));
  chmodSync(prefix, 0o755);
  const tmp = join(prefix, 'tmp');
  mkdirSync(tmp, { mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(tmp, 65534, 65534);
  const certificate = join(prefix, 'fullchain.pem');
  const key = join(prefix, 'privkey.pem');
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', key, '-out', certificate], { stdio: 'pipe' });
  chmodSync(key, 0o644);

  // The stack's nginx.conf written for the installed nginx (Debian's 1.22 lacks `http2 on`, 1.25.1+), as nginx's own tests do.
  const out = spawnSync(NGINX, ['-v'], { encoding: 'utf-8' });
  const installed = /nginx\/(\d+\.\d+\.\d+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? '1.22.1';
  const NGINX_CASES = MATRIX.map(([name, props]) => [name, synthToDisk({ ...props, nginxOverrides: { nginxVersion: installed } })] as [string, ReturnType<typeof synthToDisk>]);

  test.each(NGINX_CASES)('%s: syntax ok, test successful, no warning, as an unprivileged user', (name, { files }) => {
    const text = files['nginx/nginx.conf']
      .replace(/ \/tmp\//g, ` ${tmp}/`)
      .replace(/\/run\/secrets\/tls_certificate/g, certificate)
      .replace(/\/run\/secrets\/tls_private_key/g, key)
      .replace(/server app:/g, 'server 127.0.0.1:');
    const conf = join(prefix, `${name.replace(/\W+/g, '-')}.conf`);
    writeFileSync(conf, text, { mode: 0o644 });
    const result = runToFile(NGINX, ['-t', '-p', `${prefix}/`, '-c', conf, '-e', 'stderr'], asRoot ? { uid: 65534, gid: 65534 } : {});
    expect(result.output.split('\n').filter((l) => /\[(warn|emerg|alert|crit|error)\]/.test(l))).toEqual([]);
    expect(result.output).toMatch(/test is successful/);
    expect(result.status).toBe(0);
  });
});

describeWith([GUNICORN])('gunicorn.conf.py of every stack through `gunicorn --check-config` (Debian gunicorn 20.1)', () => {
  test.each(CASES)('%s: the config and the app load', (_name, { outdir, service }) => {
    const run = spawnSync(GUNICORN, ['--check-config', '--config', 'gunicorn.conf.py', service.appModule], {
      cwd: outdir, encoding: 'utf-8', timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/Error|Traceback/);
    expect(run.status).toBe(0);
  });
});

describe('the Dockerfile of every stack through dockerfile-utils', () => {
  test.each(CASES)('%s: no diagnostic', (_name, { files }) => {
    expect(lintDockerfile(files.Dockerfile)).toEqual([]);
  });
});
