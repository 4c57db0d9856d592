import { existsSync } from 'fs';
import { join } from 'path';
import {
  GeneratedFile, HealthCheck, HealthCheckTiming, IAppServer, IContainerImage, ImageReference, KeelsonConfigError, SecurityProfile, ServiceEndpoint, locate,
  registerModel, withTiming,
} from '@keelson/core';
import { Component, Project } from 'projen';
import { DockerfileModel, DockerfileStage, execForm } from './dockerfile-model';
import { renderDockerfile } from './dockerfile-render';
import { RuntimeFlavour, RuntimeFlavourName, pythonVersionFor, runtimeFlavour } from './runtime-flavour';
import { ServerRequirements, ServerRequirementsProps } from './server-requirements';

/** OCI `org.opencontainers.image.*` labels. */
export interface ImageLabels {
  /**
   * `org.opencontainers.image.title`.
   * @default - the project name
   */
  readonly title?: string;
  /**
   * `org.opencontainers.image.description`.
   * @default - none
   */
  readonly description?: string;
  /**
   * `org.opencontainers.image.source`, the repository URL.
   * @default - none
   */
  readonly source?: string;
  /**
   * `org.opencontainers.image.licenses`, an SPDX expression.
   * @default - none
   */
  readonly licenses?: string;
}

/** Timing of the image's HEALTHCHECK: core's type, exported here too for the code that imports it from here. */
export type { HealthCheckTiming } from '@keelson/core';

/** Props of the Dockerfile component. */
export interface DockerfileProps {
  /**
   * The runtime flavour: `slim` (official python slim, Debian bookworm), `distroless`
   * (gcr.io/distroless/python3-debian12) or `chainguard` (cgr.dev/chainguard/python).
   * @default 'slim'
   */
  readonly flavour?: RuntimeFlavourName;
  /**
   * The Python minor version, e.g. `3.12`. Must be one the flavour ships.
   * @default - the flavour's default: '3.12' (slim), '3.11' (distroless), 'latest' (chainguard)
   */
  readonly pythonVersion?: string;
  /**
   * The builder image, `repository:tag`. It must have the flavour's interpreter at the same path as the runtime.
   * @default - the flavour's pinned builder image
   */
  readonly builderImage?: string;
  /**
   * The runtime image, `repository:tag`.
   * @default - the flavour's pinned runtime image
   */
  readonly runtimeImage?: string;
  /**
   * The builder image's digest, `sha256:...`.
   * @default - none: the tag alone
   */
  readonly builderImageDigest?: string;
  /**
   * The runtime image's digest, `sha256:...`.
   * @default - none: the tag alone
   */
  readonly runtimeImageDigest?: string;
  /**
   * The port and health path of the service.
   * @default - port 8000, health path /health
   */
  readonly endpoint?: ServiceEndpoint;
  /**
   * Who the server runs as and what it may write.
   * @default - uid and gid 65532, read-only root, /tmp writable
   */
  readonly security?: SecurityProfile;
  /**
   * The ASGI application, `module:attribute`.
   * @default 'app.main:app'
   */
  readonly appModule?: string;
  /**
   * Paths of the build context copied into the image's working directory, read-only for the server.
   * @default ['app']
   */
  readonly appPaths?: string[];
  /**
   * The user's requirements file, installed before the code is copied.
   * @default 'requirements.txt'
   */
  readonly requirementsFile?: string;
  /**
   * The app server component (e.g. `GunicornConfig`): the image copies its config file, runs its command and
   * installs its pinned requirements. Its endpoint is the image's endpoint.
   * @default - gunicorn with the uvicorn worker and gunicorn's own defaults, from `serverRequirements`
   */
  readonly appServer?: IAppServer;
  /**
   * The server packages the entrypoint needs, written to `requirements-server.txt`. Only without `appServer`.
   * @default - gunicorn 27.0.1 and uvicorn-worker 0.4.0
   */
  readonly serverRequirements?: ServerRequirementsProps;
  /**
   * The gunicorn worker class the image's default command uses. Only without `appServer`.
   * @default 'uvicorn_worker.UvicornWorker'
   */
  readonly workerClass?: string;
  /**
   * Extra packages for the builder (headers for wheels that compile, e.g. `libpq-dev`).
   * @default - none beyond the flavour's toolchain
   */
  readonly builderPackages?: string[];
  /**
   * Install the flavour's build toolchain (compilers, headers, and for distroless Debian's python3.11) in the
   * builder. Turn it off when the builder image already carries it, e.g. an internal base image.
   * @default true
   */
  readonly installToolchain?: boolean;
  /**
   * Let the virtualenv see the packages of the builder's own Python (`venv --system-site-packages`), e.g. Debian's
   * `python3-*` packages baked into an internal base image; pip then installs only what is missing.
   * The runtime image must carry the same packages at the same paths.
   * @default false
   */
  readonly systemSitePackages?: boolean;
  /**
   * Debian packages the runtime needs (e.g. `libpq5`). Only the slim flavour has a package manager.
   * @default - none
   */
  readonly runtimePackages?: string[];
  /**
   * OCI labels.
   * @default - title from the project name
   */
  readonly labels?: ImageLabels;
  /**
   * HEALTHCHECK timing.
   * @default - every 30 s, 5 s timeout, 30 s start period, 3 retries
   */
  readonly healthCheck?: HealthCheckTiming;
  /**
   * The BuildKit frontend named in the `# syntax=` directive on the first line; `false` emits none.
   * @default 'docker/dockerfile:1'
   */
  readonly syntax?: string | false;
}

