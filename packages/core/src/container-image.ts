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

/** When a health check runs and how long it may take; every field optional, with the defaults of `withTiming`. */
export interface HealthCheckTiming {
  /**
   * Seconds between probes.
   * @default 30
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds one probe may take.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Seconds after start during which failures do not count.
   * @default 30
   */
  readonly startPeriodSeconds?: number;
  /**
   * Consecutive failures that make the container unhealthy.
   * @default 3
   */
  readonly retries?: number;
}

/** A health check running `command` with `timing`, each unset field from `defaults` (30 s, 5 s, 30 s, 3). */
export function withTiming(command: readonly string[], timing: HealthCheckTiming = {}, defaults: HealthCheckTiming = {}): HealthCheck {
  return {
    command,
    intervalSeconds: timing.intervalSeconds ?? defaults.intervalSeconds ?? 30,
    timeoutSeconds: timing.timeoutSeconds ?? defaults.timeoutSeconds ?? 5,
    startPeriodSeconds: timing.startPeriodSeconds ?? defaults.startPeriodSeconds ?? 30,
    retries: timing.retries ?? defaults.retries ?? 3,
  };
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
