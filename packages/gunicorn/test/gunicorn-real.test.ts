import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { ServiceEndpoint } from '@keelson/core';
import { GunicornConfigProps } from '../src';
import {
  EXAMPLE_DIR, FIXTURES_DIR, GUNICORN, PYTHON, Started, freePort, get, pythonEnv, realTools, sleep, start, stopAll,
  synthConfig, waitForHttp, waitForOutput,
} from './support';

/**
 * The generated file through the program that reads it: Debian's gunicorn 20.1 with uvicorn 0.17.6 (which still
 * ships uvicorn.workers.UvicornWorker, hence the uvicorn-legacy class when serving), and a current gunicorn
 * where this machine has its wheels.
 */

const { describe: realDescribe } = realTools();
const NGINX = { upstreamIdleTimeoutSeconds: 60, upstreamReadTimeoutSeconds: 60 };

/** Every variant Keelson can emit, with the app gunicorn loads for it. */
const VARIANTS: Array<[string, GunicornConfigProps]> = [
  ['defaults (uvicorn-worker)', {}],
  ['uvicorn-legacy', { workerClass: 'uvicorn-legacy' }],
  ['uvicorn-legacy behind nginx, JSON access log', { workerClass: 'uvicorn-legacy', proxy: NGINX, accessLog: 'json' }],
  ['uvicorn-worker, fixed 2 workers, no access log, debug', { workers: 2, accessLog: 'off', logLevel: 'debug' }],
  ['uvicorn-worker, CIDR trusted network, port 9000', { forwardedAllowIps: ['10.0.0.0/8', '::1'], endpoint: new ServiceEndpoint({ port: 9000 }) }],
  ['sync', { workerClass: 'sync' }],
  ['sync behind nginx, JSON access log, maxRequests 0', { workerClass: 'sync', proxy: NGINX, accessLog: 'json', maxRequests: 0 }],
  ['gthread with 8 threads', { workerClass: 'gthread', threads: 8 }],
];

const appFor = (props: GunicornConfigProps) =>
  (props.workerClass === 'sync' || props.workerClass === 'gthread' ? { cwd: FIXTURES_DIR, app: 'wsgi_app:app' } : { cwd: EXAMPLE_DIR, app: 'app.main:app' });

