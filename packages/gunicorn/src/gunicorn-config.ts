import { isIP } from 'net';
import {
  AppServerView, GeneratedFile, IAppServer, IReverseProxy, KeelsonConfigError, PythonRequirement, ResourceLimits, ServiceEndpoint,
  locate, registerModel,
} from '@keelson/core';
import { Component, Project } from 'projen';
import { EnvOverride, GunicornConfigModel, GunicornSetting } from './gunicorn-model';
import { renderGunicornConfig } from './gunicorn-render';
import { GUNICORN_SETTINGS, WorkerClass, WorkerClassName, workerClass } from './worker-class';

/** Exact versions of the server packages the image installs. */
export interface GunicornVersions {
  /**
   * gunicorn. At least 20.1.0, the oldest release the generated file is tested on.
   * @default '27.0.1'
   */
  readonly gunicorn?: string;
  /**
   * uvicorn-worker, the maintained home of `UvicornWorker`. Only with the `uvicorn-worker` class.
   * @default '0.4.0'
   */
  readonly uvicornWorker?: string;
  /**
   * uvicorn, pinned in `requirements-server.txt`. Only with the uvicorn worker classes.
   * @default - not pinned here: uvicorn-worker requires uvicorn>=0.36.0, and the `uvicorn-legacy` class uses the
   * uvicorn your requirements.txt installs (that is the reason to choose it)
   */
  readonly uvicorn?: string;
}

/** The access log: plain text lines, one JSON object per request, or none. */
export type AccessLogFormat = 'text' | 'json' | 'off';

/** gunicorn's log levels. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

/** Props of the gunicorn config component. */
export interface GunicornConfigProps {
  /**
   * The port gunicorn binds (unless PORT is set) and the health path the image probes.
   * @default - port 8000, health path /health
   */
  readonly endpoint?: ServiceEndpoint;
  /**
   * The container's resource limits. Its memory is the budget the worker count is capped by when the container
   * runs without a cgroup memory limit; with one, the cgroup's limit is used.
   * @default - 1 CPU, 512 MiB, 256 pids
   */
  readonly limits?: ResourceLimits;
  /**
   * The worker class. The uvicorn classes serve ASGI apps (FastAPI); `sync` and `gthread` serve WSGI apps only.
   * @default 'uvicorn-worker'
   */
  readonly workerClass?: WorkerClassName;
  /**
   * Exact versions of the server packages, installed by the Dockerfile's `requirements-server.txt`.
   * @default - gunicorn 27.0.1, uvicorn-worker 0.4.0 (with the uvicorn-worker class)
   */
  readonly versions?: GunicornVersions;
  /**
   * A fixed worker count instead of the run-time sizing. `WEB_CONCURRENCY` still overrides it.
   * @default - computed at start from the container's CPU quota and memory limit
   */
  readonly workers?: number;
  /**
   * The memory one worker is budgeted, in MiB: the worker count never exceeds
   * (memory limit - 64 MiB reserve) / memoryPerWorkerMiB.
   * @default 128
   */
  readonly memoryPerWorkerMiB?: number;
  /**
   * gunicorn's `timeout`, seconds. For gunicorn's own workers, the longest a request may run before its worker is
   * killed; for the uvicorn workers, how long the event loop may go without running before the worker is
   * killed. Overridable with GUNICORN_TIMEOUT.
   * @default 30 (sync and gthread behind a proxy: at most the proxy's read timeout)
   */
  readonly timeoutSeconds?: number;
  /**
   * gunicorn's `graceful_timeout`, seconds: how long in-flight requests get to finish after SIGTERM. It must not
   * exceed `timeoutSeconds`. Overridable with GUNICORN_GRACEFUL_TIMEOUT.
   * @default 25, or timeoutSeconds when that is shorter
   */
  readonly gracefulTimeoutSeconds?: number;
  /**
   * gunicorn's `keepalive`, seconds an idle connection stays open. Must be longer than the proxy's upstream idle
   * timeout. Not for the sync worker, which keeps no connection alive. Overridable with GUNICORN_KEEPALIVE.
   * @default - the proxy's upstream idle timeout + 15; 75 without a proxy (nginx keeps idle upstream
   * connections 60 s, cloud load balancers 60 s)
   */
  readonly keepAliveSeconds?: number;
  /**
   * Requests a worker serves before it is replaced (bounds slow leaks); 0 never replaces workers.
   * @default 10000
   */
  readonly maxRequests?: number;
  /**
   * Up to this many extra requests, random per worker, so workers are not all replaced at once.
   * @default - a tenth of maxRequests (1000); 0 when maxRequests is 0
   */
  readonly maxRequestsJitter?: number;
  /**
   * Threads per worker, gthread only.
   * @default 4
   */
  readonly threads?: number;
  /**
   * The reverse proxy in front: keep-alive must outlast its upstream idle timeout, and a request timeout of
   * gunicorn's own workers must not outlast its read timeout.
   * @default - no proxy declared; defaults are chosen for nginx's 60 s upstream idle timeout
   */
  readonly proxy?: IReverseProxy;
  /**
   * Addresses trusted to set X-Forwarded-For / X-Forwarded-Proto. Exact IPs; CIDR networks only where the
   * server supports them (uvicorn-worker, or gunicorn 24.1+ for sync and gthread). `'*'` trusts every client:
   * only behind a proxy that strips those headers. Overridable with FORWARDED_ALLOW_IPS.
   * @default ['127.0.0.1', '::1'] (a proxy on the same host or in the same pod)
   */
  readonly forwardedAllowIps?: string[];
  /**
   * The access log on stdout: text lines, one JSON object per request, or none.
   * @default 'text'
   */
  readonly accessLog?: AccessLogFormat;
  /**
   * gunicorn's log level (the error log, on stderr). Overridable with LOG_LEVEL.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
  /**
   * Where workers keep their heartbeat file: a memory-backed directory, so a slow or read-only disk never
   * stalls the heartbeat. When it is not writable at start, gunicorn's default temp dir is used and a warning logged.
   * @default '/dev/shm'
   */
  readonly workerTmpDir?: string;
}

