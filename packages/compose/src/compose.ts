import { existsSync } from 'fs';
import { join, posix } from 'path';
import {
  ComposeDocumentView, ComposeServiceRole, ComposeView, GeneratedFile, IAppServer, IContainerImage, KeelsonConfigError, ResourceLimits, locate,
  registerModel,
} from '@keelson/core';
import { Component, Project } from 'projen';
import { AppImageContext, checkCodePaths } from './private/app-image';
import { AppService } from './app-service';
import { CeleryBeat } from './celery-beat';
import { CeleryWorker } from './celery-worker';
import { COMPOSE_ENVIRONMENTS, ComposeEnvironment, ComposeFile, PerEnvironment } from './compose-file';
import { ComposeProps } from './compose-props';
import { renderComposeFile } from './compose-render';
import { IComposeFiles, ServiceSecret } from './compose-service';
import { checkComposeFile } from './compose-validate';
import { ComposeText, ComposeValue } from './compose-value';
import { MailpitService } from './mailpit-service';
import { MigrationJob } from './migration-job';
import { NginxService } from './nginx-service';
import { PasswordMode, PasswordSource, passwordSources, secretPath } from './password-source';
import { PostgresService } from './postgres-service';
import { ConnectionDemand, ConnectionUse, POSTGRES_RESERVED_CONNECTIONS, connectionDemand } from './postgres-sizing';
import { RedisService, redisUrl } from './redis-service';

/** The networks the files define. */
export const ComposeNetworks = {
  /**
   * PostgreSQL and Redis, and the services that use them; internal: nothing on it reaches outside, and no other
   * container reaches in. Not a firewall against the Docker host: the host reaches it through the network's bridge.
   */
  DATA: 'data',
  /** For the services that reach the outside world (mail, external APIs, managed databases). */
  EGRESS: 'egress',
  /** nginx and the app, in production: nginx is published, the app is reached through it. */
  EDGE: 'edge',
} as const;

/**
 * compose.yaml (development) and compose.prod.yaml (production) for a FastAPI service: the app from its image, and
 * optionally PostgreSQL, Redis, Mailpit, a Celery worker and beat from the same image, a one-shot migration job and
 * nginx. Every dependency that waits for health has a health check that works inside its image; data services are
 * private; limits and hardening are on every service; the app scales behind nginx.
 *
 * The two files are standalone (not an override pair): nothing of development (code mounts, loopback ports,
 * development passwords) can leak into production by a merge. Their models are `development` and `production`;
 * each service's model is `service.spec(environment)`.
 */
export class Compose extends Component implements IComposeFiles {
  public static readonly DEVELOPMENT_FILE = 'compose.yaml';
  public static readonly PRODUCTION_FILE = 'compose.prod.yaml';

  public readonly development: ComposeFile;
  public readonly production: ComposeFile;
  public readonly image: IContainerImage;
  public readonly appServer?: IAppServer;
  public readonly appModule: string;
  public readonly celeryApp: string;
  public readonly imageName: string;
  public readonly passwords: PasswordMode;
  public readonly app: AppService;
  public readonly postgres?: PostgresService;
  public readonly redis?: RedisService;
  public readonly mailpit?: MailpitService;
  public readonly worker?: CeleryWorker;
  public readonly beat?: CeleryBeat;
  public readonly migrations?: MigrationJob;
  public readonly nginx?: NginxService;
  /** What the database clients may open at once, when there is a PostgreSQL service. */
  public readonly connectionDemand?: ConnectionDemand;
  public readonly developmentFile: GeneratedFile;
  public readonly productionFile: GeneratedFile;

