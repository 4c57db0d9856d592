import { IAppServer, IContainerImage } from '@keelson/core';
import { AppServiceOptions } from './app-service';
import { CeleryBeatOptions } from './celery-beat';
import { CeleryWorkerOptions } from './celery-worker';
import { PerEnvironment } from './compose-file';
import { ComposeText } from './compose-value';
import { MailpitOptions } from './mailpit-service';
import { MigrationOptions } from './migration-job';
import { NginxServiceOptions } from './nginx-service';
import { PasswordMode } from './password-source';
import { PostgresOptions } from './postgres-service';
import { RedisOptions } from './redis-service';

/** How the app's processes use the database. */
export interface DatabaseClientOptions {
  /**
   * Connections each process keeps in its pool (SQLAlchemy's `pool_size`).
   * @default 5
   */
  readonly poolSize?: number;
  /**
   * Connections each process may open beyond its pool (SQLAlchemy's `max_overflow`).
   * @default 10
   */
  readonly maxOverflow?: number;
  /**
   * The scheme of DATABASE_URL, e.g. `postgresql+psycopg` or `postgresql+asyncpg`.
   * @default 'postgresql'
   */
  readonly urlScheme?: string;
}

/** Props of the Compose component. Every service besides the app is optional: give its options to have it. */
export interface ComposeProps {
  /** The app's image: the Dockerfile component implements it. Every role (app, worker, beat, migrations) runs it. */
  readonly image: IContainerImage;
  /**
   * The app server (e.g. `GunicornConfig`): its command, graceful timeout and worker count.
   * @default - the image's own command, gunicorn's defaults
   */
  readonly appServer?: IAppServer;
  /**
   * The ASGI application, `module:attribute`.
   * @default 'app.main:app'
   */
  readonly appModule?: string;
  /**
   * The repository of the locally built image: the files use `${APP_IMAGE:-<imageName>:local}`.
   * @default - the project name
   */
  readonly imageName?: string;
  /**
   * The Celery app (`celery -A`) of the worker and beat.
   * @default 'app.tasks'
   */
  readonly celeryApp?: string;
  /**
   * Variables for every role of the app image; a value may differ between the files, e.g.
   * `SECRET_KEY: { development: 'dev', production: ComposeValue.required('SECRET_KEY', 'set SECRET_KEY') }`.
   * Plain strings are literals (a `$` reaches the container as `$`).
   * @default - none beyond the URLs Keelson wires
   */
  readonly environment?: Record<string, PerEnvironment<ComposeText | undefined>>;
  /**
   * Why each capability the image's security profile adds back is needed.
   * @default - none (the profile must add none)
   */
  readonly capabilityReasons?: Record<string, string>;
  /**
   * Where the production passwords come from: `variables` (POSTGRES_PASSWORD, REDIS_PASSWORD, required: `up`
   * stops while one is unset or empty) or `files` (compose secrets under `secretsDirectory`, read by the
   * containers through `*_FILE` variables; never committed).
   * @default 'variables'
   */
  readonly passwords?: PasswordMode;
  /**
   * The project directory of the password files, with `passwords: 'files'`; added to .gitignore.
   * @default 'secrets'
   */
  readonly secretsDirectory?: string;
  /**
   * How the app's processes use the database: the connection budget counts their pools.
   * @default - pool 5, overflow 10, scheme postgresql
   */
  readonly database?: DatabaseClientOptions;
  /**
   * The app service.
   * @default - 1 replica, 1 CPU, 512 MiB, uvicorn reloading in development
   */
  readonly app?: AppServiceOptions;
  /**
   * PostgreSQL.
   * @default - no PostgreSQL service
   */
  readonly postgres?: PostgresOptions;
  /**
   * Redis.
   * @default - no Redis service
   */
  readonly redis?: RedisOptions;
  /**
   * Mailpit, in development only.
   * @default - no mail catcher
   */
  readonly mailpit?: MailpitOptions;
  /**
   * A Celery worker (needs `redis`, its broker).
   * @default - no worker
   */
  readonly worker?: CeleryWorkerOptions;
  /**
   * Celery beat (needs `redis`).
   * @default - no beat
   */
  readonly beat?: CeleryBeatOptions;
  /**
   * A one-shot migration job the app and the worker wait for.
   * @default - no migrations
   */
  readonly migrations?: MigrationOptions;
  /**
   * nginx in front of the app, in production only.
   * @default - no nginx: the production app is published nowhere
   */
  readonly nginx?: NginxServiceOptions;
}