/** The versions a GunicornConfig pins. */
export interface ResolvedVersions {
  readonly gunicorn: string;
  readonly uvicornWorker?: string;
  readonly uvicorn?: string;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];
const ACCESS_LOGS: readonly AccessLogFormat[] = ['text', 'json', 'off'];

/**
 * `gunicorn.conf.py`: gunicorn configured for the container it runs in, and the app server the Dockerfile runs
 * (`new Dockerfile(project, { appServer: gunicorn })`).
 *
 * The worker count is computed when gunicorn starts, from the cgroup CPU quota and memory limit actually
 * granted; only settings the worker class reads are written; every knob operators turn has an environment
 * override, listed in the file's header. `model` is the escape hatch: what you change there is validated and
 * written.
 */
export class GunicornConfig extends Component implements IAppServer {
  /** The config file, relative to the project root and to the image's working directory. */
  public static readonly FILE = 'gunicorn.conf.py';
  /** MiB kept for the master process (about 35 MiB resident) and tmpfs before workers are counted. */
  public static readonly RESERVE_MIB = 64;
  /** The oldest gunicorn the generated file is tested on (Debian 12's). */
  public static readonly MIN_GUNICORN = '20.1.0';

  public readonly endpoint: ServiceEndpoint;
  public readonly module = 'gunicorn';
  /** The variable the file reads `forwarded_allow_ips` from at start. */
  public readonly forwardedAllowIpsVariable = 'FORWARDED_ALLOW_IPS';
  public readonly configFile = GunicornConfig.FILE;
  public readonly limits: ResourceLimits;
  public readonly workerClass: WorkerClass;
  /** The pinned versions: gunicorn always, uvicorn-worker and uvicorn when the worker class needs them. */
  public readonly versions: ResolvedVersions;
  public readonly proxy?: IReverseProxy;
  public readonly model: GunicornConfigModel;
  public readonly file: GeneratedFile;

