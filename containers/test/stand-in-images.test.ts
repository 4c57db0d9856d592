import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DockerClient } from '../src/docker-client';
import { NGINX_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE, ensureDerivedImage } from '../src/derived-images';
import { freeLoopbackPort, getLoopback, procStatus } from '../src/service';
import { describeWithEngine } from './engine-support';

/** The hardening the generated compose file gives every service, for a container running as `user`. */
const hardened = (user: string, cpus: number, memoryMiB: number, tmpfs: string[]) => [
  '--read-only', ...tmpfs.flatMap((path) => ['--tmpfs', path]), '--cap-drop=ALL', '--security-opt=no-new-privileges',
  '--user', user, '--cpus', String(cpus), '--memory', `${memoryMiB}m`, '--pids-limit', '256',
];

/** Polls `docker exec ARGS` until it exits 0 (and its output matches), for at most `timeoutMs`. */
async function waitForExec(docker: DockerClient, args: string[], expect: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const result = await docker.run(['exec', ...args], { allowFailure: true, timeoutMs: 15_000 });
    last = `${result.stdout}${result.stderr}`.trim();
    if (result.code === 0 && expect.test(result.stdout)) return result.stdout.trim();
    await new Promise((r) => setTimeout(r, 500));
  }
  const name = args.find((a) => !a.startsWith('-'))!;
  const logs = await docker.run(['logs', '--tail', '40', name], { allowFailure: true });
  throw new Error(`docker exec ${args.join(' ')} never matched ${expect} (last: ${last})\n${logs.stdout}${logs.stderr}`);
}

/** The uid and gid of the container's first process, read on the host. */
async function firstProcessIds(docker: DockerClient, name: string): Promise<{ uid: string; gid: string; noNewPrivs: string; capEff: string }> {
  const status = procStatus((await docker.inspect(name, 'container')).State.Pid);
  return { uid: status.Uid.split('\t')[0], gid: status.Gid.split('\t')[0], noNewPrivs: status.NoNewPrivs, capEff: status.CapEff };
}

const UNPRIVILEGED = (id: number) => ({ uid: String(id), gid: String(id), noNewPrivs: '1', capEff: '0000000000000000' });

