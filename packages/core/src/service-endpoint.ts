import { KeelsonConfigError } from './errors';

/** Where the service listens and where it says it is healthy. */
export interface ServiceEndpointProps {
  /**
   * The TCP port the app server binds inside the container.
   * @default 8000
   */
  readonly port?: number;
  /**
   * The HTTP path that answers 2xx when the service is ready.
   * @default '/health'
   */
  readonly healthPath?: string;
}

/**
 * The one fact every file shares: the port gunicorn binds, the Dockerfile exposes and health-checks, compose
 * publishes and nginx proxies to, and the path they probe.
 */
export class ServiceEndpoint {
  public static readonly DEFAULT_PORT = 8000;
  public static readonly DEFAULT_HEALTH_PATH = '/health';

  public readonly port: number;
  public readonly healthPath: string;

  public constructor(props: ServiceEndpointProps = {}) {
    const port = props.port ?? ServiceEndpoint.DEFAULT_PORT;
    const healthPath = props.healthPath ?? ServiceEndpoint.DEFAULT_HEALTH_PATH;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new KeelsonConfigError('port', `must be an integer from 1 to 65535, got ${port}`,
        'choose an unprivileged port such as 8000');
    }
    if (port < 1024) {
      throw new KeelsonConfigError('port', `is ${port}, a privileged port a non-root server cannot bind without extra capabilities`,
        'bind a port from 1024 up (8000 is conventional) and let the proxy or the port mapping expose 80/443');
    }
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(healthPath)) {
      throw new KeelsonConfigError('healthPath', `must be an absolute URL path without spaces, query or quotes, got '${healthPath}'`,
        "write it like '/health'");
    }
    this.port = port;
    this.healthPath = healthPath;
  }

  /** The URL a probe inside the container uses. */
  public localUrl(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${this.healthPath}`;
  }
}