  public constructor(project: Project, props: GunicornConfigProps = {}) {
    super(project, 'GunicornConfig');
    this.endpoint = props.endpoint ?? new ServiceEndpoint();
    this.limits = props.limits ?? new ResourceLimits();
    this.workerClass = locate(this, undefined, () => workerClass(props.workerClass ?? 'uvicorn-worker'));
    this.proxy = props.proxy;
    this.versions = this.resolveVersions(props.versions ?? {});
    this.model = this.buildModel(props);

    this.file = new GeneratedFile(this, GunicornConfig.FILE, () => renderGunicornConfig(this.model, {
      title: `gunicorn.conf.py for ${project.name}: gunicorn ${this.versions.gunicorn}, worker class ${this.model.get('worker_class')?.value ?? this.workerClass.importPath}.`,
    }), { editHint: 'set the GunicornConfig props, or change its model (gunicorn.model.set({...})), in .projenrc.ts' });
    this.node.addValidation({ validate: () => this.validateModel() });
    // What will be written, after escape hatches, for whole-project readers (the hardening policy).
    registerModel(this, 'app-server', () => this.resolvedView());
  }

  /** The file as the model says now: binds, trusted proxies, paths written at run time, every setting. */
  private resolvedView(): AppServerView {
    const setting = (name: string) => this.model.get(name);
    const variable = (name: string) => setting(name)?.env?.[0]?.name;
    const bind = setting('bind')?.value;
    const forwarded = setting('forwarded_allow_ips')?.value;
    const tmpDir = setting('worker_tmp_dir')?.value;
    return {
      file: this.file.path,
      server: this,
      binds: Array.isArray(bind) ? bind.map(String) : typeof bind === 'string' ? [bind] : ['127.0.0.1:8000'],
      portVariable: variable('bind'),
      // gunicorn's own default when an escape hatch removed the setting.
      forwardedAllowIps: typeof forwarded === 'string' ? forwarded.split(',').map((a) => a.trim()).filter((a) => a !== '') : ['127.0.0.1', '::1'],
      forwardedAllowIpsVariable: variable('forwarded_allow_ips'),
      workersVariable: variable('workers'),
      // Heartbeat files; without the setting gunicorn uses the default temp dir.
      writablePaths: [typeof tmpDir === 'string' ? tmpDir : '/tmp'],
      settings: Object.fromEntries(this.model.settings.map((s) => [s.name, s.value])),
    };
  }

  /**
   * Seconds an idle connection stays open, from the model (0: the sync worker closes every connection after its
   * response; gunicorn's default 2 if an escape hatch removed the setting).
   */
  public get keepAliveSeconds(): number {
    return this.numberSetting('keepalive') ?? (this.workerClass.keepsAlive ? 2 : 0);
  }

  /** gunicorn's timeout, from the model (gunicorn's default 30 if an escape hatch removed it). */
  public get timeoutSeconds(): number {
    return this.numberSetting('timeout') ?? 30;
  }

  /** gunicorn's graceful timeout, from the model (gunicorn's default 30 if an escape hatch removed it). */
  public get gracefulTimeoutSeconds(): number {
    return this.numberSetting('graceful_timeout') ?? 30;
  }

  /** gunicorn, and the package the worker class comes from, pinned. */
  public get requirements(): PythonRequirement[] {
    const pins: PythonRequirement[] = [{ name: 'gunicorn', version: this.versions.gunicorn }];
    if (this.versions.uvicornWorker) pins.push({ name: 'uvicorn-worker', version: this.versions.uvicornWorker });
    if (this.versions.uvicorn) pins.push({ name: 'uvicorn', version: this.versions.uvicorn });
    return pins;
  }

  /**
   * The worker count the generated file computes at start in a container granted exactly `limits` (a CPU quota
   * of `limits.cpus`, a memory limit of `limits.memoryMiB`, no WEB_CONCURRENCY): the same formula as the
   * file's Python, mirrored for synth-time budgets; a test runs both on the same limits and compares.
   */
  public workersFor(limits: ResourceLimits): number {
    const s = this.model.sizing;
    if (s.fixedWorkers !== null) return s.fixedWorkers;
    const cpus = Math.max(0.01, Math.round(limits.cpus * 100) / 100);
    const byCpu = s.formula === '2n+1' ? Math.ceil(2 * cpus) + 1 : Math.max(2, Math.ceil(cpus));
    const byMemory = Math.max(1, Math.floor((limits.memoryMiB - s.reserveMiB) / s.memoryPerWorkerMiB));
    return Math.min(byCpu, byMemory);
  }