const VENV = '/opt/venv';
const WORKDIR = '/app';
const ROOTFS = '/keelson-rootfs';
const REQUIREMENTS_DIR = '/tmp/requirements';

/**
 * A multi-stage Dockerfile for a FastAPI service: a builder stage that builds the virtualenv with the
 * toolchain, and a runtime stage with the interpreter, the virtualenv and the code, run as a non-root user.
 *
 * The model (`builder`, `runtime` stages) is the escape hatch: what you change there is what is written.
 */
export class Dockerfile extends Component implements IContainerImage {
  public readonly dockerfile = 'Dockerfile';
  public readonly context = '.';
  public readonly target = 'runtime';
  public readonly workdir = WORKDIR;
  public readonly pythonModuleEntrypoint = [`${VENV}/bin/python`, '-m'];
  public readonly healthCheck: HealthCheck;
  public readonly flavour: RuntimeFlavour;
  public readonly pythonVersion: string;
  public readonly endpoint: ServiceEndpoint;
  /** The app server the image runs, when one was given. */
  public readonly appServer?: IAppServer;
  public readonly security: SecurityProfile;
  public readonly builderImage: ImageReference;
  public readonly runtimeImage: ImageReference;
  /** The interpreter both stages share; the virtualenv's `bin/python` points at it. */
  public readonly interpreter: string;
  public readonly appModule: string;
  public readonly requirementsFile: string;
  /** Files the server reads from the working directory, relative to the build context. */
  public readonly appPaths: string[];
  public readonly serverRequirements: ServerRequirements;
  public readonly builder: DockerfileStage;
  public readonly runtime: DockerfileStage;
  public readonly model: DockerfileModel;
  public readonly buildArgs: Readonly<Record<string, string>>;
  public readonly file: GeneratedFile;