describeWithEngine('stand-ins for the official data-service and proxy images, run hardened', (engine) => {
  const containers: string[] = [];
  const volumes: string[] = [];
  const workdir = mkdtempSync(join(tmpdir(), 'keelson-stand-ins-'));

  afterAll(async () => {
    const { docker } = engine();
    if (containers.length > 0) await docker.run(['rm', '-f', '-v', ...containers], { allowFailure: true });
    if (volumes.length > 0) await docker.run(['volume', 'rm', '-f', ...volumes], { allowFailure: true });
    rmSync(workdir, { recursive: true, force: true });
  });

  test(`${REDIS_IMAGE.reference}: as uid 999, with a password, append-only data on a volume and maxmemory`, async () => {
    const { docker } = engine();
    await ensureDerivedImage(docker, REDIS_IMAGE);
    const name = 'keelson-test-redis';
    containers.push(name);
    volumes.push('keelson-test-redisdata');
    await docker.run(['rm', '-f', name], { allowFailure: true });
    await docker.run(['run', '-d', '--pull=never', '--name', name, ...hardened('999:999', 0.5, 256, ['/tmp']),
      '-v', 'keelson-test-redisdata:/data', REDIS_IMAGE.reference,
      'redis-server', '--maxmemory', '192mb', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--requirepass', 'test-only-password']);
    await waitForExec(docker, ['-e', 'REDISCLI_AUTH=test-only-password', name, 'redis-cli', 'ping'], /^PONG$/m, 30_000);
    const maxmemory = await docker.out(['exec', '-e', 'REDISCLI_AUTH=test-only-password', name, 'redis-cli', 'config', 'get', 'maxmemory']);
    expect(maxmemory.split('\n')).toEqual(['maxmemory', String(192 * 2 ** 20)]);
    const noAuth = await docker.out(['exec', name, 'redis-cli', 'ping']);
    expect(noAuth).toMatch(/NOAUTH/);
    expect(await docker.out(['exec', name, 'sh', '-c', 'ls /data'])).toMatch(/appendonly/);
    expect(await firstProcessIds(docker, name)).toEqual(UNPRIVILEGED(999));
  }, 900_000);

  test(`${POSTGRES_IMAGE.reference}: as uid 999, initializes its volume from POSTGRES_*, then serves TCP with the password`, async () => {
    const { docker } = engine();
    await ensureDerivedImage(docker, POSTGRES_IMAGE);
    const name = 'keelson-test-postgres';
    containers.push(name);
    volumes.push('keelson-test-pgdata');
    await docker.run(['rm', '-f', name], { allowFailure: true });
    const secrets = join(workdir, 'postgres-password');
    writeFileSync(secrets, 'test-only-password\n', { mode: 0o644 });
    await docker.run(['run', '-d', '--pull=never', '--name', name,
      ...hardened('999:999', 1, 1024, ['/var/run/postgresql', '/tmp']),
      '-v', 'keelson-test-pgdata:/var/lib/postgresql', '-v', `${secrets}:/run/secrets/postgres-password:ro`,
      '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_DB=app', '-e', 'POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password',
      POSTGRES_IMAGE.reference, 'postgres', '-c', 'max_connections=50', '-c', 'shared_buffers=128MB']);
    // Ready only once the final server accepts TCP (the init's temporary server listens on the socket only).
    await waitForExec(docker, [name, 'pg_isready', '--host=127.0.0.1', '--port=5432', '--username=app', '--dbname=app'],
      /accepting connections/, 120_000);
    const row = await docker.out(['exec', '-e', 'PGPASSWORD=test-only-password', name, 'psql', '--host=127.0.0.1', '--username=app',
      '--dbname=app', '-tAc', "select current_user, current_database(), current_setting('max_connections'), current_setting('shared_buffers')"]);
    expect(row).toBe('app|app|50|128MB');
    // As the official image: the cluster listens on every address, so other containers reach it (Debian's default is
    // localhost only, which passes a `pg_isready --host=127.0.0.1` health check but refuses every other container).
    expect(await docker.out(['exec', name, 'psql', '--username=app', '--dbname=app', '-tAc', 'show listen_addresses'])).toBe('*');
    const wrong = await docker.run(['exec', '-e', 'PGPASSWORD=wrong', name, 'psql', '--host=127.0.0.1', '--username=app', '--dbname=app', '-c', 'select 1'],
      { allowFailure: true });
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(await firstProcessIds(docker, name)).toEqual(UNPRIVILEGED(999));
  }, 900_000);

  test(`${NGINX_IMAGE.reference}: as uid 101 on a read-only root, with a config that keeps its pid and temp files in /tmp`, async () => {
    const { docker } = engine();
    await ensureDerivedImage(docker, NGINX_IMAGE);
    const name = 'keelson-test-nginx';
    containers.push(name);
    await docker.run(['rm', '-f', name], { allowFailure: true });
    const config = join(workdir, 'nginx.conf');
    writeFileSync(config, [
      'worker_processes 1;', 'error_log stderr warn;', 'pid /tmp/nginx.pid;',
      'events { worker_connections 64; }',
      'http {',
      '  client_body_temp_path /tmp/client-body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;',
      '  uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi; access_log /dev/stdout;',
      '  server { listen 8080; location / { return 200 "stand-in ok\\n"; } }',
      '}', ''].join('\n'));
    const port = await freeLoopbackPort();
    await docker.run(['run', '-d', '--pull=never', '--name', name, ...hardened('101:101', 0.5, 128, ['/tmp']),
      '-v', `${config}:/etc/nginx/nginx.conf:ro`, '-p', `127.0.0.1:${port}:8080`, NGINX_IMAGE.reference]);
    let response = { status: 0, body: '' };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      response = await getLoopback(port, '/').catch(() => response);
      if (response.status === 200) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(response).toEqual({ status: 200, body: 'stand-in ok\n' });
    expect(await firstProcessIds(docker, name)).toEqual(UNPRIVILEGED(101));
    // The version the product writes its default file for (`resolve` in an upstream needs 1.27.3 or later).
    const version = await docker.run(['exec', name, 'nginx', '-v']);
    expect(version.stderr).toMatch(/^nginx version: nginx\/1\.30\.\d+/);
  }, 900_000);
});
