import { ResourceLimits } from '@keelson/core';
import { AppImageContext, appImageServiceProps } from './private/app-image';
import { ComposeService, IComposeFiles } from './compose-service';

/** Options of the migration job. */
export interface MigrationOptions {
  /**
   * The command, run as a Python module of the image (`python -m alembic upgrade head`); alembic reads
   * alembic.ini from the image's working directory.
   * @default ['alembic', 'upgrade', 'head']
   */
  readonly command?: string[];
  /**
   * Limits.
   * @default - the app's limits
   */
  readonly limits?: ResourceLimits;
}

/** Props of the migration job, as the Compose component wires it. */
export interface MigrationJobProps extends MigrationOptions {
  readonly context: AppImageContext;
  readonly limits: ResourceLimits;
  readonly developmentNetworks: string[];
  readonly productionNetworks: string[];
}

/**
 * The database migrations, once per `up`: a one-shot job from the app's image that starts when PostgreSQL is
 * healthy and that the app and the worker wait for until it has exited with status 0.
 */
export class MigrationJob extends ComposeService {
  declare public readonly oneShot: true;
  public readonly command: string[];

  public constructor(compose: IComposeFiles, props: MigrationJobProps) {
    const command = props.command ?? ['alembic', 'upgrade', 'head'];
    const base = appImageServiceProps(props.context, {
      developmentNetworks: props.developmentNetworks,
      productionNetworks: props.productionNetworks,
      limits: props.limits,
    });
    super(compose, 'migrate', {
      ...base,
      description: 'Migrations: run once after PostgreSQL is healthy; the app and the worker start when they have succeeded.',
      entrypoint: [...props.context.image.pythonModuleEntrypoint],
      command,
      oneShot: true,
      disableImageHealthCheck: true,
    });
    this.comment('healthcheck', 'Off: the image\'s check probes the app\'s HTTP port, which the job does not serve; its exit status says it all.');
    this.command = command;
  }
}
