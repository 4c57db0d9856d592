import { ResourceLimits } from '@keelson/core';
import { AppImageContext, appImageServiceProps } from './private/app-image';
import { ComposeService, IComposeFiles } from './compose-service';

/** Options of Celery beat. */
export interface CeleryBeatOptions {
  /**
   * Limits.
   * @default - 0.25 CPU, 256 MiB, 64 processes
   */
  readonly limits?: ResourceLimits;
}

/** Props of beat, as the Compose component wires it. */
export interface CeleryBeatProps extends CeleryBeatOptions {
  readonly context: AppImageContext;
  readonly celeryApp: string;
  readonly developmentNetworks: string[];
  readonly productionNetworks: string[];
}

/**
 * Celery beat, from the app's image. Its schedule file lives on a tmpfs of its own, the one path beat writes on the
 * read-only root; run one beat only (it is never scaled: two would send every periodic task twice).
 */
export class CeleryBeat extends ComposeService {
  /** The directory of beat's schedule file, a tmpfs. */
  public static readonly SCHEDULE_DIR = '/var/lib/celery-beat';

  public constructor(compose: IComposeFiles, props: CeleryBeatProps) {
    const base = appImageServiceProps(props.context, {
      developmentNetworks: props.developmentNetworks,
      productionNetworks: props.productionNetworks,
      limits: props.limits ?? new ResourceLimits({ cpus: 0.25, memoryMiB: 256, pids: 64 }),
    });
    super(compose, 'beat', {
      ...base,
      description: 'Celery beat: one instance only, or every periodic task is sent twice.',
      entrypoint: [...props.context.image.pythonModuleEntrypoint],
      command: ['celery', '-A', props.celeryApp, 'beat', '--loglevel=INFO', `--schedule=${CeleryBeat.SCHEDULE_DIR}/celerybeat-schedule`],
      tmpfs: [CeleryBeat.SCHEDULE_DIR],
      disableImageHealthCheck: true,
    });
    this.comment('healthcheck', 'Off: the image\'s check probes the app\'s HTTP port, which beat does not serve; beat answers no ping\n'
      + '(it is not a worker), so a hung beat shows in its log, not in its health.');
  }
}
