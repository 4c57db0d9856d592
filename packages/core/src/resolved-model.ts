import { IConstruct } from 'constructs';
import { IAppServer, IReverseProxy } from './app-server';
import { IContainerImage } from './container-image';
import { constructPath } from './errors';

/*
 * Resolved models: what a component WILL write, after escape hatches, as read-only views that whole-project
 * readers (the hardening policy) find through the construct tree without importing the component.
 *
 * A component registers a function, not a value: the view is built when it is read (in preSynthesize), so a change
 * made to the model in .projenrc.ts after construction is what the reader sees.
 */

/** One Dockerfile instruction as written, e.g. `{ keyword: 'USER', args: '65532:65532' }`. */
export interface DockerInstructionView {
  /** Upper case. */
  readonly keyword: string;
  /** Everything after the keyword. */
  readonly args: string;
}

/** A build stage: `FROM <from> AS <name>` and its instructions, in order. */
export interface DockerStageView {
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly DockerInstructionView[];
}

/** A Dockerfile as it will be written. */
export interface DockerfileView {
  /** The file, relative to the project root. */
  readonly file: string;
  /** Instructions before the first stage (base image ARGs). */
  readonly globalArgs: readonly DockerInstructionView[];
  readonly stages: readonly DockerStageView[];
  /** The image contract: endpoint, security profile, health check, working directory, entrypoint, build args. */
  readonly image: IContainerImage;
  /**
   * The app server the image runs, when one is wired.
   * @default - none
   */
  readonly appServer?: IAppServer;
}

/** A .dockerignore as it will be written. */
export interface DockerIgnoreView {
  readonly file: string;
  /** Every pattern, in order (`!` re-inclusions included). */
  readonly patterns: readonly string[];
}

/** An app server's config file as it will be written (e.g. gunicorn.conf.py). */
export interface AppServerView {
  readonly file: string;
  /** The app server contract; its timings are read from the model. */
  readonly server: IAppServer;
  /** Addresses bound, `host:port`, as the model says before any environment override. */
  readonly binds: readonly string[];
  /**
   * The environment variable that replaces the bound port at start.
   * @default - none: the port is fixed
   */
  readonly portVariable?: string;
  /** Peers trusted to set X-Forwarded-* headers, as the model says (`*` trusts every peer). */
  readonly forwardedAllowIps: readonly string[];
  /**
   * The environment variable that replaces `forwardedAllowIps` at start.
   * @default - none
   */
  readonly forwardedAllowIpsVariable?: string;
  /**
   * The environment variable that fixes the worker count at start.
   * @default - none
   */
  readonly workersVariable?: string;
  /** Directories the server and its workers write to at run time (heartbeat files, temp files, sockets). */
  readonly writablePaths: readonly string[];
  /** Every setting written, by name, with its value (null when computed at start). */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** One `server` of a proxy's upstream. */
export interface UpstreamServerView {
  readonly host: string;
  readonly port: number;
}

/** A reverse proxy's config file as it will be written (e.g. nginx/nginx.conf). */
export interface ReverseProxyView {
  readonly file: string;
  /** The reverse proxy contract; its timeouts are read from the model. */
  readonly proxy: IReverseProxy;
  /** The app server the proxy was wired to. */
  readonly appServer: IAppServer;
  /** The servers of the upstream that proxies to the app. */
  readonly upstreams: readonly UpstreamServerView[];
  /** Ports it listens on. */
  readonly listenPorts: readonly number[];
  /** Directories it writes to at run time (pid file, temp files). */
  readonly writablePaths: readonly string[];
  /** Whether every location that proxies to the app sets X-Forwarded-For from the connection. */
  readonly forwardsClientAddress: boolean;
  /** TLS protocols enabled; empty without TLS. */
  readonly tlsProtocols: readonly string[];
  /** Whether it advertises its version (`server_tokens`). */
  readonly serverTokens: boolean;
  /** Where the proxy reads this file inside its container, e.g. `/etc/nginx/nginx.conf`. */
  readonly configPath: string;
}

/** What a compose service does in the deployment, as the component that added it knows. */
export type ComposeServiceRole = 'app' | 'worker' | 'scheduler' | 'migrations' | 'reverse-proxy' | 'database' | 'cache' | 'mail' | 'other';

/** A health check as compose writes it. */
export interface ComposeHealthCheckView {
  readonly test?: string | readonly string[];
  readonly disable?: boolean | string;
  readonly [key: string]: unknown;
}

/**
 * One compose service as written: the keys the hardening rules read, typed loosely (compose accepts several forms),
 * and any other key.
 */
export interface ComposeServiceView {
  readonly image?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string; readonly target?: string; readonly args?: unknown };
  readonly user?: string;
  readonly read_only?: boolean | string;
  readonly privileged?: boolean | string;
  readonly tmpfs?: string | readonly string[];
  readonly cap_add?: readonly string[];
  readonly cap_drop?: readonly string[];
  readonly security_opt?: readonly string[];
  readonly ports?: readonly unknown[];
  readonly volumes?: readonly unknown[];
  readonly networks?: unknown;
  readonly network_mode?: string;
  readonly pid?: string | null;
  readonly ipc?: string;
  readonly environment?: unknown;
  readonly healthcheck?: ComposeHealthCheckView;
  readonly command?: unknown;
  readonly entrypoint?: unknown;
  readonly deploy?: unknown;
  readonly pids_limit?: unknown;
  readonly stop_grace_period?: string;
  readonly [key: string]: unknown;
}