  /** `--config gunicorn.conf.py <appModule>`: everything else is in the file. */
  public command(appModule: string): string[] {
    return ['--config', GunicornConfig.FILE, appModule];
  }

  private numberSetting(name: string): number | undefined {
    const value = this.model.get(name)?.value;
    return typeof value === 'number' ? value : undefined;
  }

  private resolveVersions(given: GunicornVersions): ResolvedVersions {
    const isWorkerPackage = this.workerClass.name === 'uvicorn-worker';
    const isUvicorn = this.workerClass.asgi;
    if (given.uvicornWorker !== undefined && !isWorkerPackage) {
      throw this.error('versions.uvicornWorker', `is set, but the '${this.workerClass.name}' worker class does not come from the uvicorn-worker package`,
        "drop versions.uvicornWorker, or choose workerClass 'uvicorn-worker'");
    }
    if (given.uvicorn !== undefined && !isUvicorn) {
      throw this.error('versions.uvicorn', `is set, but the '${this.workerClass.name}' worker class does not use uvicorn`,
        'drop versions.uvicorn, or choose an uvicorn worker class');
    }
    const gunicorn = exactVersion('versions.gunicorn', given.gunicorn ?? '27.0.1', this);
    if (compareVersions(gunicorn, GunicornConfig.MIN_GUNICORN) < 0) {
      throw this.error('versions.gunicorn', `is '${gunicorn}', older than ${GunicornConfig.MIN_GUNICORN}, the oldest gunicorn the generated file is tested on`,
        `pin gunicorn ${GunicornConfig.MIN_GUNICORN} or later; '27.0.1' is current`);
    }
    if (isWorkerPackage && compareVersions(gunicorn, '21.0.0') < 0) {
      throw this.error('versions.gunicorn', `is '${gunicorn}', but uvicorn-worker requires gunicorn 21.0.0 or later`,
        "pin gunicorn 21.0.0 or later, or choose workerClass 'uvicorn-legacy' for an older stack");
    }
    return {
      gunicorn,
      uvicornWorker: isWorkerPackage ? exactVersion('versions.uvicornWorker', given.uvicornWorker ?? '0.4.0', this) : undefined,
      uvicorn: given.uvicorn === undefined ? undefined : exactVersion('versions.uvicorn', given.uvicorn, this),
    };
  }

  private buildModel(props: GunicornConfigProps): GunicornConfigModel {
    const wc = this.workerClass;
    const proxy = this.proxy;

    const workers = props.workers;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
      throw this.error('workers', `must be a whole number of workers, at least 1, got ${workers}`,
        'leave it out to size the workers from the container\'s CPU quota and memory at start, or give e.g. 2');
    }
    const memoryPerWorkerMiB = props.memoryPerWorkerMiB ?? 128;
    if (!Number.isInteger(memoryPerWorkerMiB) || memoryPerWorkerMiB < 16) {
      throw this.error('memoryPerWorkerMiB', `must be a whole number of MiB, at least 16, got ${memoryPerWorkerMiB}`,
        'give the resident memory one worker grows to, with headroom, e.g. 128');
    }
    const budget = this.limits.memoryMiB - GunicornConfig.RESERVE_MIB;
    if (budget < memoryPerWorkerMiB) {
      throw this.error('memoryPerWorkerMiB', `is ${memoryPerWorkerMiB}, more than the ${Math.max(0, budget)} MiB a ${this.limits.memoryMiB} MiB container leaves after the master's ${GunicornConfig.RESERVE_MIB} MiB reserve`,
        `raise limits.memoryMiB to at least ${memoryPerWorkerMiB + GunicornConfig.RESERVE_MIB}, or lower memoryPerWorkerMiB`);
    }
    if (workers !== undefined && workers * memoryPerWorkerMiB > budget) {
      throw this.error('workers', `is ${workers}: ${workers} x ${memoryPerWorkerMiB} MiB per worker does not fit the ${budget} MiB a ${this.limits.memoryMiB} MiB container leaves after the master's ${GunicornConfig.RESERVE_MIB} MiB reserve`,
        `give at most ${Math.floor(budget / memoryPerWorkerMiB)} workers, raise limits.memoryMiB, or lower memoryPerWorkerMiB`);
    }