  public constructor(project: Project, props: ComposeProps) {
    super(project, 'Compose');
    this.image = props.image;
    this.appServer = props.appServer;
    this.appModule = props.appModule ?? 'app.main:app';
    this.celeryApp = props.celeryApp ?? 'app.tasks';
    this.imageName = props.imageName ?? imageNameFrom(project.name);
    this.passwords = props.passwords ?? 'variables';
    const secretsDirectory = props.secretsDirectory ?? 'secrets';
    this.checkProps(props, secretsDirectory);
    this.development = new ComposeFile('development', Compose.DEVELOPMENT_FILE);
    this.production = new ComposeFile('production', Compose.PRODUCTION_FILE);

    const hasData = props.postgres !== undefined || props.redis !== undefined;
    const developmentPublishesData = (props.postgres !== undefined && props.postgres.developmentPort !== false)
      || (props.redis !== undefined && props.redis.developmentPort !== false);
    this.defineNetworks(hasData, developmentPublishesData, props.nginx !== undefined);
    const { DATA, EGRESS, EDGE } = ComposeNetworks;
    const data = hasData ? [DATA] : [];

    const postgresPassword = passwordSources('POSTGRES_PASSWORD', 'the PostgreSQL password', this.passwords, secretsDirectory);
    const redisPassword = passwordSources('REDIS_PASSWORD', 'the Redis password', this.passwords, secretsDirectory);
    const broker = props.worker !== undefined || props.beat !== undefined;

    if (props.postgres) {
      this.postgres = new PostgresService(this, { ...props.postgres, password: postgresPassword, networks: [DATA] });
    }
    if (props.redis) {
      this.redis = new RedisService(this, { ...props.redis, password: redisPassword, broker, networks: [DATA] });
    }
    if (props.mailpit) this.mailpit = new MailpitService(this, { ...props.mailpit, networks: [EGRESS] });

    const context: AppImageContext = {
      image: this.image,
      imageName: this.imageName,
      environment: this.appEnvironment(props, postgresPassword, redisPassword, broker),
      productionSecrets: [this.postgres?.passwordSecret, this.redis?.passwordSecret].filter((s): s is ServiceSecret => s !== undefined),
      capabilityReasons: props.capabilityReasons,
      codePaths: props.app?.codePaths ?? ['app'],
    };
    locate(this, undefined, () => checkCodePaths(context.codePaths));

    const appLimits = props.app?.limits;
    if (props.migrations) {
      // A managed database outside the files is reached through the egress network.
      const networks = this.postgres ? [DATA] : [EGRESS];
      this.migrations = new MigrationJob(this, {
        ...props.migrations,
        limits: props.migrations.limits ?? appLimits ?? new ResourceLimits(),
        context,
        developmentNetworks: networks,
        productionNetworks: networks,
      });
      if (this.postgres) this.migrations.waitForHealthy(this.postgres);
    }

    this.app = new AppService(this, {
      ...props.app,
      context,
      appServer: props.appServer,
      appModule: this.appModule,
      developmentNetworks: [EGRESS, ...data],
      productionNetworks: [...(props.nginx ? [EDGE] : []), EGRESS, ...data],
    });
    if (props.worker) {
      this.worker = new CeleryWorker(this, {
        ...props.worker, context, celeryApp: this.celeryApp, developmentNetworks: [EGRESS, DATA], productionNetworks: [EGRESS, DATA],
      });
    }
    if (props.beat) {
      this.beat = new CeleryBeat(this, {
        ...props.beat,
        context,
        celeryApp: this.celeryApp,
        developmentNetworks: [DATA],
        productionNetworks: [DATA],
      });
    }
    if (props.nginx) this.nginx = new NginxService(this, { ...props.nginx, networks: [EDGE] });

    // Start order: data services healthy, then migrations completed, then the app and the worker; nginx last.
    for (const client of [this.app, this.worker, this.beat]) {
      if (!client) continue;
      if (this.postgres && client !== this.beat) client.waitForHealthy(this.postgres);
      if (this.redis) client.waitForHealthy(this.redis);
      if (this.migrations && client !== this.beat) client.waitForCompletion(this.migrations);
    }
    if (this.nginx) this.nginx.waitForHealthy(this.app);

    if (this.postgres) this.connectionDemand = this.checkConnectionBudget(props);
    if (this.passwords === 'files' && (this.postgres || this.redis)) project.addGitIgnore(`/${secretsDirectory}/`);
    for (const file of [this.development, this.production]) this.writeHeader(file);

    this.developmentFile = new GeneratedFile(this, Compose.DEVELOPMENT_FILE, () => renderComposeFile(this.development), {
      editHint: 'set the Compose props, or change compose.development (or service.spec(\'development\')) in .projenrc.ts',
    });
    this.productionFile = new GeneratedFile(this, Compose.PRODUCTION_FILE, () => renderComposeFile(this.production), {
      editHint: 'set the Compose props, or change compose.production (or service.spec(\'production\')) in .projenrc.ts',
    });
    this.node.addValidation({ validate: () => this.validateFiles() });
    // What will be written, after escape hatches, for whole-project readers (the hardening policy).
    const connectionsPerProcess = (props.database?.poolSize ?? 5) + (props.database?.maxOverflow ?? 10);
    registerModel(this, 'compose', () => this.resolvedView(connectionsPerProcess));
  }

  /** Both files as their models say now, what each service does, and who holds database connections. */
  private resolvedView(connectionsPerProcess: number): ComposeView {
    const roles: Record<string, ComposeServiceRole> = {};
    const add = (service: { name: string } | undefined, role: ComposeServiceRole) => { if (service) roles[service.name] = role; };
    add(this.app, 'app');
    add(this.postgres, 'database');
    add(this.redis, 'cache');
    add(this.mailpit, 'mail');
    add(this.worker, 'worker');
    add(this.beat, 'scheduler');
    add(this.migrations, 'migrations');
    add(this.nginx, 'reverse-proxy');
    return {
      files: COMPOSE_ENVIRONMENTS.map((environment) => {
        const file = this.file(environment);
        return { environment, path: file.path, document: file.document as unknown as ComposeDocumentView };
      }),
      roles,
      image: this.image,
      appServer: this.appServer,
      database: this.postgres ? {
        service: this.postgres.name,
        connectionsPerProcess,
        reservedConnections: POSTGRES_RESERVED_CONNECTIONS,
        clients: [
          { service: this.app.name, counting: 'app-server' as const, maxReplicas: this.app.maxReplicas },
          ...(this.worker ? [{ service: this.worker.name, counting: 'celery' as const }] : []),
          ...(this.migrations ? [{ service: this.migrations.name, counting: 'single' as const }] : []),
        ],
      } : undefined,
    };
  }