/** A compose document as written. */
export interface ComposeDocumentView {
  readonly services: Readonly<Record<string, ComposeServiceView>>;
  readonly networks?: Readonly<Record<string, unknown>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** One compose file as it will be written. */
export interface ComposeFileView {
  /** e.g. `development` or `production`. */
  readonly environment: string;
  readonly path: string;
  readonly document: ComposeDocumentView;
}

/** How a database client service counts the connections it may hold. */
export interface DatabaseClientView {
  readonly service: string;
  /**
   * `app-server`: replicas x workers (the workers variable, else the app server's `workersFor` of the limits);
   * `celery`: replicas x `--concurrency`; `single`: one process, one connection.
   */
  readonly counting: 'app-server' | 'celery' | 'single';
  /**
   * The most containers of the service the deployment may run (`--scale`), when more than the file starts.
   * @default - the file's `deploy.replicas`
   */
  readonly maxReplicas?: number;
}

/** The database of a compose deployment and the services that hold connections to it. */
export interface ComposeDatabaseView {
  readonly service: string;
  /** Connections one client process may hold (pool plus overflow). */
  readonly connectionsPerProcess: number;
  /** Connections the database keeps for superusers. */
  readonly reservedConnections: number;
  readonly clients: readonly DatabaseClientView[];
}

/** The compose files of a deployment, as they will be written. */
export interface ComposeView {
  readonly files: readonly ComposeFileView[];
  /** What each service does, by service name; services not listed are `other`. */
  readonly roles: Readonly<Record<string, ComposeServiceRole>>;
  /** The app image the app, worker, scheduler and migration services run. */
  readonly image: IContainerImage;
  /**
   * The app server the app service runs.
   * @default - none
   */
  readonly appServer?: IAppServer;
  /**
   * The database and its clients.
   * @default - no database
   */
  readonly database?: ComposeDatabaseView;
}

/** A probe of a Kubernetes container, as written. */
export interface KubernetesProbeView {
  readonly kind: 'startup' | 'readiness' | 'liveness';
  /** How it probes: `httpGet`, `tcpSocket`, `exec` or `grpc`. */
  readonly handler: string;
  /**
   * The path an `httpGet` probe requests.
   * @default - none: not an HTTP probe
   */
  readonly path?: string;
  /**
   * The port an `httpGet`, `tcpSocket` or `grpc` probe connects to, a number when it names a container port.
   * @default - none: an exec probe
   */
  readonly port?: number | string;
  /**
   * The command of an `exec` probe.
   * @default - none: not an exec probe
   */
  readonly command?: readonly string[];
}

/** An environment variable of a Kubernetes container: a literal value, or where the value is read from. */
export interface KubernetesEnvVarView {
  readonly name: string;
  /**
   * The value written in the manifest.
   * @default - none: read from elsewhere
   */
  readonly value?: string;
  /**
   * The Secret key it is read from (`valueFrom.secretKeyRef`): a reference, never the secret's value.
   * @default - none
   */
  readonly secretRef?: { readonly name: string; readonly key: string };
  /**
   * Where else it is read from: `configMapKeyRef`, `fieldRef` or `resourceFieldRef`.
   * @default - none
   */
  readonly from?: string;
}

/** A volume of a Kubernetes pod, as written. */
export interface KubernetesVolumeView {
  readonly name: string;
  /** Its type, the key that defines it: `emptyDir`, `configMap`, `hostPath`, `persistentVolumeClaim`, ... */
  readonly type: string;
  /**
   * The host path a `hostPath` volume mounts.
   * @default - none: not a hostPath volume
   */
  readonly hostPath?: string;
}

/** CPU and memory of a container's requests or limits, as written (`500m`, `512Mi`). */
export interface KubernetesQuantitiesView {
  /** @default - none */
  readonly cpu?: string;
  /** @default - none */
  readonly memory?: string;
}

/** One container of a Kubernetes workload, as written (init containers included). */
export interface KubernetesContainerView {
  readonly name: string;
  /** @default - none */
  readonly image?: string;
  /**
   * Whether it is an init container (run to completion before the others: no probes).
   * @default false
   */
  readonly init?: boolean;
  /**
   * Whether it runs the service's own image (the Dockerfile's), whose user the image fixes.
   * @default false
   */
  readonly appImage?: boolean;
  /**
   * `command`, which replaces the image's ENTRYPOINT.
   * @default - the image's
   */
  readonly command?: readonly string[];
  /**
   * `args`, which replace the image's CMD.
   * @default - the image's
   */
  readonly args?: readonly string[];
  /** securityContext.runAsUser; the pod's applies when unset. @default - the pod's */
  readonly runAsUser?: number;
  /** securityContext.runAsGroup; the pod's applies when unset. @default - the pod's */
  readonly runAsGroup?: number;
  /** securityContext.runAsNonRoot; the pod's applies when unset. @default - the pod's */
  readonly runAsNonRoot?: boolean;
  /** @default - unset (false) */
  readonly readOnlyRootFilesystem?: boolean;
  /** @default - unset (false) */
  readonly privileged?: boolean;
  /** @default - unset (true, unless privileged) */
  readonly allowPrivilegeEscalation?: boolean;
  /** securityContext.capabilities.drop, as written. */
  readonly capabilitiesDrop: readonly string[];
  /** securityContext.capabilities.add, as written. */
  readonly capabilitiesAdd: readonly string[];
  /** securityContext.seccompProfile.type; the pod's applies when unset. @default - the pod's */
  readonly seccompProfileType?: string;
  /** resources.limits. */
  readonly limits: KubernetesQuantitiesView;
  /** resources.requests. */
  readonly requests: KubernetesQuantitiesView;
  /** Its probes, startup, readiness and liveness, those written. */
  readonly probes: readonly KubernetesProbeView[];
  /** Container ports, by name when named; `hostPort` when one is bound on the node. */
  readonly ports: readonly { readonly name?: string; readonly containerPort: number; readonly hostPort?: number }[];
  /** Ports bound on the node (`hostPort`, non-zero). */
  readonly hostPorts: readonly number[];
  /** Environment variables, in order: literal values, or where they are read from. */
  readonly env: readonly KubernetesEnvVarView[];
  /** ConfigMaps whose every key becomes a variable (`envFrom.configMapRef`). */
  readonly envFromConfigMaps: readonly string[];
  /** Volume mounts: the volume, where, and whether read-only. */
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string; readonly readOnly: boolean }[];
  /** Where writable volumes (emptyDir, ephemeral, persistentVolumeClaim, claim templates) are mounted read-write. */
  readonly writablePaths: readonly string[];
}

