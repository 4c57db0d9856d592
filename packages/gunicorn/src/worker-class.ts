import { KeelsonConfigError } from '@keelson/core';

/**
 * The worker classes Keelson configures:
 * - `uvicorn-worker`: `uvicorn_worker.UvicornWorker` from the maintained uvicorn-worker package (ASGI).
 * - `uvicorn-legacy`: the deprecated `uvicorn.workers.UvicornWorker`, for an uvicorn that still ships it (ASGI).
 * - `sync`: gunicorn's own synchronous worker (WSGI only: one request at a time, no keep-alive).
 * - `gthread`: gunicorn's own threaded worker (WSGI only: `threads` requests at a time, keep-alive).
 */
export type WorkerClassName = 'uvicorn-worker' | 'uvicorn-legacy' | 'sync' | 'gthread';

/** How the worker count follows the CPUs the container may use. */
export type WorkerFormula = 'per-cpu' | '2n+1';

/** What Keelson knows about a worker class: its import path, its sizing, and the settings it reads. */
export interface WorkerClass {
  readonly name: WorkerClassName;
  /** The value of gunicorn's `worker_class`. */
  readonly importPath: string;
  /** Whether it serves ASGI apps (FastAPI); gunicorn's own classes serve WSGI apps only. */
  readonly asgi: boolean;
  /**
   * `per-cpu`: an event-loop (or threaded) worker keeps one CPU busy by itself, so one worker per CPU, and at
   *   least 2, so that one worker being replaced, restarted or blocked never leaves none serving.
   * `2n+1`: a sync worker blocks on every I/O wait, so gunicorn's classic 2 x CPUs + 1.
   */
  readonly formula: WorkerFormula;
  /** Whether it keeps idle connections open between requests (reads `keepalive`). */
  readonly keepsAlive: boolean;
  /**
   * Whether `timeout` bounds one request. For the sync worker it does (a request that runs longer gets the
   * worker killed); for gthread and the uvicorn workers it is a heartbeat of the worker's main loop, and a slow
   * request in a thread or a slow `await` is not bounded by it.
   */
  readonly timeoutBoundsRequests: boolean;
  /** gunicorn settings this class never reads: emitting them would be a dead line. */
  readonly unreadSettings: readonly string[];
}

/** Settings that only gunicorn's own HTTP parser and WSGI workers read. */
const GUNICORN_HTTP_ONLY = [
  'access_log_format', 'limit_request_line', 'limit_request_fields', 'limit_request_field_size',
  'secure_scheme_headers', 'forwarder_headers', 'header_map', 'strip_header_spaces', 'permit_obsolete_folding',
  'permit_unconventional_http_method', 'permit_unconventional_http_version', 'casefold_http_method',
  'tolerate_dangerous_framing', 'proxy_protocol', 'proxy_allow_ips', 'sendfile', 'tmp_upload_dir',
  'pre_request', 'post_request', 'wsgi_app', 'paste', 'raw_paste_global_conf',
];
/** Settings of gunicorn's own ASGI worker and its HTTP/2 support (gunicorn 25+), which no class here is. */
const GUNICORN_ASGI_HTTP2 = [
  'asgi_loop', 'asgi_lifespan', 'asgi_disconnect_grace_period', 'root_path', 'http_parser', 'http_protocols',
  'http2_cleartext', 'http2_max_concurrent_streams', 'http2_initial_window_size', 'http2_max_frame_size',
  'http2_max_header_list_size',
];
/** Settings only the gthread, eventlet and gevent workers read. */
const CONCURRENT_ONLY = ['threads', 'worker_connections'];

// uvicorn-worker 0.4.0 (and uvicorn.workers) pass to uvicorn only keepalive, timeout (as the heartbeat),
// max_requests (+ jitter, applied by gunicorn's base Worker), forwarded_allow_ips, the ssl options and backlog.
const UVICORN_UNREAD = [...GUNICORN_HTTP_ONLY, ...GUNICORN_ASGI_HTTP2, ...CONCURRENT_ONLY];