  public constructor(project: Project, props: DockerfileProps = {}) {
    super(project, 'Dockerfile');
    this.flavour = locate(this, undefined, () => runtimeFlavour(props.flavour ?? 'slim'));
    this.pythonVersion = locate(this, undefined, () => pythonVersionFor(this.flavour, props.pythonVersion));
    this.appServer = props.appServer;
    this.endpoint = props.endpoint ?? props.appServer?.endpoint ?? new ServiceEndpoint();
    this.security = props.security ?? new SecurityProfile();
    this.builderImage = locate(this, undefined, () => imageFrom('builderImage', props.builderImage,
      this.flavour.builderImage(this.pythonVersion)).withDigest(checkedDigest('builderImageDigest', props.builderImageDigest)));
    this.runtimeImage = locate(this, undefined, () => imageFrom('runtimeImage', props.runtimeImage,
      this.flavour.runtimeImage(this.pythonVersion)).withDigest(checkedDigest('runtimeImageDigest', props.runtimeImageDigest)));
    this.interpreter = this.flavour.interpreter(this.pythonVersion);
    this.appModule = props.appModule ?? 'app.main:app';
    this.requirementsFile = props.requirementsFile ?? 'requirements.txt';
    this.appPaths = [...(props.appPaths ?? ['app'])];
    if (props.appServer && !this.appPaths.includes(props.appServer.configFile)) this.appPaths.push(props.appServer.configFile);
    this.checkProps(props);

    this.serverRequirements = new ServerRequirements(project,
      props.appServer?.requirements ?? locate(this, undefined, () => ServerRequirements.pinsFrom(props.serverRequirements)));
    const timing = props.healthCheck ?? {};
    this.healthCheck = withTiming(this.healthCheckCommand(timing.timeoutSeconds ?? 5), timing);
    this.builder = this.buildBuilderStage(props);
    this.runtime = this.buildRuntimeStage(props);
    this.model = {
      globalArgs: [
        {
          keyword: 'ARG', args: `BUILDER_IMAGE=${this.builderImage}`,
          comment: 'Base images, pinned; override with --build-arg to point a build elsewhere.\n'
            + `Both must have the interpreter at ${this.interpreter}: the copied virtualenv links to it.`,
        },
        { keyword: 'ARG', args: `RUNTIME_IMAGE=${this.runtimeImage}` },
      ],
      stages: [this.builder, this.runtime],
    };
    this.buildArgs = { BUILDER_IMAGE: this.builderImage.toString(), RUNTIME_IMAGE: this.runtimeImage.toString() };

    const syntax = props.syntax ?? 'docker/dockerfile:1';
    this.file = new GeneratedFile(this, 'Dockerfile', () => renderDockerfile(this.model), {
      preamble: syntax === false ? [] : [`# syntax=${syntax}`],
      editHint: 'set the Dockerfile props, or change its model (dockerfile.runtime.add(...)), in .projenrc.ts',
    });
    this.node.addValidation({ validate: () => this.validateModel() });
    // What will be written, after escape hatches, for whole-project readers (the hardening policy).
    registerModel(this, 'dockerfile', () => ({
      file: this.file.path, globalArgs: this.model.globalArgs, stages: this.model.stages, image: this, appServer: this.appServer,
    }));
  }

