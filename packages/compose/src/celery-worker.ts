import {
  CELERY_PING_TIMEOUT_SECONDS, HealthCheck, HealthCheckTiming, IContainerImage, KeelsonConfigError, ResourceLimits, celeryPingCommand, locate,
  withTiming,
} from '@keelson/core';
import { AppImageContext, appImageServiceProps } from './private/app-image';
import { ComposeService, IComposeFiles } from './compose-service';

/** Options of the Celery worker. */
export interface CeleryWorkerOptions {
  /**
   * Limits of the worker container; the concurrency derives from them.
   * @default - 1 CPU, 512 MiB, 256 processes
   */
  readonly limits?: ResourceLimits;
  /**
   * The memory one worker process needs (the parent and each prefork child import the whole app). Measure yours
   * with `docker stats` under load.
   * @default 128
   */
  readonly memoryPerProcessMiB?: number;
  /**
   * Prefork children, when you know better than the limits.
   * @default - one per whole CPU of the limit (Celery's own rule, counted from the container's limit instead of
   * the host's CPUs), at most what the memory limit holds beside the parent process
   */
  readonly concurrency?: number;
  /**
   * Seconds a warm shutdown gets to finish the running tasks before SIGKILL.
   * @default 60
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Timing of the worker's health check, a Celery ping addressed to this container's worker only (see
   * `celeryPingCommand`); `false` turns health checking off for the worker (the image's HTTP check does not apply).
   * @default - every 30 s, 20 s timeout (the app's import and the broker round trip, then up to 5 s for the reply),
   * 30 s start period, 3 retries
   */
  readonly healthCheck?: HealthCheckTiming | false;
}

/** Props of the worker, as the Compose component wires it. */
export interface CeleryWorkerProps extends CeleryWorkerOptions {
  readonly context: AppImageContext;
  /** The Celery app, `-A` of the celery command, e.g. `app.tasks`. */
  readonly celeryApp: string;
  readonly developmentNetworks: string[];
  readonly productionNetworks: string[];
}

/** How the worker's concurrency was derived. */
export interface CeleryConcurrency {
  readonly concurrency: number;
  /** Children the CPU limit allows: one per whole CPU, at least one. */
  readonly byCpu: number;
  /** Children the memory limit holds beside the parent: floor(memory / per-process) - 1. */
  readonly byMemory: number;
  /** The smallest memory limit that runs one child beside the parent, MiB. */
  readonly minimumMemoryMiB: number;
}

/** The worker's health check (core's `celeryPingCommand`) for `timing`; checks that the timeout leaves room for the ping's wait. */
function workerHealthCheck(image: IContainerImage, celeryApp: string, timing: HealthCheckTiming): HealthCheck {
  const command = celeryPingCommand(image, celeryApp);
  if (!command) {
    throw new KeelsonConfigError('image.pythonModuleEntrypoint', `is ${JSON.stringify(image.pythonModuleEntrypoint)}, not '<python> -m'`,
      "set worker.healthCheck: false and give the worker a check of your own (worker.spec(...).healthcheck), or use an image whose pythonModuleEntrypoint ends with '-m'");
  }
  const check = withTiming(command, timing, { timeoutSeconds: 20 });
  if (!(check.timeoutSeconds > CELERY_PING_TIMEOUT_SECONDS)) {
    throw new KeelsonConfigError('worker.healthCheck.timeoutSeconds', `is ${check.timeoutSeconds} s, not longer than the ping's own `
      + `${CELERY_PING_TIMEOUT_SECONDS} s wait for the reply`, 'give 15 s or more (the probe also imports the app and reaches the broker)');
  }
  return check;
}

/** The prefork concurrency for `limits`. */
export function celeryConcurrency(limits: ResourceLimits, memoryPerProcessMiB: number): CeleryConcurrency {
  const byCpu = Math.max(1, Math.floor(limits.cpus));
  const byMemory = Math.floor(limits.memoryMiB / memoryPerProcessMiB) - 1;
  return { concurrency: Math.min(byCpu, byMemory), byCpu, byMemory, minimumMemoryMiB: 2 * memoryPerProcessMiB };
}

/**
 * The Celery worker, from the app's image: its own entrypoint (the image's Python, `-m celery`) whatever the
 * image's entrypoint is, prefork concurrency derived from its limits.
 */
export class CeleryWorker extends ComposeService {
  public readonly concurrency: number;

  public constructor(compose: IComposeFiles, props: CeleryWorkerProps) {
    const limits = props.limits ?? new ResourceLimits();
    const perProcess = props.memoryPerProcessMiB ?? 128;
    if (!Number.isInteger(perProcess) || perProcess < 16) {
      throw new KeelsonConfigError('worker.memoryPerProcessMiB', `must be a whole number of MiB from 16, got ${perProcess}`,
        'measure a worker process with docker stats and give its memory, e.g. 128').atConstruct(compose);
    }
    const derived = celeryConcurrency(limits, perProcess);
    if (derived.byMemory < 1) {
      throw new KeelsonConfigError('worker.limits.memoryMiB', `is ${limits.memoryMiB} MiB, below the worker's minimum of `
        + `${derived.minimumMemoryMiB} MiB (the parent and one child at memoryPerProcessMiB ${perProcess})`,
      `give the worker ${derived.minimumMemoryMiB} MiB or more, or lower memoryPerProcessMiB`).atConstruct(compose);
    }
    const concurrency = props.concurrency ?? derived.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new KeelsonConfigError('worker.concurrency', `must be a whole number from 1, got ${concurrency}`,
        'leave it out to derive it from the limits').atConstruct(compose);
    }
    if (concurrency > derived.byMemory) {
      throw new KeelsonConfigError('worker.concurrency', `is ${concurrency}, more children than the ${limits.memoryMiB} MiB limit holds `
        + `(${derived.byMemory} beside the parent at ${perProcess} MiB each)`,
      `raise worker.limits.memoryMiB to ${(concurrency + 1) * perProcess} or more, or lower the concurrency`).atConstruct(compose);
    }
    const python = [...props.context.image.pythonModuleEntrypoint];
    const healthCheck = props.healthCheck === false ? undefined
      : locate(compose, undefined, () => workerHealthCheck(props.context.image, props.celeryApp, props.healthCheck || {}));
    const command = ['celery', '-A', props.celeryApp, 'worker', '--loglevel=INFO', `--concurrency=${concurrency}`];
    const base = appImageServiceProps(props.context, {
      developmentNetworks: props.developmentNetworks,
      productionNetworks: props.productionNetworks,
      limits,
    });
    super(compose, 'worker', {
      ...base,
      description: 'The Celery worker: the app image, its own command.',
      entrypoint: python,
      command,
      stopGracePeriodSeconds: props.stopGracePeriodSeconds ?? 60,
      healthCheck,
      disableImageHealthCheck: props.healthCheck === false,
    });
    this.concurrency = concurrency;
    this.comment('command', props.concurrency !== undefined
      ? `--concurrency=${concurrency}, as configured (the ${limits.memoryMiB} MiB limit holds ${derived.byMemory} beside the parent).`
      : `--concurrency=${concurrency} = min(one per whole CPU of ${limits.cpus} = ${derived.byCpu}, `
        + `${limits.memoryMiB} MiB / ${perProcess} MiB per process - 1 for the parent = ${derived.byMemory}).`);
    this.comment('healthcheck', healthCheck
      ? 'Pings this container\'s worker (celery@<host name>) through the broker, in the image\'s Python (no shell).'
      : 'Off, as configured: the image\'s HTTP check probes a server the worker does not run.');
  }
}