const WORKER_CLASSES: Record<WorkerClassName, WorkerClass> = {
  'uvicorn-worker': {
    name: 'uvicorn-worker',
    importPath: 'uvicorn_worker.UvicornWorker',
    asgi: true,
    formula: 'per-cpu',
    keepsAlive: true,
    timeoutBoundsRequests: false,
    unreadSettings: UVICORN_UNREAD,
  },
  'uvicorn-legacy': {
    name: 'uvicorn-legacy',
    importPath: 'uvicorn.workers.UvicornWorker',
    asgi: true,
    formula: 'per-cpu',
    keepsAlive: true,
    timeoutBoundsRequests: false,
    unreadSettings: UVICORN_UNREAD,
  },
  'sync': {
    name: 'sync',
    importPath: 'sync',
    asgi: false,
    formula: '2n+1',
    // The sync worker answers every request with `Connection: close`.
    keepsAlive: false,
    timeoutBoundsRequests: true,
    // `threads` > 1 silently turns sync into gthread: refused here, choose gthread instead.
    unreadSettings: [...GUNICORN_ASGI_HTTP2, ...CONCURRENT_ONLY, 'keepalive'],
  },
  'gthread': {
    name: 'gthread',
    importPath: 'gthread',
    asgi: false,
    formula: 'per-cpu',
    keepsAlive: true,
    // Requests run in the thread pool while the main loop keeps heart-beating: timeout does not bound them.
    timeoutBoundsRequests: false,
    unreadSettings: GUNICORN_ASGI_HTTP2,
  },
};

/** The worker classes by name, in the order the docs list them. */
export const WORKER_CLASS_NAMES = Object.keys(WORKER_CLASSES) as WorkerClassName[];

/** The worker class called `name`; throws KeelsonConfigError naming `workerClass` otherwise. */
export function workerClass(name: string): WorkerClass {
  const found = (WORKER_CLASSES as Record<string, WorkerClass | undefined>)[name];
  if (!found) {
    throw new KeelsonConfigError('workerClass', `is '${name}', which is not a worker class Keelson configures`,
      `choose one of ${WORKER_CLASS_NAMES.map((n) => `'${n}'`).join(', ')}`);
  }
  return found;
}

/**
 * Every setting name gunicorn 20.1 through 27 knows. gunicorn silently ignores any other name in a config file,
 * so a typo in an escape hatch would be a setting that does nothing: the model refuses it instead.
 */
export const GUNICORN_SETTINGS: readonly string[] = [
  'config', 'wsgi_app', 'bind', 'backlog', 'workers', 'worker_class', 'threads', 'worker_connections',
  'max_requests', 'max_requests_jitter', 'timeout', 'graceful_timeout', 'keepalive', 'limit_request_line',
  'limit_request_fields', 'limit_request_field_size', 'reload', 'reload_engine', 'reload_extra_files', 'spew',
  'check_config', 'print_config', 'preload_app', 'sendfile', 'reuse_port', 'chdir', 'daemon', 'raw_env', 'pidfile',
  'worker_tmp_dir', 'user', 'group', 'umask', 'initgroups', 'tmp_upload_dir', 'secure_scheme_headers',
  'forwarded_allow_ips', 'accesslog', 'disable_redirect_access_to_syslog', 'access_log_format', 'errorlog',
  'loglevel', 'capture_output', 'logger_class', 'logconfig', 'logconfig_dict', 'logconfig_json', 'syslog_addr',
  'syslog', 'syslog_prefix', 'syslog_facility', 'enable_stdio_inheritance', 'statsd_host', 'dogstatsd_tags',
  'statsd_prefix', 'enable_backlog_metric', 'proc_name', 'default_proc_name', 'pythonpath', 'paste', 'on_starting',
  'on_reload', 'when_ready', 'pre_fork', 'post_fork', 'post_worker_init', 'worker_int', 'worker_abort', 'pre_exec',
  'pre_request', 'post_request', 'child_exit', 'worker_exit', 'nworkers_changed', 'on_exit', 'ssl_context',
  'proxy_protocol', 'proxy_allow_ips', 'protocol', 'uwsgi_allow_ips', 'keyfile', 'certfile', 'ssl_version',
  'cert_reqs', 'ca_certs', 'suppress_ragged_eofs', 'do_handshake_on_connect', 'ciphers', 'http_protocols',
  'http2_cleartext', 'http2_max_concurrent_streams', 'http2_initial_window_size', 'http2_max_frame_size',
  'http2_max_header_list_size', 'raw_paste_global_conf', 'permit_obsolete_folding', 'strip_header_spaces',
  'permit_unconventional_http_method', 'permit_unconventional_http_version', 'casefold_http_method',
  'forwarder_headers', 'header_map', 'tolerate_dangerous_framing', 'asgi_loop', 'asgi_lifespan',
  'asgi_disconnect_grace_period', 'http_parser', 'root_path', 'dirty_apps', 'dirty_workers', 'dirty_timeout',
  'dirty_threads', 'dirty_graceful_timeout', 'on_dirty_starting', 'dirty_post_fork', 'dirty_worker_init',
  'dirty_worker_exit', 'control_socket', 'control_socket_mode', 'control_socket_disable',
];