function gunicorn(args: string[], options: { cwd: string; env?: Record<string, string>; binary?: string }) {
  const result = spawnSync(options.binary ?? GUNICORN, args, { cwd: options.cwd, env: pythonEnv(options.env), encoding: 'utf-8', timeout: 60_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** `gunicorn --print-config` as a map of setting to the value gunicorn read. */
function printConfig(path: string, env: Record<string, string> = {}, binary?: string): Record<string, string> {
  const { status, out } = gunicorn(['--print-config', '--config', path, 'app.main:app'], { cwd: EXAMPLE_DIR, env, binary });
  if (status !== 0) throw new Error(out);
  return Object.fromEntries(out.split('\n').map((l) => /^(\w+)\s+= (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
}

afterAll(stopAll);

realDescribe('gunicorn --check-config passes on every generated variant (Debian gunicorn 20.1)', () => {
  test.each(VARIANTS)('%s', (_name, props) => {
    const { path } = synthConfig(props);
    const { cwd, app } = appFor(props);
    const { status, out } = gunicorn(['--check-config', '--config', path, app], { cwd });
    expect(out).toBe('');
    expect(status).toBe(0);
  });
});

realDescribe('gunicorn reads the settings as written, and the environment overrides', () => {
  const { path } = synthConfig({ workerClass: 'uvicorn-legacy' });

  test('every setting gunicorn reports is the value Keelson meant', () => {
    const read = printConfig(path, { WEB_CONCURRENCY: '3' });
    expect(read).toMatchObject({
      bind: "['0.0.0.0:8000']",
      workers: '3',
      worker_class: 'uvicorn.workers.UvicornWorker',
      timeout: '30',
      graceful_timeout: '25',
      keepalive: '75',
      max_requests: '10000',
      max_requests_jitter: '1000',
      forwarded_allow_ips: "['127.0.0.1', '::1']",
      worker_tmp_dir: '/dev/shm',
      accesslog: '-',
      errorlog: '-',
      loglevel: 'info',
      pidfile: 'None',
      preload_app: 'False',
    });
    expect(read.on_starting).toMatch(/_on_starting/);
  });

  test('PORT, LOG_LEVEL, GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE and FORWARDED_ALLOW_IPS override', () => {
    expect(printConfig(path, {
      PORT: '9100', LOG_LEVEL: 'DEBUG', GUNICORN_TIMEOUT: '90', GUNICORN_GRACEFUL_TIMEOUT: '60', GUNICORN_KEEPALIVE: '120',
      FORWARDED_ALLOW_IPS: '10.1.2.3',
    })).toMatchObject({
      bind: "['0.0.0.0:9100']", loglevel: 'debug', timeout: '90', graceful_timeout: '60', keepalive: '120', forwarded_allow_ips: "['10.1.2.3']",
    });
  });

  test.each([
    ['PORT', '0', "gunicorn.conf.py: PORT='0' is not a whole number from 1 to 65535"],
    ['PORT', '70000', "gunicorn.conf.py: PORT='70000' is not a whole number from 1 to 65535"],
    ['GUNICORN_TIMEOUT', 'soon', "gunicorn.conf.py: GUNICORN_TIMEOUT='soon' is not a whole number of at least 1"],
    ['GUNICORN_KEEPALIVE', '0', "gunicorn.conf.py: GUNICORN_KEEPALIVE='0' is not a whole number of at least 1"],
    ['LOG_LEVEL', 'verbose', "gunicorn.conf.py: LOG_LEVEL='verbose' is not one of debug, info, warning, error, critical"],
    ['WEB_CONCURRENCY', '0', "gunicorn.conf.py: WEB_CONCURRENCY='0' is not a whole number of at least 1"],
  ])('a bad %s=%s stops gunicorn before it starts, with the reason', (name, value, message) => {
    const { status, out } = gunicorn(['--check-config', '--config', path, 'app.main:app'], { cwd: EXAMPLE_DIR, env: { [name]: value } });
    expect(status).toBe(1);
    expect(out.trim()).toBe(message);
  });

  test('gunicorn 20.1 ignores control_socket_disable, a name it does not know, and every private helper', () => {
    const read = printConfig(path);
    expect(read.control_socket_disable).toBeUndefined();
    expect(Object.keys(read).filter((name) => name.startsWith('_'))).toEqual([]);
    expect(gunicorn(['--check-config', '--config', path, 'app.main:app'], { cwd: EXAMPLE_DIR }).status).toBe(0);
  });

  test('a worker tmp dir that is not writable falls back to the default temp dir', () => {
    const { path: elsewhere } = synthConfig({ workerClass: 'uvicorn-legacy', workerTmpDir: '/nonexistent/shm' });
    expect(printConfig(elsewhere).worker_tmp_dir).toBe('None');
  });
});

interface ServeOptions {
  cwd: string;
  app: string;
  env?: Record<string, string>;
  health?: string;
  /** More command-line options, after the config file's. */
  args?: string[];
}

/** Starts Debian's gunicorn with a generated config (props, or a file) on a free loopback port; waits until `health` answers. */
async function serve(config: GunicornConfigProps | string, options: ServeOptions) {
  const path = typeof config === 'string' ? config : synthConfig(config).path;
  const port = await freePort();
  const args = ['--config', path, '--bind', `127.0.0.1:${port}`, ...(options.args ?? []), options.app];
  const server = start(GUNICORN, args, { cwd: options.cwd, env: pythonEnv(options.env) });
  await waitForHttp(port, options.health ?? '/health', server);
  return { server, port };
}

/**
 * The example service's gunicorn.conf.py: the committed one once the example declares GunicornConfig (served
 * with Debian's uvicorn.workers.UvicornWorker when uvicorn-worker is not installed here, the one command-line
 * change), else synthesized as the example declares its endpoint.
 */
function exampleConfig(): { path: string; args: string[]; origin: string } {
  const committed = join(EXAMPLE_DIR, 'gunicorn.conf.py');
  if (existsSync(committed)) {
    const wantsPackage = /^worker_class = "uvicorn_worker\.UvicornWorker"$/m.test(readFileSync(committed, 'utf-8'));
    const hasPackage = spawnSync(PYTHON, ['-c', 'import uvicorn_worker']).status === 0;
    return { path: committed, args: wantsPackage && !hasPackage ? ['--worker-class', 'uvicorn.workers.UvicornWorker'] : [], origin: 'committed' };
  }
  const { path } = synthConfig({ endpoint: new ServiceEndpoint({ port: 8000, healthPath: '/health' }), workerClass: 'uvicorn-legacy' });
  return { path, args: [], origin: 'synthesized as the example declares its endpoint' };
}

realDescribe('the example service served through its generated config', () => {
  let server: Started;
  let port: number;
  const example = exampleConfig();

  beforeAll(async () => {
    // eslint-disable-next-line no-console
    console.info(`Serving examples/fastapi-service with its gunicorn.conf.py (${example.origin}) ${example.args.join(' ')}`);
    ({ server, port } = await serve(example.path, { cwd: EXAMPLE_DIR, app: 'app.main:app', env: { WEB_CONCURRENCY: '2' }, args: example.args }));
  }, 60_000);
  afterAll(stopAll);

  test('/health answers 200 on loopback', async () => {
    const answer = await get(port, '/health');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
  });

  test('the master logged the worker count and why, once, and started that many workers', async () => {
    await waitForOutput(server, (out) => (out.match(/Booting worker/g) ?? []).length >= 2);
    expect(server.output().match(/Keelson: /g)).toHaveLength(1);
    expect(server.output()).toContain('Keelson: 2 workers: WEB_CONCURRENCY=2 overrides the computed count');
    expect(server.output()).not.toMatch(/Traceback|\[ERROR\]/);
  });

  test('the access log is on stdout', async () => {
    await get(port, '/health?from=access-log-test');
    await waitForOutput(server, (out) => out.includes('"GET /health?from=access-log-test HTTP/1.1" 200'));
  });

  test('X-Forwarded-For is trusted from loopback, the default forwarded_allow_ips', async () => {
    const answer = await get(port, '/whoami', 10_000, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' });
    expect(JSON.parse(answer.body)).toMatchObject({ client: '203.0.113.7', scheme: 'https' });
  });
});

realDescribe('trusted proxies and the JSON access log', () => {
  afterAll(stopAll);

  test('with FORWARDED_ALLOW_IPS naming another proxy, a loopback client cannot spoof its address', async () => {
    const { port } = await serve({ workerClass: 'uvicorn-legacy' }, {
      cwd: EXAMPLE_DIR, app: 'app.main:app', env: { WEB_CONCURRENCY: '1', FORWARDED_ALLOW_IPS: '10.9.9.9' },
    });
    const answer = await get(port, '/whoami', 10_000, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' });
    expect(JSON.parse(answer.body)).toMatchObject({ client: '127.0.0.1', scheme: 'http' });
  }, 60_000);

  test('the JSON access log writes one JSON object per request on stdout', async () => {
    const { server, port } = await serve({ workerClass: 'uvicorn-legacy', accessLog: 'json' }, {
      cwd: EXAMPLE_DIR, app: 'app.main:app', env: { WEB_CONCURRENCY: '1' },
    });
    await get(port, '/health?json=1');
    await waitForOutput(server, (out) => out.includes('"path": "/health?json=1"'));
    const line = server.output().split('\n').find((l) => l.includes('"path": "/health?json=1"'))!;
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', path: '/health?json=1', protocol: 'HTTP/1.1', status: 200, remote_addr: expect.stringMatching(/^127\.0\.0\.1/) });
    expect(JSON.parse(line).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }, 60_000);

  test('the JSON access log of gunicorn\'s own workers carries status, bytes and duration', async () => {
    const { server, port } = await serve({ workerClass: 'gthread', accessLog: 'json' }, {
      cwd: FIXTURES_DIR, app: 'wsgi_app:app', env: { WEB_CONCURRENCY: '1' }, health: '/ready',
    });
    await get(port, '/json?q=1', 10_000, { 'User-Agent': 'say "hi"' });
    await waitForOutput(server, (out) => out.includes('"path": "/json"'));
    const line = server.output().split('\n').find((l) => l.includes('"path": "/json"'))!;
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', path: '/json', query: 'q=1', status: 200, bytes: 3, user_agent: 'say "hi"', referer: null, remote_addr: '127.0.0.1' });
    expect(typeof JSON.parse(line).duration_ms).toBe('number');
  }, 60_000);
});

realDescribe('keep-alive and graceful shutdown with the uvicorn worker', () => {
  let server: Started;
  let port: number;

  beforeAll(async () => {
    ({ server, port } = await serve({ workerClass: 'uvicorn-legacy' }, {
      cwd: FIXTURES_DIR, app: 'slow_asgi:app', env: { WEB_CONCURRENCY: '2', GUNICORN_KEEPALIVE: '2' },
    }));
  }, 60_000);
  afterAll(stopAll);

  test('an idle connection stays open for keepalive seconds, then the server closes it', async () => {
    const socket = new Socket();
    const closedAfterMs = await new Promise<number>((done, fail) => {
      let answered = 0;
      socket.setTimeout(10_000, () => fail(new Error('the server did not close the idle connection within 10 s')));
      socket.on('data', (chunk) => { if (chunk.toString().startsWith('HTTP/1.1 200')) answered = Date.now(); });
      socket.on('close', () => done(Date.now() - answered));
      socket.on('error', fail);
      socket.connect(port, '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n'));
    });
    expect(closedAfterMs).toBeGreaterThan(1500);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  test('requests in flight when SIGTERM arrives complete; none is lost; then the master exits', async () => {
    const inFlight = [get(port, '/slow'), get(port, '/slow'), get(port, '/slow')];
    await waitForOutput(server, (out) => (out.match(/slow request started/g) ?? []).length >= 3);
    const termAt = Date.now();
    process.kill(server.child.pid!, 'SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, 'done after 2 s'], [200, 'done after 2 s'], [200, 'done after 2 s'],
    ]);
    const code = await server.exited;
    expect(code).toBe(0);
    const exitedAfterMs = Date.now() - termAt;
    expect(exitedAfterMs).toBeGreaterThan(1000); // it waited for the requests,
    expect(exitedAfterMs).toBeLessThan(25_000); // within graceful_timeout
    await expect(get(port, '/health', 2000)).rejects.toThrow(/ECONNREFUSED/);
    expect(server.output()).not.toMatch(/Traceback|WORKER TIMEOUT|\[ERROR\]/);
  });
});

/**
 * A current gunicorn (25.1+, with its control socket), where this machine has the wheels in its local package
 * mirror: the same file loads, serves as a non-root user without a writable home, and opens no control socket.
 */
const WHEELS = '/opt/pypi/files';
const currentWheel = existsSync(WHEELS)
  ? readdirSync(WHEELS).filter((f) => /^gunicorn-(\d+)\.[\d.]+-py3-none-any\.whl$/.test(f) && Number(/^gunicorn-(\d+)/.exec(f)![1]) >= 25).sort().pop()
  : undefined;
const currentDescribe = currentWheel && realTools().missing.length === 0 ? describe : describe.skip;
if (!currentWheel) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the current-gunicorn tests: no gunicorn 25+ wheel in ${WHEELS}`);
}

currentDescribe(`a current gunicorn (${currentWheel ?? 'none'})`, () => {
  // What the example app imports besides gunicorn (its database module imports SQLAlchemy); part of the venv's name, so
  // a venv made for another list is not reused.
  const packages = ['uvicorn', 'fastapi', 'sqlalchemy'];
  const venv = join(tmpdir(), `keelson-${(currentWheel ?? '').replace(/-py3.*$/, '')}-${packages.join('-')}-venv`);
  const binary = join(venv, 'bin', 'gunicorn');
  const asRoot = process.getuid?.() === 0;

  beforeAll(() => {
    if (existsSync(binary)) return;
    const steps = [
      [PYTHON, ['-m', 'venv', venv]],
      [join(venv, 'bin', 'pip'), ['install', '--quiet', '--no-index', '--find-links', WHEELS, join(WHEELS, currentWheel!), ...packages]],
    ] as const;
    for (const [command, args] of steps) {
      const result = spawnSync(command, [...args], { encoding: 'utf-8', timeout: 120_000 });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    }
  }, 150_000);
  afterAll(stopAll);

  test.each(VARIANTS)('--check-config passes: %s', (_name, props) => {
    const { path } = synthConfig(props);
    const { cwd, app } = appFor(props);
    const { status, out } = gunicorn(['--check-config', '--config', path, app], { cwd, binary });
    expect(out).toBe('');
    expect(status).toBe(0);
  });

  test('it reads control_socket_disable', () => {
    const { path } = synthConfig({ workerClass: 'uvicorn-legacy' });
    expect(printConfig(path, {}, binary)).toMatchObject({ control_socket_disable: 'True', workers: expect.stringMatching(/^\d+$/) });
  });

  /** Serves the example as uid 65532 (when root) with a home that cannot be written, as in a hardened container. */
  async function serveHardened(configPath: string) {
    const port = await freePort();
    const args = ['--config', configPath, '--bind', `127.0.0.1:${port}`, 'app.main:app'];
    const env = pythonEnv({ HOME: '/nonexistent', XDG_RUNTIME_DIR: '', WEB_CONCURRENCY: '1' });
    const server = asRoot
      ? start('setpriv', ['--reuid=65532', '--regid=65532', '--clear-groups', binary, ...args], { cwd: EXAMPLE_DIR, env })
      : start(binary, args, { cwd: EXAMPLE_DIR, env });
    await waitForHttp(port, '/health', server);
    await sleep(500);
    return server;
  }

  test('serves the example as a user without a writable home, and opens no control socket', async () => {
    const { path } = synthConfig({ workerClass: 'uvicorn-legacy' });
    const server = await serveHardened(path);
    expect(server.output()).toMatch(/Keelson: 1 worker: WEB_CONCURRENCY=1/);
    expect(server.output()).not.toMatch(/[Cc]ontrol (server|socket)|Traceback|\[ERROR\]/);
  }, 60_000);

  test('without control_socket_disable, the same server fails to open its control socket (the setting is not dead)', async () => {
    const { path, text } = synthConfig({ workerClass: 'uvicorn-legacy' });
    writeFileSync(path, text.replace(/^control_socket_disable = True$/m, ''));
    const server = await serveHardened(path);
    await waitForOutput(server, (out) => /Control server error/.test(out), 5000);
  }, 60_000);
});