    const defaultTimeout = wc.timeoutBoundsRequests && proxy ? Math.min(30, Math.floor(proxy.upstreamReadTimeoutSeconds)) : 30;
    const timeout = seconds('timeoutSeconds', props.timeoutSeconds ?? defaultTimeout, this);
    const graceful = seconds('gracefulTimeoutSeconds', props.gracefulTimeoutSeconds ?? Math.min(25, timeout), this);
    if (timeout < graceful) {
      throw this.error('timeoutSeconds', `is ${timeout}, shorter than gracefulTimeoutSeconds (${graceful}): a worker that drains after max_requests or a reload stops heart-beating and is killed after ${timeout} s, so the graceful window would not hold`,
        `make timeoutSeconds at least ${graceful}, or lower gracefulTimeoutSeconds`);
    }
    if (wc.timeoutBoundsRequests && proxy && timeout > proxy.upstreamReadTimeoutSeconds) {
      throw this.error('timeoutSeconds', `is ${timeout}, longer than the proxy's read timeout (${proxy.upstreamReadTimeoutSeconds} s): the proxy answers 504 while the ${wc.name} worker stays busy with the request`,
        `make timeoutSeconds at most ${Math.floor(proxy.upstreamReadTimeoutSeconds)}, or raise the proxy's read timeout`);
    }

    let keepalive: number | undefined;
    if (!wc.keepsAlive) {
      if (props.keepAliveSeconds !== undefined) {
        throw this.error('keepAliveSeconds', `is set, but the ${wc.name} worker closes every connection after its response and never reads it`,
          "drop keepAliveSeconds, or choose workerClass 'gthread' or an uvicorn worker");
      }
    } else {
      keepalive = seconds('keepAliveSeconds', props.keepAliveSeconds ?? (proxy ? Math.ceil(proxy.upstreamIdleTimeoutSeconds) + 15 : 75), this);
      if (proxy && keepalive <= proxy.upstreamIdleTimeoutSeconds) {
        throw this.error('keepAliveSeconds', `is ${keepalive}, not longer than the proxy's upstream idle timeout (${proxy.upstreamIdleTimeoutSeconds} s): gunicorn would close idle connections the proxy still reuses, and the proxy answers 502`,
          `make keepAliveSeconds longer than ${proxy.upstreamIdleTimeoutSeconds}, e.g. ${Math.ceil(proxy.upstreamIdleTimeoutSeconds) + 15}, or leave it out`);
      }
    }

    const maxRequests = props.maxRequests ?? 10000;
    if (!Number.isInteger(maxRequests) || maxRequests < 0) {
      throw this.error('maxRequests', `must be a whole number, 0 or more, got ${maxRequests}`, 'give e.g. 10000, or 0 to never replace workers');
    }
    const jitter = props.maxRequestsJitter ?? Math.floor(maxRequests / 10);
    if (!Number.isInteger(jitter) || jitter < 0) {
      throw this.error('maxRequestsJitter', `must be a whole number, 0 or more, got ${jitter}`, 'give e.g. a tenth of maxRequests');
    }
    if (maxRequests === 0 && jitter > 0) {
      throw this.error('maxRequestsJitter', `is ${jitter}, but maxRequests is 0, so workers are never replaced and gunicorn never reads it`,
        'drop maxRequestsJitter, or set maxRequests');
    }
    if (jitter >= maxRequests && maxRequests > 0) {
      throw this.error('maxRequestsJitter', `is ${jitter}, not less than maxRequests (${maxRequests})`,
        `keep it well below maxRequests, e.g. ${Math.floor(maxRequests / 10)}`);
    }