/** One Kubernetes workload (Deployment, StatefulSet, Job, ...), as written: its pod template. */
export interface KubernetesWorkloadView {
  readonly file: string;
  /** `Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `CronJob` or `Pod`. */
  readonly kind: string;
  readonly name: string;
  /**
   * The `app.kubernetes.io/component` label: `app`, `worker`, `beat`, `migrate`, `postgres`, `redis`, or what a user set.
   * @default - none
   */
  readonly role?: string;
  /** The pod template's labels (what a Service selects). */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * The pod's restartPolicy.
   * @default - Kubernetes' default for the kind (Always; Job and CronJob must set Never or OnFailure)
   */
  readonly restartPolicy?: string;
  /** Seconds between SIGTERM and SIGKILL. @default - Kubernetes' default, 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Pod-level securityContext.runAsUser, inherited by containers that set none. @default - the image's user */
  readonly podRunAsUser?: number;
  /** Pod-level securityContext.runAsGroup. @default - the image's group */
  readonly podRunAsGroup?: number;
  /** Pod-level securityContext.runAsNonRoot. @default - unset */
  readonly podRunAsNonRoot?: boolean;
  /** Pod-level securityContext.seccompProfile.type. @default - unset (Unconfined) */
  readonly seccompProfileType?: string;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  /** @default - unset (true) */
  readonly automountServiceAccountToken?: boolean;
  readonly volumes: readonly KubernetesVolumeView[];
  /** Volume types (`emptyDir`, `configMap`, ...), one per volume. */
  readonly volumeTypes: readonly string[];
  readonly containers: readonly KubernetesContainerView[];
}