  /** The model of the file for `environment`. */
  public file(environment: ComposeEnvironment): ComposeFile {
    return environment === 'development' ? this.development : this.production;
  }

  private checkProps(props: ComposeProps, secretsDirectory: string): void {
    if ((props.worker || props.beat) && !props.redis) {
      throw new KeelsonConfigError(props.worker ? 'worker' : 'beat', 'is set without redis, its broker',
        'add redis: {} (the worker and beat use it as their Celery broker)').atConstruct(this);
    }
    if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(this.appModule)) {
      throw new KeelsonConfigError('appModule', `is '${this.appModule}', not 'module:attribute'`, "write it like 'app.main:app'")
        .atConstruct(this);
    }
    if (!/^[A-Za-z_][\w.]*$/.test(this.celeryApp)) {
      throw new KeelsonConfigError('celeryApp', `is '${this.celeryApp}', not a Python module path`, "write it like 'app.tasks'")
        .atConstruct(this);
    }
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(this.imageName)) {
      throw new KeelsonConfigError('imageName', `is '${this.imageName}', not an image repository name`,
        "use lower-case letters, digits and '.', '_' or '-' between them, e.g. 'my-service'").atConstruct(this);
    }
    if (!/^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)*$/.test(secretsDirectory)) {
      throw new KeelsonConfigError('secretsDirectory', `is '${secretsDirectory}', not a directory inside the project`,
        "give a relative directory such as 'secrets'").atConstruct(this);
    }
  }

  private defineNetworks(hasData: boolean, developmentPublishesData: boolean, hasNginx: boolean): void {
    const { DATA, EGRESS, EDGE } = ComposeNetworks;
    for (const file of [this.development, this.production]) {
      if (hasData) {
        // Docker publishes no port of a container created on an internal network (moby/moby#36174): when
        // development publishes PostgreSQL or Redis on loopback, its data network cannot be internal.
        const internal = file.environment === 'production' || !developmentPublishesData;
        file.addNetwork(DATA, internal ? { internal: true } : {});
        file.setComment(['networks', DATA], internal
          ? 'Internal: PostgreSQL and Redis reach nothing outside it and publish no port; of the other containers only the ones '
            + 'on it reach them (the Docker host itself still does, through the network\'s bridge).'
          : 'Not internal in development only: PostgreSQL and Redis are published on 127.0.0.1, which docker cannot do from an '
            + 'internal network (moby/moby#36174). Of the other containers only the ones on it reach them; compose.prod.yaml '
            + 'makes it internal.');
      }
      file.addNetwork(EGRESS, {});
      file.setComment(['networks', EGRESS], 'Routed: the app and the worker reach the outside world (mail, APIs, managed databases).');
      if (hasNginx && file.environment === 'production') {
        file.addNetwork(EDGE, {});
        file.setComment(['networks', EDGE], 'nginx and the app: nginx is published, every app replica is reached through it.');
      }
    }
  }

  /** The variables every role of the app image gets. */
  private appEnvironment(props: ComposeProps, postgres: PasswordPair, redis: PasswordPair, broker: boolean)
    : Record<string, PerEnvironment<ComposeText | undefined>> {
    const environment: Record<string, PerEnvironment<ComposeText | undefined>> = {};
    const both = <T>(f: (env: ComposeEnvironment) => T): PerEnvironment<T> => ({ development: f('development'), production: f('production') });
    if (props.postgres) {
      const scheme = props.database?.urlScheme ?? 'postgresql';
      const user = props.postgres.user ?? 'app';
      const database = props.postgres.database ?? 'app';
      const where = `@postgres:${PostgresService.PORT}/${database}`;
      environment.DATABASE_URL = both((env) => {
        const source = postgres[env];
        return source.kind === 'variable' ? ComposeValue.concat(`${scheme}://${user}:`, source.value, where) : `${scheme}://${user}${where}`;
      });
      if (postgres.production.kind === 'file') {
        environment.DATABASE_PASSWORD_FILE = both((env) => (postgres[env].kind === 'file' ? secretPath((postgres[env] as FileSource).secret) : undefined));
      }
    }
    if (props.redis) {
      environment.REDIS_URL = both((env) => redisUrl(redis[env], 0));
      if (broker) {
        environment.CELERY_BROKER_URL = both((env) => redisUrl(redis[env], 0));
        environment.CELERY_RESULT_BACKEND = both((env) => redisUrl(redis[env], 1));
      }
      if (redis.production.kind === 'file') {
        environment.REDIS_PASSWORD_FILE = both((env) => (redis[env].kind === 'file' ? secretPath((redis[env] as FileSource).secret) : undefined));
      }
    }
    if (props.mailpit) {
      environment.SMTP_HOST = { development: 'mailpit', production: undefined };
      environment.SMTP_PORT = { development: String(MailpitService.SMTP_PORT), production: undefined };
    }
    for (const [name, value] of Object.entries(props.environment ?? {})) environment[name] = value;
    return environment;
  }

  private checkConnectionBudget(props: ComposeProps): ConnectionDemand {
    const perProcess = (props.database?.poolSize ?? 5) + (props.database?.maxOverflow ?? 10);
    for (const [option, value] of [['database.poolSize', props.database?.poolSize], ['database.maxOverflow', props.database?.maxOverflow]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw new KeelsonConfigError(option, `must be a whole number from 0, got ${value}`, "give SQLAlchemy's setting, e.g. 5").atConstruct(this);
      }
    }
    const replicas = this.app.maxReplicas;
    const uses: ConnectionUse[] = [{
      service: 'app',
      processes: replicas * this.app.workers,
      perProcess,
      processesDetail: `${replicas} replica${replicas === 1 ? '' : 's'}${replicas !== this.app.replicas ? ' (maxReplicas)' : ''} `
        + `x ${this.app.workers} worker${this.app.workers === 1 ? '' : 's'}`,
    }];
    if (this.worker) {
      uses.push({ service: 'worker', processes: this.worker.concurrency, perProcess, processesDetail: `${this.worker.concurrency} process${this.worker.concurrency === 1 ? '' : 'es'}` });
    }
    if (this.migrations) uses.push({ service: 'migrate', processes: 1, perProcess: 1, processesDetail: '1 process' });
    const demand = connectionDemand(uses);
    const budget = this.postgres!.sizing.maxConnections;
    if (demand.total > budget) {
      throw new KeelsonConfigError('postgres.maxConnections', `is ${budget}, below the ${demand.total} connections the services may open `
        + `(${demand.arithmetic})`, `raise postgres.maxConnections to ${demand.total} or more (and its memory with it), or lower `
        + 'app.maxReplicas, app.replicas, the app workers, worker.concurrency or database.poolSize/maxOverflow').atConstruct(this);
    }
    this.postgres!.comment('environment', `Connection budget ${budget} >= what the clients may open: ${demand.arithmetic}.`);
    return demand;
  }

  private writeHeader(file: ComposeFile): void {
    if (file.environment === 'development') {
      file.header.push(
        'Development: docker compose up (or: docker-compose -f compose.yaml up).',
        `Code is mounted read-only and the server reloads on change; ports are published on 127.0.0.1 only.`,
        'Passwords default to development-only values; compose.prod.yaml requires real ones.',
      );
    } else {
      file.header.push(
        this.postgres
          ? `Production: docker compose -f compose.prod.yaml up -d; scale the app with --scale app=N, N up to ${this.app.maxReplicas}:\n`
            + `PostgreSQL's connection budget counts ${this.app.maxReplicas} app container${this.app.maxReplicas === 1 ? '' : 's'} (app.maxReplicas).`
          : 'Production: docker compose -f compose.prod.yaml up -d; scale the app with --scale app=N.',
        this.nginx ? 'nginx is the only published service.' : 'No service is published (there is no nginx).',
        'A standalone file, not an override of compose.yaml: nothing of development leaks into it.',
      );
    }
  }

  private validateFiles(): string[] {
    const outdir = this.project.outdir;
    const context = {
      fileExists: (path: string) => existsSync(join(outdir, path)) || this.project.tryFindFile(posix.normalize(path)) !== undefined,
    };
    const errors = COMPOSE_ENVIRONMENTS.flatMap((env) => checkComposeFile(this.file(env), context));
    if (this.migrations && this.migrations.command[0] === 'alembic' && !context.fileExists('alembic.ini')) {
      errors.push(`the migration job runs 'alembic ${this.migrations.command.slice(1).join(' ')}', which reads alembic.ini from `
        + `${this.image.workdir}, but the project has no alembic.ini. Fix: create it (alembic init) and copy it into the image, `
        + 'or give migrations.command');
    }
    return errors;
  }
}

type PasswordPair = { development: PasswordSource; production: PasswordSource };
type FileSource = Extract<PasswordSource, { kind: 'file' }>;

/** An image repository name from a project name. */
function imageNameFrom(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'app';
}