    if (props.threads !== undefined && wc.name !== 'gthread') {
      throw this.error('threads', `is set, but only the gthread worker runs threads (with '${wc.name}', gunicorn would switch to gthread or ignore it)`,
        "drop threads, or choose workerClass 'gthread'");
    }
    const threads = props.threads ?? 4;
    if (!Number.isInteger(threads) || threads < 1) {
      throw this.error('threads', `must be a whole number, at least 1, got ${threads}`, 'give e.g. 4');
    }

    const forwarded = [...(props.forwardedAllowIps ?? ['127.0.0.1', '::1'])];
    this.checkForwardedAllowIps(forwarded);

    const accessLog = props.accessLog ?? 'text';
    if (!ACCESS_LOGS.includes(accessLog)) {
      throw this.error('accessLog', `is '${accessLog}', not an access log format`, `choose one of ${ACCESS_LOGS.map((f) => `'${f}'`).join(', ')}`);
    }
    const logLevel = props.logLevel ?? 'info';
    if (!LOG_LEVELS.includes(logLevel)) {
      throw this.error('logLevel', `is '${logLevel}', not a gunicorn log level`, `choose one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}`);
    }
    const workerTmpDir = props.workerTmpDir ?? '/dev/shm';
    if (!/^\/[\w./-]*$/.test(workerTmpDir) || workerTmpDir.split('/').includes('..')) {
      throw this.error('workerTmpDir', `is '${workerTmpDir}', not an absolute directory path`, "give a memory-backed directory such as '/dev/shm' or a tmpfs '/tmp'");
    }

    const model = new GunicornConfigModel({
      formula: wc.formula,
      fixedWorkers: workers ?? null,
      memoryPerWorkerMiB,
      reserveMiB: GunicornConfig.RESERVE_MIB,
      declaredMemoryMiB: this.limits.memoryMiB,
      proxyIdleTimeoutSeconds: proxy && wc.keepsAlive ? proxy.upstreamIdleTimeoutSeconds : null,
    });
    const env = (name: string, description: string, value: string | number): EnvOverride => ({ name, description, default: String(value) });
    const port = this.endpoint.port;
    const add = (setting: GunicornSetting) => model.set(setting);