  private checkProps(props: DockerfileProps): void {
    if (props.appServer) {
      if (props.endpoint && props.endpoint.port !== props.appServer.endpoint.port) {
        throw new KeelsonConfigError('endpoint.port', `is ${props.endpoint.port}, but the app server binds ${props.appServer.endpoint.port}`,
          'pass the same ServiceEndpoint to both, or leave endpoint out: the Dockerfile then takes the app server\'s').atConstruct(this);
      }
      for (const option of ['serverRequirements', 'workerClass'] as const) {
        if (props[option] !== undefined) {
          throw new KeelsonConfigError(option, 'is set together with appServer, which already decides it',
            `set it on the app server component and drop ${option} from the Dockerfile`).atConstruct(this);
        }
      }
    }
    if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(this.appModule)) {
      throw new KeelsonConfigError('appModule', `is '${this.appModule}', not 'module:attribute'`, "write it like 'app.main:app'")
        .atConstruct(this);
    }
    if ((props.runtimePackages ?? []).length > 0 && !this.flavour.runtimeHasShell) {
      throw new KeelsonConfigError('runtimePackages', `cannot be installed: the ${this.flavour.name} runtime has no shell and no package manager`,
        "use the 'slim' flavour, or build what you need in the builder stage and copy it over (dockerfile.runtime.add('COPY', ...))")
        .atConstruct(this);
    }
    const floating = this.flavour.name === 'chainguard' && this.pythonVersion === 'latest';
    if (floating && (props.builderImageDigest === undefined) !== (props.runtimeImageDigest === undefined)) {
      throw new KeelsonConfigError('runtimeImageDigest', "is set for one stage only, while chainguard's 'latest' tags float",
        'pin both builderImageDigest and runtimeImageDigest (taken the same day), or neither, so both stages carry the same Python')
        .atConstruct(this);
    }
    for (const path of this.appPaths) {
      if (path.startsWith('/') || path.split('/').includes('..') || path === '' || path === '.') {
        throw new KeelsonConfigError('appPaths', `contains '${path}', which is not a path inside the build context`,
          "list relative paths such as 'app' or 'gunicorn.conf.py'").atConstruct(this);
      }
    }
  }

  private buildBuilderStage(props: DockerfileProps): DockerfileStage {
    const stage = new DockerfileStage('builder', '${BUILDER_IMAGE}');
    if (this.flavour.name === 'chainguard') stage.add('USER', 'root', 'The -dev image runs as nonroot; the build writes /opt.');
    stage.add('ENV', 'PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore');
    const toolchain = this.flavour.builderToolchain(props.builderPackages ?? []);
    if (toolchain && (props.installToolchain ?? true)) stage.add('RUN', toolchain, 'The build toolchain stays in this stage.');
    stage.add('RUN', `${this.interpreter} -m venv ${props.systemSitePackages ? '--system-site-packages ' : ''}${VENV}`,
      `The virtualenv links to ${this.interpreter}, which the runtime stage has at the same path.`);
    stage.add('COPY', `${this.requirementsFile} ${ServerRequirements.FILE} ${REQUIREMENTS_DIR}/`,
      'Requirements before code: a code change does not reinstall dependencies.');
    stage.add('RUN', `--mount=type=cache,target=/root/.cache/pip ${VENV}/bin/python -m pip install `
      + `-r ${REQUIREMENTS_DIR}/${basename(this.requirementsFile)} -r ${REQUIREMENTS_DIR}/${ServerRequirements.FILE}`);
    const extraWritable = this.extraWritablePaths();
    if (extraWritable.length > 0) {
      stage.add('RUN', `mkdir -p ${extraWritable.map((p) => `${ROOTFS}${p}`).join(' ')}`,
        'Writable paths, created here so shell-less runtimes get them too.');
    }
    return stage;
  }

  private buildRuntimeStage(props: DockerfileProps): DockerfileStage {
    const stage = new DockerfileStage('runtime', '${RUNTIME_IMAGE}');
    const { uid, gid } = this.security;
    stage.add('ARG', 'RUNTIME_IMAGE');
    const labels = props.labels ?? {};
    const labelPairs: Array<[string, string | undefined]> = [
      ['title', labels.title ?? this.project.name],
      ['description', labels.description],
      ['source', labels.source],
      ['licenses', labels.licenses],
      ['base.name', '${RUNTIME_IMAGE}'],
    ];
    stage.add('LABEL', labelPairs.filter(([, v]) => v !== undefined)
      .map(([k, v]) => `org.opencontainers.image.${k}=${JSON.stringify(v)}`).join(' \\\n      '));
    stage.add('ENV', [
      'PYTHONUNBUFFERED=1', 'PYTHONDONTWRITEBYTECODE=1', 'PYTHONFAULTHANDLER=1',
      `PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      `PORT=${this.endpoint.port}`,
    ].join(' \\\n    '), 'Unbuffered logs, no bytecode writes on a read-only root, tracebacks on crashes. gunicorn binds 0.0.0.0:$PORT.');
    const runtimePackages = props.runtimePackages ?? [];
    if (runtimePackages.length > 0) {
      stage.add('RUN', `apt-get update && apt-get install -y --no-install-recommends ${runtimePackages.join(' ')} && rm -rf /var/lib/apt/lists/*`);
    }
    if (this.flavour.runtimeHasShell) {
      stage.add('RUN', `groupadd --system --gid ${gid} app && useradd --system --uid ${uid} --gid ${gid} `
        + '--no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app');
    }
    stage.add('COPY', `--from=builder ${VENV} ${VENV}`);
    stage.add('WORKDIR', WORKDIR);
    for (const path of this.appPaths) {
      stage.add('COPY', `${path} ./${path}`, path === this.appPaths[0] ? 'Code owned by root: the server reads it and cannot rewrite it.' : undefined);
    }
    this.extraWritablePaths().forEach((path, index) => {
      // One COPY per path, after WORKDIR: only the writable directory itself is owned by the user, never a parent.
      stage.add('COPY', `--from=builder --chown=${uid}:${gid} ${ROOTFS}${path} ${path}`,
        index === 0 ? 'Writable paths, owned by the server user; with a read-only root they are mounted as tmpfs or volumes.' : undefined);
    });
    stage.add('USER', `${uid}:${gid}`);
    stage.add('EXPOSE', `${this.endpoint.port}`);
    const h = this.healthCheck;
    stage.add('HEALTHCHECK', `--interval=${h.intervalSeconds}s --timeout=${h.timeoutSeconds}s `
      + `--start-period=${h.startPeriodSeconds}s --retries=${h.retries} \\\n    CMD ${execForm(h.command)}`,
    'No curl and no shell needed: the image\'s own Python probes the endpoint.');
    stage.add('ENTRYPOINT', execForm([...this.pythonModuleEntrypoint, this.appServer?.module ?? 'gunicorn']));
    stage.add('CMD', execForm(this.appServer?.command(this.appModule)
      ?? ['--worker-class', props.workerClass ?? 'uvicorn_worker.UvicornWorker', this.appModule]));
    return stage;
  }

  /** The exec-form health probe: an HTTP GET of the health path on $PORT with the virtualenv's Python. */
  public healthCheckCommand(timeoutSeconds = 5): string[] {
    const probeTimeout = Math.max(1, timeoutSeconds - 1);
    const script = 'import os, sys, urllib.request; '
      + `r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '${this.endpoint.port}') + '${this.endpoint.healthPath}', timeout=${probeTimeout}); `
      + 'sys.exit(0 if 200 <= r.status < 300 else 1)';
    return [`${VENV}/bin/python`, '-c', script];
  }

  private extraWritablePaths(): string[] {
    return this.security.writablePaths.filter((p) => p !== '/tmp');
  }

  private validateModel(): string[] {
    const errors: string[] = [];
    const names = new Set<string>();
    for (const stage of this.model.stages) {
      for (const copy of stage.find('COPY')) {
        const from = /--from=(\S+)/.exec(copy.args)?.[1];
        if (from && !names.has(from)) {
          errors.push(`stage '${stage.name}' copies --from=${from}, which is not an earlier stage (stages: ${[...names].join(', ') || 'none'})`);
        }
      }
      names.add(stage.name);
    }
    const final = this.model.stages[this.model.stages.length - 1];
    const lastUser = final.find('USER').pop()?.args.trim();
    if (!lastUser || /^(0|root)(:|$)/.test(lastUser)) {
      errors.push(`the final stage '${final.name}' runs as ${lastUser ?? 'root (no USER)'}; the server must run as a non-root uid. `
        + `Fix: keep USER ${this.security.user} last in the runtime stage`);
    }
    const outdir = this.project.outdir;
    for (const path of [this.requirementsFile, ...this.appPaths]) {
      if (!existsSync(join(outdir, path)) && !this.project.tryFindFile(path)) {
        errors.push(`'${path}' is copied into the image but does not exist in ${outdir}. `
          + 'Fix: create it, or change requirementsFile / appPaths on the Dockerfile');
      }
    }
    return errors;
  }
}

function imageFrom(option: string, given: string | undefined, fallback: ImageReference): ImageReference {
  return given === undefined ? fallback : ImageReference.parse(given, option);
}

function checkedDigest(option: string, digest: string | undefined): string | undefined {
  return digest === undefined ? undefined : ImageReference.checkDigest(digest, option);
}

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}