/** A Kubernetes Service, as written. */
export interface KubernetesServiceView {
  readonly file: string;
  readonly name: string;
  /** `ClusterIP` (also when unset), `NodePort`, `LoadBalancer` or `ExternalName`. */
  readonly type: string;
  /** Whether it is headless (`clusterIP: None`). */
  readonly headless: boolean;
  /** The pod labels it selects. */
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number | string; readonly nodePort?: number }[];
  /** `externalIPs`, addresses of the nodes it is also reachable on. */
  readonly externalIPs: readonly string[];
}

/** One Kubernetes object as written, a copy: ConfigMaps, Secrets, Ingresses, NetworkPolicies, ... */
export interface KubernetesObjectView {
  readonly file: string;
  readonly manifest: Readonly<Record<string, any>>;
}

/** The Kubernetes manifests of a deployment, as they will be written. */
export interface KubernetesView {
  readonly workloads: readonly KubernetesWorkloadView[];
  readonly services: readonly KubernetesServiceView[];
  /** Every object by file, workloads and Services included. */
  readonly manifests: readonly KubernetesObjectView[];
  /**
   * The app image's contract, when the manifests run it.
   * @default - none
   */
  readonly image?: IContainerImage;
  /**
   * The app server the app workload runs.
   * @default - none
   */
  readonly appServer?: IAppServer;
}

/** One step of a CI workflow job, as written. */
export interface PipelineStepView {
  /** @default - none */
  readonly id?: string;
  /** @default - none */
  readonly name?: string;
  /**
   * `owner/repo@ref`, `./path` or `docker://image`, for an action step.
   * @default - none: a run step
   */
  readonly uses?: string;
  /**
   * The shell script, for a run step.
   * @default - none: an action step
   */
  readonly run?: string;
  /** @default - none */
  readonly with?: Readonly<Record<string, unknown>>;
  /**
   * Its `if:` condition.
   * @default - none: runs when every earlier step succeeded
   */
  readonly if?: string;
  /**
   * Whether its failure lets the job go on (`continue-on-error`).
   * @default false
   */
  readonly continueOnError?: boolean;
}

/** GitHub token permissions: by scope (GitHub's names, e.g. `id-token: write`), or `read-all` / `write-all`. */
export type PipelinePermissionsView = Readonly<Record<string, string>> | 'read-all' | 'write-all';

/** One job of a CI workflow, as written. */
export interface PipelineJobView {
  readonly id: string;
  /** Jobs it waits for, directly. */
  readonly needs: readonly string[];
  /**
   * Its own `permissions:`.
   * @default - none: it inherits the workflow's
   */
  readonly permissions?: PipelinePermissionsView;
  /**
   * Its `if:` condition.
   * @default - none: runs when every job it needs succeeded
   */
  readonly if?: string;
  /**
   * Whether its failure counts as a success for the run and for the jobs that need it (`continue-on-error`).
   * @default false
   */
  readonly continueOnError?: boolean;
  /** Its steps, in order (a target's `steps/<n>` counts from 0). */
  readonly steps: readonly PipelineStepView[];
}

