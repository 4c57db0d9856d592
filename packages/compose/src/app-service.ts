import { posix } from 'path';
import { HealthCheck, IAppServer, KeelsonConfigError, ResourceLimits } from '@keelson/core';
import { AppImageContext, appImageServiceProps } from './private/app-image';
import { ComposeService, IComposeFiles, ServiceEnvironmentProps } from './compose-service';
import { ComposeText } from './compose-value';

/** How the app runs in development. */
export type DevelopmentServer = 'uvicorn' | 'app-server';

/** Options of the app service. */
export interface AppServiceOptions {
  /**
   * Limits of one app container.
   * @default - 1 CPU, 512 MiB, 256 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * Containers compose.prod.yaml starts (`deploy.replicas`). `--scale app=N` starts more: nothing pins a container
   * name or a host port.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The most containers `--scale app=N` may start: the PostgreSQL connection budget counts this many, and the file's
   * header states it. A scale beyond it may exhaust max_connections.
   * @default - `replicas`
   */
  readonly maxReplicas?: number;
  /**
   * Worker processes per container. The connection budget counts them, and compose pins them with WEB_CONCURRENCY
   * (gunicorn, GunicornConfig and uvicorn take it as their worker count), so the count checked is the count run.
   * @default - the app server's `workersFor(limits)` when it has one (not pinned: the server sizes itself the same
   * way); one per whole CPU of the limit, at least 2, pinned, for an app server that does not say; 1 (gunicorn's
   * default, not pinned) without an app server
   */
  readonly workers?: number;
  /**
   * The loopback port compose.yaml publishes the app on.
   * @default - the endpoint's port
   */
  readonly developmentPort?: number;
  /**
   * The server in development, reloading on every code change: `uvicorn` (`uvicorn --reload`, one process, works
   * whatever the app server's config says), or `app-server` (the app server's own command plus `--reload`).
   * @default 'uvicorn'
   */
  readonly developmentServer?: DevelopmentServer;
  /**
   * Project paths mounted read-only into the image's working directory in development, so that the server
   * reloads on a change without a rebuild.
   * @default ['app']
   */
  readonly codePaths?: string[];
}

/** Props of the app service, as the Compose component wires it. */
export interface AppServiceProps extends AppServiceOptions {
  readonly context: AppImageContext;
  readonly appServer?: IAppServer;
  /** The ASGI application, `module:attribute`. */
  readonly appModule: string;
  readonly developmentNetworks: string[];
  readonly productionNetworks: string[];
}

/**
 * The FastAPI app from its image: health-checked with the image's own probe, published on loopback in development
 * with the code mounted and the server reloading, unpublished in production where nginx reaches every replica.
 */
export class AppService extends ComposeService {
  declare public readonly healthCheck: HealthCheck;
  /** Worker processes per container. */
  public readonly workers: number;
  /** Containers compose.prod.yaml starts. */
  public readonly replicas: number;
  /** The most containers the connection budget counts (`--scale app=N` up to it). */
  public readonly maxReplicas: number;

  public constructor(compose: IComposeFiles, props: AppServiceProps) {
    const { image } = props.context;
    const limits = props.limits ?? new ResourceLimits();
    const replicas = props.replicas ?? 1;
    const fromServer = props.workers === undefined ? props.appServer?.workersFor?.(limits) : undefined;
    const workers = props.workers ?? fromServer ?? (props.appServer ? Math.max(2, Math.floor(limits.cpus)) : 1);
    // Pinned unless the app server sizes itself the way it told us, or gunicorn runs its default of 1.
    const pinned = fromServer === undefined && (props.workers !== undefined || props.appServer !== undefined);
    const port = image.endpoint.port;
    const developmentServer = props.developmentServer ?? 'uvicorn';
    const python = [...image.pythonModuleEntrypoint];
    let development: ServiceEnvironmentProps;
    if (developmentServer === 'uvicorn') {
      development = {
        entrypoint: [...python, 'uvicorn'],
        command: [props.appModule, '--host', '0.0.0.0', '--port', String(port), '--reload',
          ...props.context.codePaths.flatMap((p) => ['--reload-dir', posix.join(image.workdir, p)])],
      };
    } else {
      if (!props.appServer) {
        throw new KeelsonConfigError('app.developmentServer', "is 'app-server', but no app server was given",
          "pass appServer to Compose, or use 'uvicorn'").atConstruct(compose);
      }
      development = { entrypoint: [...python, props.appServer.module], command: [...props.appServer.command(props.appModule), '--reload'] };
    }
    development = {
      ...development,
      ports: [{ target: port, published: props.developmentPort ?? port, hostIp: '127.0.0.1' }],
    };
    const production: ServiceEnvironmentProps = props.appServer
      ? { entrypoint: [...python, props.appServer.module], command: props.appServer.command(props.appModule), ports: [], replicas }
      : { ports: [], replicas };
    const environment: Record<string, ComposeText> = pinned ? { WEB_CONCURRENCY: String(workers) } : {};
    const base = appImageServiceProps(props.context, {
      developmentNetworks: props.developmentNetworks,
      productionNetworks: props.productionNetworks,
      limits,
      development,
      production,
    });
    super(compose, 'app', {
      ...base,
      description: `The app: ${props.appModule}, health-checked with the image's own probe of ${image.endpoint.healthPath}.`,
      environment: { ...base.environment, ...environment },
      healthCheck: image.healthCheck,
      // The app server's graceful timeout for in-flight requests, plus time to exit.
      stopGracePeriodSeconds: (props.appServer?.gracefulTimeoutSeconds ?? 30) + 5,
    });
    this.workers = workers;
    this.replicas = replicas;
    this.maxReplicas = props.maxReplicas ?? replicas;
    if (!Number.isInteger(this.maxReplicas) || this.maxReplicas < replicas) {
      throw new KeelsonConfigError('app.maxReplicas', `is ${this.maxReplicas}, not a whole number from replicas (${replicas})`,
        `give the largest N you will run with --scale app=N, ${replicas} or more`).atConstruct(compose);
    }
    if (!Number.isInteger(workers) || workers < 1) {
      throw new KeelsonConfigError('app.workers', `must be a whole number from 1, got ${workers}`, 'give the worker count, e.g. 2')
        .atConstruct(compose);
    }
    if (props.appServer && props.appServer.endpoint.port !== port) {
      throw new KeelsonConfigError('appServer', `binds port ${props.appServer.endpoint.port}, but the image serves and probes ${port}`,
        'give the Dockerfile and the app server the same ServiceEndpoint').atConstruct(compose);
    }
    if (pinned) {
      this.comment('environment', props.workers !== undefined
        ? `WEB_CONCURRENCY=${workers}: the app's worker count, pinned so that the connection budget counts what runs.`
        : `WEB_CONCURRENCY=${workers} (one per whole CPU of ${limits.cpus}, at least 2): the app server does not say how many `
          + 'workers it runs for these limits (no workersFor), so compose pins the count the connection budget counts.');
    }
    this.comment('stop_grace_period', `The app server's graceful timeout (${props.appServer?.gracefulTimeoutSeconds ?? 30} s${props.appServer ? '' : ', gunicorn\'s default'}) `
      + 'for in-flight requests, plus 5 s to exit, before SIGKILL.');
  }
}
