import { SecurityProfile } from './security-profile';
import { ServiceEndpoint } from './service-endpoint';

/** A container health check, in the form compose and Kubernetes probes take. */
export interface HealthCheck {
  /** Exec-form command; exit 0 means healthy. */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly startPeriodSeconds: number;
  readonly retries: number;
}

/**
 * The image contract: how to build the service's image and what it contains, for compose, Kubernetes and the
 * policy, without importing the Dockerfile component.
 */
export interface IContainerImage {
  /** The Dockerfile, relative to the project root. */
  readonly dockerfile: string;
  /** The build context, relative to the project root. */
  readonly context: string;
  /** The stage to build. */
  readonly target: string;
  /** Build arguments the Dockerfile declares, with their defaults (e.g. base images). */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The port and health path the image serves. */
  readonly endpoint: ServiceEndpoint;
  /** Who the image runs as and what it needs writable. */
  readonly security: SecurityProfile;
  /** The image's own health check. */
  readonly healthCheck: HealthCheck;
  /** The entrypoint that runs a Python module of the image (`[...python, '-m']`): any role runs through it. */
  readonly pythonModuleEntrypoint: readonly string[];
  /** The working directory the code lives in. */
  readonly workdir: string;
}
