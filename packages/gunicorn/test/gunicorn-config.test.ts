import { IAppServer, IReverseProxy, KeelsonSynthError, ResourceLimits, ServiceEndpoint } from '@keelson/core';
import { Testing } from 'projen';
import {
  GUNICORN_SETTINGS, GunicornConfig, GunicornConfigProps, WORKER_CLASS_NAMES, compareVersions, pythonLiteral, workerClass,
} from '../src';
import { serviceProject, synthConfig } from './support';

const NGINX: IReverseProxy = { upstreamIdleTimeoutSeconds: 60, upstreamReadTimeoutSeconds: 60 };

function configOf(props: GunicornConfigProps = {}) {
  return new GunicornConfig(serviceProject(), props);
}

const valueOf = (config: GunicornConfig, name: string) => config.model.get(name)?.value;
const namesOf = (config: GunicornConfig) => config.model.settings.map((s) => s.name);

describe('GunicornConfig defaults', () => {
  const { config, text } = synthConfig();

  test('the worker class is the maintained uvicorn worker from uvicorn-worker 0.4.0 with gunicorn 27.0.1', () => {
    expect(config.workerClass.name).toBe('uvicorn-worker');
    expect(valueOf(config, 'worker_class')).toBe('uvicorn_worker.UvicornWorker');
    expect(config.versions).toEqual({ gunicorn: '27.0.1', uvicornWorker: '0.4.0', uvicorn: undefined });
    expect(config.requirements).toEqual([
      { name: 'gunicorn', version: '27.0.1' },
      { name: 'uvicorn-worker', version: '0.4.0' },
    ]);
  });

  test('it binds 0.0.0.0 on the endpoint\'s port 8000, overridable with PORT', () => {
    expect(config.endpoint.port).toBe(8000);
    expect(config.endpoint.healthPath).toBe('/health');
    expect(valueOf(config, 'bind')).toEqual(['0.0.0.0:8000']);
    expect(text).toContain('bind = ["0.0.0.0:%d" % _env_whole("PORT", 8000, 1, 65535)]');
  });

  test('the worker count is computed at start, one per CPU, capped by 128 MiB per worker of the declared 512 MiB after a 64 MiB reserve', () => {
    expect(valueOf(config, 'workers')).toBeNull();
    expect(config.model.sizing).toEqual({
      formula: 'per-cpu',
      fixedWorkers: null,
      memoryPerWorkerMiB: 128,
      reserveMiB: 64,
      declaredMemoryMiB: 512,
      proxyIdleTimeoutSeconds: null,
    });
    expect(GunicornConfig.RESERVE_MIB).toBe(64);
    expect(config.limits.memoryMiB).toBe(512);
    expect(text).toContain('workers = _SIZING["workers"]');
    expect(text).toMatch(/^_FORMULA = "per-cpu"$/m);
    expect(text).toMatch(/^_FIXED_WORKERS = None$/m);
    expect(text).toMatch(/^_MEMORY_PER_WORKER_MIB = 128$/m);
    expect(text).toMatch(/^_RESERVE_MIB = 64$/m);
    expect(text).toMatch(/^_DECLARED_MEMORY_MIB = 512$/m);
    expect(text).toMatch(/^_PROXY_IDLE_TIMEOUT = None$/m);
  });

  test('timeout is 30 s, graceful timeout 25 s, keep-alive 75 s, each overridable from the environment', () => {
    expect([config.timeoutSeconds, config.gracefulTimeoutSeconds, config.keepAliveSeconds]).toEqual([30, 25, 75]);
    expect(text).toContain('timeout = _env_whole("GUNICORN_TIMEOUT", 30)');
    expect(text).toContain('graceful_timeout = _env_whole("GUNICORN_GRACEFUL_TIMEOUT", 25)');
    expect(text).toContain('keepalive = _env_whole("GUNICORN_KEEPALIVE", 75)');
  });

  test('workers are replaced after 10000 requests plus up to 1000 of jitter', () => {
    expect(valueOf(config, 'max_requests')).toBe(10000);
    expect(valueOf(config, 'max_requests_jitter')).toBe(1000);
  });

  test('only loopback may set X-Forwarded-* headers, overridable with FORWARDED_ALLOW_IPS, never "*"', () => {
    expect(valueOf(config, 'forwarded_allow_ips')).toBe('127.0.0.1,::1');
    expect(text).toContain('forwarded_allow_ips = _os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")');
    expect(text).not.toMatch(/forwarded_allow_ips = .*"\*"/);
  });

  test('worker heartbeat files go to /dev/shm when it is writable', () => {
    expect(valueOf(config, 'worker_tmp_dir')).toBe('/dev/shm');
    expect(text).toContain('worker_tmp_dir = _writable_dir("/dev/shm")');
  });

  test('the access log is text on stdout, the error log on stderr at level info, overridable with LOG_LEVEL', () => {
    expect(valueOf(config, 'accesslog')).toBe('-');
    expect(valueOf(config, 'errorlog')).toBe('-');
    expect(valueOf(config, 'loglevel')).toBe('info');
    expect(config.model.get('logconfig_dict')).toBeUndefined();
    expect(text).toContain('loglevel = _env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical"))');
    expect(text).not.toContain('_JsonAccessFormatter');
  });

  test('the control socket of gunicorn 25.1+ is disabled, no pidfile is written, and the sizing is logged at start', () => {
    expect(valueOf(config, 'control_socket_disable')).toBe(true);
    expect(text).toMatch(/^control_socket_disable = True$/m);
    expect(config.model.get('pidfile')).toBeUndefined();
    expect(text).not.toMatch(/^pidfile/m);
    expect(text).toMatch(/^on_starting = _on_starting$/m);
  });

  test('exactly these settings are written, in this order', () => {
    expect(namesOf(config)).toEqual([
      'bind', 'workers', 'worker_class', 'timeout', 'graceful_timeout', 'keepalive', 'max_requests',
      'max_requests_jitter', 'forwarded_allow_ips', 'worker_tmp_dir', 'accesslog', 'errorlog', 'loglevel',
      'control_socket_disable', 'on_starting',
    ]);
  });

  test('it is the app server the Dockerfile runs: python -m gunicorn --config gunicorn.conf.py <app>', () => {
    const appServer: IAppServer = config;
    expect(appServer.module).toBe('gunicorn');
    expect(appServer.configFile).toBe('gunicorn.conf.py');
    expect(GunicornConfig.FILE).toBe('gunicorn.conf.py');
    expect(appServer.command('app.main:app')).toEqual(['--config', 'gunicorn.conf.py', 'app.main:app']);
    expect(appServer.endpoint).toBe(config.endpoint);
  });

  test('the file is projen-owned, with the marker, a checksum and the environment overrides in its header', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".');
    expect(lines[2]).toMatch(/^# keelson-checksum: sha256:[0-9a-f]{64}$/);
    expect(lines[3]).toBe('# gunicorn.conf.py for svc: gunicorn 27.0.1, worker class uvicorn_worker.UvicornWorker.');
    const header = lines.slice(0, lines.findIndex((l) => l.startsWith('import '))).join('\n');
    for (const [name, description, fallback] of [
      ['PORT', 'port bound on all interfaces', '8000'],
      ['WEB_CONCURRENCY', 'number of workers', 'computed \\(above\\)'],
      ['GUNICORN_TIMEOUT', 'seconds a worker may go without a heartbeat', '30'],
      ['GUNICORN_GRACEFUL_TIMEOUT', 'seconds in-flight requests get after SIGTERM', '25'],
      ['GUNICORN_KEEPALIVE', 'seconds an idle connection stays open', '75'],
      ['FORWARDED_ALLOW_IPS', 'addresses trusted to set X-Forwarded-\\*', '127\\.0\\.0\\.1,::1'],
      ['LOG_LEVEL', 'debug, info, warning, error, critical', 'info'],
    ]) {
      expect(header).toMatch(new RegExp(`^#   ${name} +${description} +default: ${fallback}$`, 'm'));
    }
    expect(header).toContain('#   by CPU    = one per CPU, rounded up');
    expect(header).toContain('#   by memory = (memory limit - 64 MiB reserve) / 128 MiB per worker');
    expect(header).toContain('else the declared 512 MiB');
    expect(header).toContain('WEB_CONCURRENCY overrides it. Logged once at start.');
  });

  test('every helper name in the file starts with "_", so gunicorn never takes one for a setting', () => {
    const topLevel = [...text.matchAll(/^(?:def |class )?([A-Za-z_]\w*)(?: = |\(|:| as )/gm)].map((m) => m[1]);
    const imports = [...text.matchAll(/^import \w+ as (\w+)$/gm)].map((m) => m[1]);
    for (const name of [...topLevel, ...imports]) {
      if (!name.startsWith('_')) expect(GUNICORN_SETTINGS).toContain(name);
    }
    expect(imports).toEqual(['_json', '_logging', '_math', '_os', '_time']);
  });
});

describe('worker classes', () => {
  test('each class is a known import path with its formula and keep-alive', () => {
    expect(WORKER_CLASS_NAMES).toEqual(['uvicorn-worker', 'uvicorn-legacy', 'sync', 'gthread']);
    expect(WORKER_CLASS_NAMES.map((n) => [n, workerClass(n).importPath, workerClass(n).formula, workerClass(n).keepsAlive])).toEqual([
      ['uvicorn-worker', 'uvicorn_worker.UvicornWorker', 'per-cpu', true],
      ['uvicorn-legacy', 'uvicorn.workers.UvicornWorker', 'per-cpu', true],
      ['sync', 'sync', '2n+1', false],
      ['gthread', 'gthread', 'per-cpu', true],
    ]);
  });

  test('uvicorn-legacy pins gunicorn only, unless versions.uvicorn pins the uvicorn that ships it', () => {
    const legacy = configOf({ workerClass: 'uvicorn-legacy' });
    expect(valueOf(legacy, 'worker_class')).toBe('uvicorn.workers.UvicornWorker');
    expect(legacy.requirements).toEqual([{ name: 'gunicorn', version: '27.0.1' }]);
    expect(configOf({ workerClass: 'uvicorn-legacy', versions: { gunicorn: '20.1.0', uvicorn: '0.17.6' } }).requirements).toEqual([
      { name: 'gunicorn', version: '20.1.0' },
      { name: 'uvicorn', version: '0.17.6' },
    ]);
  });

  test('sync sizes 2n+1, keeps no connection alive (keepAliveSeconds 0) and writes no keepalive', () => {
    const sync = configOf({ workerClass: 'sync' });
    expect(sync.model.sizing.formula).toBe('2n+1');
    expect(sync.keepAliveSeconds).toBe(0);
    expect(namesOf(sync)).not.toContain('keepalive');
    expect(namesOf(sync)).not.toContain('threads');
    expect(sync.requirements).toEqual([{ name: 'gunicorn', version: '27.0.1' }]);
    expect(synthConfig({ workerClass: 'sync' }).text).toContain('#   by CPU    = 2 x CPUs + 1, rounded up');
  });

  test('gthread runs 4 threads per worker by default', () => {
    const gthread = configOf({ workerClass: 'gthread' });
    expect(valueOf(gthread, 'threads')).toBe(4);
    expect(valueOf(configOf({ workerClass: 'gthread', threads: 8 }), 'threads')).toBe(8);
    expect(gthread.keepAliveSeconds).toBe(75);
  });

  test('no class is given a setting it never reads', () => {
    for (const name of WORKER_CLASS_NAMES) {
      for (const accessLog of ['text', 'json', 'off'] as const) {
        const config = configOf({ workerClass: name, accessLog });
        for (const setting of namesOf(config)) {
          expect(GUNICORN_SETTINGS).toContain(setting);
          expect(workerClass(name).unreadSettings).not.toContain(setting);
        }
      }
    }
  });
});

describe('options', () => {
  test('a proxy sets keep-alive to its upstream idle timeout + 15 and is reported to the file', () => {
    const config = configOf({ proxy: { upstreamIdleTimeoutSeconds: 90, upstreamReadTimeoutSeconds: 60 } });
    expect(config.keepAliveSeconds).toBe(105);
    expect(config.model.sizing.proxyIdleTimeoutSeconds).toBe(90);
    expect(configOf({ proxy: NGINX }).keepAliveSeconds).toBe(75);
  });

  test('behind a proxy, the sync worker\'s timeout is at most the proxy\'s read timeout', () => {
    const config = configOf({ workerClass: 'sync', proxy: { upstreamIdleTimeoutSeconds: 60, upstreamReadTimeoutSeconds: 20 } });
    expect([config.timeoutSeconds, config.gracefulTimeoutSeconds]).toEqual([20, 20]);
  });

  test('a fixed worker count is written and still yields to WEB_CONCURRENCY', () => {
    const { config, text } = synthConfig({ workers: 3 });
    expect(valueOf(config, 'workers')).toBe(3);
    expect(text).toMatch(/^_FIXED_WORKERS = 3$/m);
    expect(text).toContain('# Workers: 3, fixed in .projenrc.ts; WEB_CONCURRENCY overrides it.');
  });

  test('the JSON access log installs a formatter through logconfig_dict', () => {
    const { config, text } = synthConfig({ accessLog: 'json' });
    expect(text).toContain('logconfig_dict = _json_logconfig(loglevel)');
    expect(text).toContain('class _JsonAccessFormatter(_logging.Formatter):');
    expect(valueOf(config, 'accesslog')).toBe('-');
  });

  test('accessLog off writes no access log', () => {
    expect(namesOf(configOf({ accessLog: 'off' }))).not.toContain('accesslog');
  });

  test('maxRequests 0 never replaces workers and writes no jitter', () => {
    const config = configOf({ maxRequests: 0 });
    expect(valueOf(config, 'max_requests')).toBe(0);
    expect(namesOf(config)).not.toContain('max_requests_jitter');
  });

  test('endpoint, limits, log level, trusted addresses and worker tmp dir flow into the file', () => {
    const { config, text } = synthConfig({
      endpoint: new ServiceEndpoint({ port: 9000 }),
      limits: new ResourceLimits({ memoryMiB: 2048 }),
      logLevel: 'warning',
      forwardedAllowIps: ['10.0.0.0/24'],
      workerTmpDir: '/tmp',
      memoryPerWorkerMiB: 256,
    });
    expect(valueOf(config, 'bind')).toEqual(['0.0.0.0:9000']);
    expect(config.model.sizing.declaredMemoryMiB).toBe(2048);
    expect(config.model.sizing.memoryPerWorkerMiB).toBe(256);
    expect(text).toContain('_env_choice("LOG_LEVEL", "warning"');
    expect(text).toContain('_os.environ.get("FORWARDED_ALLOW_IPS", "10.0.0.0/24")');
    expect(text).toContain('_writable_dir("/tmp")');
  });

  test('Python literals are written Python\'s way', () => {
    expect([null, true, false, 3, 'a"b', ['x', 1]].map((v) => pythonLiteral(v as never))).toEqual(['None', 'True', 'False', '3', '"a\\"b"', '["x", 1]']);
    expect(compareVersions('24.1.0', '24.0.9')).toBeGreaterThan(0);
    expect(compareVersions('20.1', '20.1.0')).toBe(0);
    expect(compareVersions('21.0.0rc1', '21.0.1')).toBeLessThan(0);
  });
});

describe('bad input is refused at construction, naming the construct, the option and the fix', () => {
  test.each<[string, GunicornConfigProps, RegExp]>([
    ['zero workers', { workers: 0 }, /svc\/GunicornConfig: option 'workers' must be a whole number of workers, at least 1, got 0\. Fix: leave it out to size the workers/],
    ['negative workers', { workers: -2 }, /option 'workers' must be a whole number of workers, at least 1, got -2/],
    ['fractional workers', { workers: 1.5 }, /option 'workers' must be a whole number of workers, at least 1, got 1\.5/],
    ['more workers than the memory holds', { workers: 8 }, /option 'workers' is 8: 8 x 128 MiB per worker does not fit the 448 MiB a 512 MiB container leaves after the master's 64 MiB reserve\. Fix: give at most 3 workers/],
    ['a worker budget below 16 MiB', { memoryPerWorkerMiB: 8 }, /option 'memoryPerWorkerMiB' must be a whole number of MiB, at least 16, got 8/],
    ['a worker budget larger than the container', { memoryPerWorkerMiB: 512 }, /option 'memoryPerWorkerMiB' is 512, more than the 448 MiB a 512 MiB container leaves after the master's 64 MiB reserve\. Fix: raise limits\.memoryMiB to at least 576/],
    ['a timeout shorter than the graceful timeout', { timeoutSeconds: 20 , gracefulTimeoutSeconds: 25 }, /option 'timeoutSeconds' is 20, shorter than gracefulTimeoutSeconds \(25\): a worker that drains after max_requests or a reload stops heart-beating and is killed after 20 s.*Fix: make timeoutSeconds at least 25/],
    ['a zero timeout', { timeoutSeconds: 0 }, /option 'timeoutSeconds' must be a whole number of seconds, at least 1, got 0\. Fix: gunicorn takes whole seconds/],
    ['a fractional graceful timeout', { gracefulTimeoutSeconds: 2.5 }, /option 'gracefulTimeoutSeconds' must be a whole number of seconds, at least 1, got 2\.5/],
    ['a keep-alive that undercuts the proxy', { proxy: NGINX, keepAliveSeconds: 30 }, /option 'keepAliveSeconds' is 30, not longer than the proxy's upstream idle timeout \(60 s\): gunicorn would close idle connections the proxy still reuses, and the proxy answers 502\. Fix: make keepAliveSeconds longer than 60, e\.g\. 75/],
    ['a keep-alive equal to the proxy\'s', { proxy: NGINX, keepAliveSeconds: 60 }, /option 'keepAliveSeconds' is 60, not longer than the proxy's upstream idle timeout/],
    ['a keep-alive for the sync worker', { workerClass: 'sync', keepAliveSeconds: 75 }, /option 'keepAliveSeconds' is set, but the sync worker closes every connection after its response and never reads it/],
    ['a sync timeout longer than the proxy waits', { workerClass: 'sync', proxy: NGINX, timeoutSeconds: 90 }, /option 'timeoutSeconds' is 90, longer than the proxy's read timeout \(60 s\): the proxy answers 504 while the sync worker stays busy/],
    ['an unknown worker class', { workerClass: 'gevent' as never }, /option 'workerClass' is 'gevent', which is not a worker class Keelson configures\. Fix: choose one of 'uvicorn-worker', 'uvicorn-legacy', 'sync', 'gthread'/],
    ['threads without gthread', { threads: 4 }, /option 'threads' is set, but only the gthread worker runs threads/],
    ['zero threads', { workerClass: 'gthread', threads: 0 }, /option 'threads' must be a whole number, at least 1, got 0/],
    ['negative max requests', { maxRequests: -1 }, /option 'maxRequests' must be a whole number, 0 or more, got -1/],
    ['negative jitter', { maxRequestsJitter: -5 }, /option 'maxRequestsJitter' must be a whole number, 0 or more, got -5/],
    ['jitter without max requests', { maxRequests: 0, maxRequestsJitter: 10 }, /option 'maxRequestsJitter' is 10, but maxRequests is 0, so workers are never replaced and gunicorn never reads it/],
    ['jitter as large as max requests', { maxRequests: 100, maxRequestsJitter: 100 }, /option 'maxRequestsJitter' is 100, not less than maxRequests \(100\)/],
    ['a trusted address that is not an IP', { forwardedAllowIps: ['proxy.local'] }, /option 'forwardedAllowIps' contains 'proxy\.local', which is not an IP address or a CIDR network/],
    ['a bad prefix length', { forwardedAllowIps: ['10.0.0.0/33'] }, /option 'forwardedAllowIps' contains '10\.0\.0\.0\/33', which is not an IP address or a CIDR network/],
    ['"*" among addresses', { forwardedAllowIps: ['*', '10.0.0.1'] }, /option 'forwardedAllowIps' mixes '\*' with addresses/],
    ['a network for the legacy worker', { workerClass: 'uvicorn-legacy', forwardedAllowIps: ['10.0.0.0/24'] }, /option 'forwardedAllowIps' contains the network '10\.0\.0\.0\/24', but the uvicorn-legacy worker is for uvicorn releases that compare exact addresses only/],
    ['a network for sync on gunicorn 23', { workerClass: 'sync', versions: { gunicorn: '23.0.0' }, forwardedAllowIps: ['10.0.0.0/24'] }, /option 'forwardedAllowIps' contains the network '10\.0\.0\.0\/24', but gunicorn 23\.0\.0 compares exact addresses only \(CIDR arrived in gunicorn 24\.1\)/],
    ['an unknown access log format', { accessLog: 'xml' as never }, /option 'accessLog' is 'xml', not an access log format\. Fix: choose one of 'text', 'json', 'off'/],
    ['an unknown log level', { logLevel: 'verbose' as never }, /option 'logLevel' is 'verbose', not a gunicorn log level/],
    ['a relative worker tmp dir', { workerTmpDir: 'shm' }, /option 'workerTmpDir' is 'shm', not an absolute directory path/],
    ['a gunicorn version range', { versions: { gunicorn: '>=23' } }, /option 'versions\.gunicorn' is '>=23', not an exact version\. Fix: give an exact release such as '27\.0\.1'/],
    ['a gunicorn older than 20.1', { workerClass: 'sync', versions: { gunicorn: '19.9.0' } }, /option 'versions\.gunicorn' is '19\.9\.0', older than 20\.1\.0, the oldest gunicorn the generated file is tested on/],
    ['uvicorn-worker on gunicorn 20.1', { versions: { gunicorn: '20.1.0' } }, /option 'versions\.gunicorn' is '20\.1\.0', but uvicorn-worker requires gunicorn 21\.0\.0 or later/],
    ['an uvicorn-worker version for another class', { workerClass: 'sync', versions: { uvicornWorker: '0.4.0' } }, /option 'versions\.uvicornWorker' is set, but the 'sync' worker class does not come from the uvicorn-worker package/],
    ['an uvicorn version for a WSGI class', { workerClass: 'gthread', versions: { uvicorn: '0.30.0' } }, /option 'versions\.uvicorn' is set, but the 'gthread' worker class does not use uvicorn/],
    ['an uvicorn-worker version range', { versions: { uvicornWorker: '^0.4' } }, /option 'versions\.uvicornWorker' is '\^0\.4', not an exact version/],
  ])('%s', (_name, props, message) => {
    expect(() => configOf(props)).toThrow(message);
  });

  test('"*" alone is an explicit opt-out, accepted', () => {
    expect(valueOf(configOf({ forwardedAllowIps: ['*'] }), 'forwarded_allow_ips')).toBe('*');
  });
});

describe('whole-tree checks on the model stop the synth before any file is touched', () => {
  function synthWith(change: (config: GunicornConfig) => void, props: GunicornConfigProps = {}) {
    const project = serviceProject();
    change(new GunicornConfig(project, props));
    return () => project.synth();
  }

  test('an escape hatch with a setting name gunicorn does not know is refused', () => {
    expect(synthWith((c) => c.model.set({ name: 'keep_alive', value: 5 }))).toThrow(
      /setting 'keep_alive' is not a gunicorn setting, and gunicorn silently ignores unknown names/);
  });

  test('an escape hatch with a setting the worker class never reads is refused', () => {
    expect(synthWith((c) => c.model.set({ name: 'worker_connections', value: 1000 }))).toThrow(
      /setting 'worker_connections' is never read by the uvicorn-worker worker \(uvicorn_worker\.UvicornWorker\), so it would do nothing/);
    expect(synthWith((c) => c.model.set({ name: 'access_log_format', value: '%(h)s' }), { workerClass: 'uvicorn-legacy' })).toThrow(
      /setting 'access_log_format' is never read by the uvicorn-legacy worker/);
    expect(synthWith((c) => c.model.set({ name: 'keepalive', value: 5 }), { workerClass: 'sync' })).toThrow(
      /setting 'keepalive' is never read by the sync worker/);
  });

  test('an escape hatch that lowers keep-alive under the proxy\'s idle timeout is refused', () => {
    expect(synthWith((c) => c.model.set({ name: 'keepalive', value: 60 }), { proxy: NGINX })).toThrow(
      /keepalive is 60, not longer than the proxy's upstream idle timeout \(60 s\): expect intermittent 502s\. Fix: set keepalive above 60/);
  });

  test('an escape hatch that makes timeout shorter than graceful_timeout is refused', () => {
    expect(synthWith((c) => c.model.set({ name: 'timeout', value: 10 }))).toThrow(
      /timeout is 10, shorter than graceful_timeout \(25\)\. Fix: make timeout at least 25/);
  });

  test('problems are reported together, as a KeelsonSynthError', () => {
    const run = synthWith((c) => {
      c.model.set({ name: 'keep_alive', value: 5 });
      c.model.set({ name: 'threads', value: 2 });
    });
    let error: unknown;
    try { run(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    expect((error as KeelsonSynthError).problems.map((p) => p.path)).toEqual(['svc/GunicornConfig', 'svc/GunicornConfig']);
  });

  test('an escape hatch is what gets written, and what the app-server contract reports', () => {
    const project = serviceProject();
    const config = new GunicornConfig(project);
    config.model.set({ name: 'keepalive', value: 120, comment: 'Behind an ALB with a 100 s idle timeout.' });
    config.model.set({ name: 'backlog', value: 512 });
    expect(config.model.remove('max_requests_jitter')).toBe(true);
    expect(config.model.remove('max_requests_jitter')).toBe(false);
    const text = Testing.synth(project)[GunicornConfig.FILE] as string;
    expect(text).toContain('# Behind an ALB with a 100 s idle timeout.\nkeepalive = 120');
    expect(text).toMatch(/^backlog = 512$/m);
    expect(text).not.toContain('max_requests_jitter =');
    expect(config.keepAliveSeconds).toBe(120);
    config.model.remove('keepalive');
    config.model.remove('timeout');
    config.model.remove('graceful_timeout');
    expect([config.keepAliveSeconds, config.timeoutSeconds, config.gracefulTimeoutSeconds]).toEqual([2, 30, 30]); // gunicorn's own defaults
  });
});