    add({
      name: 'bind', value: [`0.0.0.0:${port}`],
      expression: `["0.0.0.0:%d" % _env_whole("PORT", ${port}, 1, 65535)]`,
      env: [env('PORT', 'port bound on all interfaces', port)],
      comment: 'All interfaces: in a container the port is reached through its network namespace, not the host\'s.',
    });
    add({
      name: 'workers', value: workers ?? null, expression: '_SIZING["workers"]',
      env: [env('WEB_CONCURRENCY', 'number of workers', workers ?? 'computed (above)')],
      comment: workers === undefined
        ? 'Computed above from the CPU quota and memory limit of this container; logged once at start.'
        : 'Fixed in .projenrc.ts; logged once at start.',
    });
    add({
      name: 'worker_class', value: wc.importPath,
      comment: {
        'uvicorn-worker': 'The maintained uvicorn worker (uvicorn-worker package): ASGI, one event loop per process.',
        'uvicorn-legacy': 'The deprecated uvicorn.workers.UvicornWorker, for an uvicorn that still ships it.',
        'sync': 'gunicorn\'s sync worker: WSGI, one request at a time per worker.',
        'gthread': 'gunicorn\'s threaded worker: WSGI, `threads` requests at a time per worker.',
      }[wc.name],
    });
    if (wc.name === 'gthread') {
      add({ name: 'threads', value: threads, comment: 'Threads per worker: overlaps I/O waits; the GIL keeps one CPU per worker busy at most.' });
    }
    add({
      name: 'timeout', value: timeout, expression: `_env_whole("GUNICORN_TIMEOUT", ${timeout})`,
      env: [env('GUNICORN_TIMEOUT', wc.timeoutBoundsRequests ? 'seconds a request may run' : 'seconds a worker may go without a heartbeat', timeout)],
      comment: wc.timeoutBoundsRequests
        ? `A request that runs longer gets its worker killed and restarted${proxy ? '; not longer than the proxy waits' : ''}.`
        : 'A worker whose main loop has not run for this long is killed and restarted: a blocked loop, not a slow request.',
    });
    add({
      name: 'graceful_timeout', value: graceful, expression: `_env_whole("GUNICORN_GRACEFUL_TIMEOUT", ${graceful})`,
      env: [env('GUNICORN_GRACEFUL_TIMEOUT', 'seconds in-flight requests get after SIGTERM', graceful)],
      comment: 'After SIGTERM, in-flight requests get this long to finish. Below Kubernetes\' default 30 s grace period,\n'
        + 'and not above timeout; the orchestrator must wait at least this long before SIGKILL.',
    });
    if (keepalive !== undefined) {
      add({
        name: 'keepalive', value: keepalive, expression: `_env_whole("GUNICORN_KEEPALIVE", ${keepalive})`,
        env: [env('GUNICORN_KEEPALIVE', 'seconds an idle connection stays open', keepalive)],
        comment: proxy
          ? `Longer than the proxy's upstream idle timeout (${proxy.upstreamIdleTimeoutSeconds} s): the proxy, not gunicorn, closes idle connections,\nso it never reuses one gunicorn is closing (a 502).`
          : 'Longer than nginx\'s 60 s upstream keep-alive and cloud load balancers\' 60 s idle timeout: the proxy, not\ngunicorn, closes idle connections, so it never reuses one gunicorn is closing (a 502).',
      });
    }
    add({
      name: 'max_requests', value: maxRequests,
      comment: maxRequests > 0
        ? 'Each worker is replaced after this many requests (plus jitter), which bounds a slow memory leak; high enough\nthat a busy worker is not restarted every few seconds.'
        : 'Workers are never replaced for their request count.',
    });
    if (maxRequests > 0) {
      add({ name: 'max_requests_jitter', value: jitter, comment: 'A random 0..jitter more per worker, so workers are not all replaced at the same moment.' });
    }
    add({
      name: 'forwarded_allow_ips', value: forwarded.join(','),
      expression: `_os.environ.get(${JSON.stringify(this.forwardedAllowIpsVariable)}, ${JSON.stringify(forwarded.join(','))})`,
      env: [env(this.forwardedAllowIpsVariable, 'addresses trusted to set X-Forwarded-*', forwarded.join(',') || '(none)')],
      comment: 'Only these peers may set the client address and scheme through X-Forwarded-* headers; never "*" by default.\n'
        + 'Set FORWARDED_ALLOW_IPS to the proxy\'s address (gunicorn 20.1 and uvicorn < 0.31 take exact IPs only).',
    });
    add({
      name: 'worker_tmp_dir', value: workerTmpDir, expression: `_writable_dir(${JSON.stringify(workerTmpDir)})`,
      comment: 'Worker heartbeat files on a memory-backed directory: a slow or read-only disk never stalls them.',
    });
    if (accessLog !== 'off') {
      add({ name: 'accesslog', value: '-', comment: 'The access log on stdout, for the container runtime to collect.' });
    }
    add({ name: 'errorlog', value: '-', comment: 'The error log on stderr.' });
    add({
      name: 'loglevel', value: logLevel,
      expression: `_env_choice("LOG_LEVEL", ${JSON.stringify(logLevel)}, ${pythonTuple(LOG_LEVELS)})`,
      env: [env('LOG_LEVEL', LOG_LEVELS.join(', '), logLevel)],
    });
    if (accessLog === 'json') {
      add({
        name: 'logconfig_dict', value: null, expression: '_json_logconfig(loglevel)',
        comment: 'One JSON object per request on stdout (gunicorn\'s access_log_format is not read by the uvicorn workers,\nso the format is a logging formatter that both kinds of worker go through).',
      });
    }
    add({
      name: 'control_socket_disable', value: true,
      comment: 'gunicorn 25.1+ opens a control socket under $HOME by default, which fails for a user without a home or\n'
        + 'on a read-only root; nothing here uses it. Older gunicorn ignores the name. No pidfile either: nothing reads it.',
    });
    add({ name: 'on_starting', value: null, expression: '_on_starting', comment: 'Logs the worker count and why, once, when the master starts.' });
    return model;
  }

  private checkForwardedAllowIps(entries: string[]): void {
    if (entries.includes('*') && entries.length > 1) {
      throw this.error('forwardedAllowIps', "mixes '*' with addresses, and '*' already trusts every client",
        "give the proxy's addresses, or ['*'] alone behind a proxy that strips X-Forwarded-* headers");
    }
    for (const entry of entries) {
      if (entry === '*') continue;
      const [address, prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const validCidr = prefix !== undefined && rest.length === 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32);
      if (family === 0 || (prefix !== undefined && !validCidr)) {
        throw this.error('forwardedAllowIps', `contains '${entry}', which is not an IP address or a CIDR network`,
          "give addresses like '10.0.0.5' or '::1', or networks like '10.0.0.0/24'");
      }
      if (prefix !== undefined) {
        const reason = this.workerClass.name === 'uvicorn-legacy'
          ? 'the uvicorn-legacy worker is for uvicorn releases that compare exact addresses only (CIDR arrived in uvicorn 0.31)'
          : this.workerClass.asgi || compareVersions(this.versions.gunicorn, '24.1.0') >= 0
            ? undefined
            : `gunicorn ${this.versions.gunicorn} compares exact addresses only (CIDR arrived in gunicorn 24.1)`;
        if (reason) {
          throw this.error('forwardedAllowIps', `contains the network '${entry}', but ${reason}`,
            "list the proxy's exact addresses, or upgrade and choose a worker class that matches networks");
        }
      }
    }
  }

  /** Whole-tree checks on the model, after escape hatches: every setting is one gunicorn has and this worker reads. */
  private validateModel(): string[] {
    const errors: string[] = [];
    const wc = this.workerClass;
    for (const setting of this.model.settings) {
      if (!GUNICORN_SETTINGS.includes(setting.name)) {
        errors.push(`setting '${setting.name}' is not a gunicorn setting, and gunicorn silently ignores unknown names. `
          + 'Fix: check the spelling against https://docs.gunicorn.org/en/stable/settings.html');
      } else if (wc.unreadSettings.includes(setting.name)) {
        errors.push(`setting '${setting.name}' is never read by the ${wc.name} worker (${wc.importPath}), so it would do nothing. `
          + 'Fix: remove it from the model, or choose a worker class that reads it');
      }
    }
    const keepalive = this.model.get('keepalive')?.value;
    const idle = this.proxy?.upstreamIdleTimeoutSeconds;
    if (typeof keepalive === 'number' && idle !== undefined && keepalive <= idle) {
      errors.push(`keepalive is ${keepalive}, not longer than the proxy's upstream idle timeout (${idle} s): expect intermittent 502s. `
        + `Fix: set keepalive above ${idle}`);
    }
    const timeout = this.model.get('timeout')?.value;
    const graceful = this.model.get('graceful_timeout')?.value;
    if (typeof timeout === 'number' && typeof graceful === 'number' && timeout < graceful) {
      errors.push(`timeout is ${timeout}, shorter than graceful_timeout (${graceful}). Fix: make timeout at least ${graceful}`);
    }
    return errors;
  }

  private error(option: string, problem: string, fix: string): KeelsonConfigError {
    return new KeelsonConfigError(option, problem, fix).atConstruct(this);
  }
}

function exactVersion(option: string, version: string, scope: GunicornConfig): string {
  if (!/^\d+(\.\d+)*([a-z0-9.+-]*)$/i.test(version)) {
    throw new KeelsonConfigError(option, `is '${version}', not an exact version`, "give an exact release such as '27.0.1'").atConstruct(scope);
  }
  return version;
}

function seconds(option: string, value: number, scope: GunicornConfig): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new KeelsonConfigError(option, `must be a whole number of seconds, at least 1, got ${value}`,
      'gunicorn takes whole seconds; give e.g. 30').atConstruct(scope);
  }
  return value;
}

/** Compares the numeric release parts of two versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (/^\d+(\.\d+)*/.exec(v)?.[0] ?? '0').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function pythonTuple(values: readonly string[]): string {
  return `(${values.map((v) => JSON.stringify(v)).join(', ')})`;
}