/** An image pipeline (a CI workflow that builds, scans and publishes the image), as it will be written. */
export interface ImagePipelineView {
  /** The workflow file, relative to the project root, e.g. `.github/workflows/image.yml`. */
  readonly file: string;
  /** The image it publishes, `registry/repository` (no tag). */
  readonly image: string;
  /** The Dockerfile the component was given to build. */
  readonly dockerfile: string;
  /**
   * The vulnerability ignore file it writes beside the workflow.
   * @default - none
   */
  readonly ignoreFile?: string;
  /**
   * Workflow-level permissions, inherited by the jobs that set none.
   * @default - none: the repository's default token permissions apply
   */
  readonly permissions?: PipelinePermissionsView;
  readonly jobs: readonly PipelineJobView[];
}

/** The view each kind of resolved model has. */
export interface ResolvedModelViews {
  'dockerfile': DockerfileView;
  'dockerignore': DockerIgnoreView;
  'app-server': AppServerView;
  'reverse-proxy': ReverseProxyView;
  'compose': ComposeView;
  'kubernetes': KubernetesView;
  'image-pipeline': ImagePipelineView;
}

/** The kinds of resolved model. */
export type ResolvedModelKind = keyof ResolvedModelViews;

/** Every kind, in a stable order. */
export const RESOLVED_MODEL_KINDS: readonly ResolvedModelKind[] = ['dockerfile', 'dockerignore', 'app-server', 'reverse-proxy', 'compose', 'kubernetes', 'image-pipeline'];

/** A resolved model registered on a construct. */
export interface RegisteredModel<K extends ResolvedModelKind = ResolvedModelKind> {
  readonly kind: K;
  /** The construct that registered it. */
  readonly construct: IConstruct;
  /** Its construct path as users read it, e.g. `svc/Dockerfile`. */
  readonly path: string;
  /** Builds the view from the model as it is now. */
  resolve(): ResolvedModelViews[K];
}

// A global symbol, so that two copies of @keelson/core in one process still see each other's registrations.
const REGISTRY = Symbol.for('@keelson/core.resolved-models');

interface Registration {
  readonly kind: ResolvedModelKind;
  readonly resolve: () => unknown;
}

function registrations(construct: IConstruct): Registration[] {
  return ((construct as unknown as Record<symbol, Registration[] | undefined>)[REGISTRY]) ?? [];
}

/**
 * Registers the resolved model of `scope`: `resolve` builds its view from the model as it is when read.
 * A construct may register several kinds, and one kind once.
 */
export function registerModel<K extends ResolvedModelKind>(scope: IConstruct, kind: K, resolve: () => ResolvedModelViews[K]): void {
  const holder = scope as unknown as Record<symbol, Registration[] | undefined>;
  const existing = holder[REGISTRY] ?? [];
  if (existing.some((r) => r.kind === kind)) {
    throw new Error(`${constructPath(scope)} already registered a '${kind}' model`);
  }
  Object.defineProperty(scope, REGISTRY, { value: [...existing, { kind, resolve }], configurable: true, enumerable: false });
}

/** Whether `construct` registered a model of `kind`. */
export function hasModel(construct: IConstruct, kind: ResolvedModelKind): boolean {
  return registrations(construct).some((r) => r.kind === kind);
}

/** Every model of `kind` registered in the tree under `root` (root included), in construct order. */
export function findModels<K extends ResolvedModelKind>(root: IConstruct, kind: K): RegisteredModel<K>[] {
  const found: RegisteredModel<K>[] = [];
  for (const construct of root.node.findAll()) {
    for (const registration of registrations(construct)) {
      if (registration.kind !== kind) continue;
      found.push({
        kind,
        construct,
        path: constructPath(construct),
        resolve: registration.resolve as () => ResolvedModelViews[K],
      });
    }
  }
  return found;
}
