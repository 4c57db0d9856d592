import { ResourceLimits } from './resource-limits';
import { ServiceEndpoint } from './service-endpoint';

/** A pinned Python package, `name==version`. */
export interface PythonRequirement {
  readonly name: string;
  readonly version: string;
}

/**
 * The app server contract: what the Dockerfile, the proxy, compose and the policy need to know about the
 * process that serves the app, without importing the component that configures it.
 *
 * Wiring is explicit: pass the app server to the components that depend on it
 * (`new Dockerfile(project, { appServer })`, `new NginxConfig(project, { upstream: appServer })`).
 */
export interface IAppServer {
  /** The endpoint it binds and serves its health path on. */
  readonly endpoint: ServiceEndpoint;
  /** The Python module run with `python -m`, e.g. `gunicorn`. */
  readonly module: string;
  /** Its config file, relative to the project root and to the image's working directory, e.g. `gunicorn.conf.py`. */
  readonly configFile: string;
  /** Seconds it keeps an idle client (proxy) connection open; a proxy must close idle upstream connections sooner. */
  readonly keepAliveSeconds: number;
  /** Seconds a request may take before the worker is killed. */
  readonly timeoutSeconds: number;
  /** Seconds in-flight requests get to finish after SIGTERM. */
  readonly gracefulTimeoutSeconds: number;
  /**
   * The environment variable that sets, at start, the peers trusted to send X-Forwarded-* headers (`*`: every peer).
   * @default - none: the trusted peers are fixed in the config file
   */
  readonly forwardedAllowIpsVariable?: string;
  /** The packages the server needs installed, pinned. */
  readonly requirements: readonly PythonRequirement[];
  /** The arguments after `python -m <module>` that serve `appModule` with the config file. */
  command(appModule: string): string[];
  /**
   * The number of worker processes the server starts in a container with these limits, for budgets computed at
   * synth time (database connections, memory). Must agree with the server's own run-time sizing.
   */
  workersFor?(limits: ResourceLimits): number;
}

/**
 * The reverse proxy contract: what an app server needs to know about the proxy in front of it.
 */
export interface IReverseProxy {
  /** Seconds the proxy keeps an idle upstream connection before closing it. */
  readonly upstreamIdleTimeoutSeconds: number;
  /** Seconds the proxy waits for the upstream's response. */
  readonly upstreamReadTimeoutSeconds: number;
}
