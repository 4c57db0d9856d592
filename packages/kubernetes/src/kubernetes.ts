import {
  CELERY_PING_TIMEOUT_SECONDS, GeneratedFile, IAppServer, IContainerImage, KeelsonConfigError, KubernetesView, ResourceLimits, celeryPingCommand, registerModel,
} from '@keelson/core';
import { Component, Project } from 'projen';
import { KubernetesManifest, KubernetesModel } from './kubernetes-model';
import { RESTRICTED_ADDABLE_CAPABILITIES, restrictedViolations } from './kubernetes-pod-security';
import { KubernetesProps, SecretKeyReference } from './kubernetes-props';
import { renderManifests } from './kubernetes-render';
import { kubernetesView } from './kubernetes-view';

/**
 * The same service on Kubernetes: Deployments for the app, the Celery worker and beat, a migration Job, Services,
 * an Ingress for ingress-nginx, an autoscaler and a disruption budget for the app, NetworkPolicies mirroring
 * compose's private data network, a ConfigMap, and Secret references (never values). Every pod meets the
 * `restricted` Pod Security Standard.
 *
 * The manifests live in `model` (plain objects by file) until the synth renders them through cdk8s into
 * `k8s/<workload>.yaml`.
 */
export class Kubernetes extends Component {
  /** The directory of the manifests. */
  public static readonly DIRECTORY = 'k8s';
  public static readonly DEFAULT_APP_MODULE = 'app.main:app';
  public static readonly DEFAULT_CELERY_APP = 'app.tasks';
  public static readonly DEFAULT_POSTGRES_IMAGE = 'postgres:17.6-bookworm';
  public static readonly DEFAULT_REDIS_IMAGE = 'redis:7.4.6-bookworm';
  /** The uid/gid of the postgres and redis users in the Debian-based official images. */
  public static readonly BACKING_SERVICE_UID = 999;
  public static readonly BEAT_SCHEDULE_DIR = '/var/lib/celery-beat';
  /** Seconds the worker's liveness probe waits for the worker's pong. */
  public static readonly CELERY_PING_TIMEOUT_SECONDS = CELERY_PING_TIMEOUT_SECONDS;

  /** The manifests, by file: the escape hatch. */
  public readonly model = new KubernetesModel();
  /** The base name and `app.kubernetes.io/name` label. */
  public readonly name: string;
  public readonly limits: ResourceLimits;
  /** Gunicorn workers one app pod starts (`appServer.workersFor(limits)`), when the app server says. */
  public readonly workersPerPod?: number;
  /** The generated files, by path. */
  public readonly files: Record<string, GeneratedFile> = {};

  /** The namespace of every object, when one is given. */
  public readonly namespace?: string;

  private readonly image: IContainerImage;
  private readonly appServer?: IAppServer;

  public constructor(project: Project, props: KubernetesProps) {
    super(project, 'Kubernetes');
    this.image = props.image;
    this.appServer = props.appServer;
    this.name = props.name ?? project.name;
    this.limits = props.limits ?? new ResourceLimits();
    this.namespace = props.namespace;
    this.checkProps(props);
    this.workersPerPod = props.appServer?.workersFor?.(this.limits);

    const hasPostgres = props.postgres !== undefined;
    const hasRedis = props.redis !== undefined;
    const env = this.appEnvironment(props);
    const scaling = props.scaling ?? {};
    const minReplicas = scaling.minReplicas ?? 2;
    const maxReplicas = scaling.maxReplicas ?? 6;

    // app
    const appFile = this.path('app');
    if (props.environment && Object.keys(props.environment).length > 0) {
      this.configMapName = `${this.name}-config`;
      this.model.add(appFile, this.object('v1', 'ConfigMap', `${this.name}-config`, 'app', { data: { ...props.environment } }));
    }
    const appArgs = props.appServer ? [props.appServer.module, ...props.appServer.command(props.appModule ?? Kubernetes.DEFAULT_APP_MODULE)] : undefined;
    const appContainer = this.appContainer('app', appArgs, [...env, ...this.forwardedHeadersTrust(props)], this.limits, true);
    const appDeployment = this.object('apps/v1', 'Deployment', this.name, 'app', {
      spec: {
        // No `replicas`: the HorizontalPodAutoscaler owns the count, and an apply must not reset it.
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector('app') },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: this.podTemplate('app', [appContainer], this.appVolumes(), props.appServer?.gracefulTimeoutSeconds),
      },
    });
    if (this.workersPerPod !== undefined) {
      appDeployment.metadata.annotations = {
        'keelson.dev/workers-per-pod': String(this.workersPerPod),
      };
    }
    this.model.add(appFile, appDeployment);
    this.model.add(appFile, this.object('v1', 'Service', this.name, 'app', {
      spec: {
        type: 'ClusterIP',
        selector: this.selector('app'),
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    }));
    this.model.add(appFile, this.object('autoscaling/v2', 'HorizontalPodAutoscaler', this.name, 'app', {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicas,
        maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuUtilizationPercent ?? 70 } } }],
      },
    }));
    this.model.add(appFile, this.object('policy/v1', 'PodDisruptionBudget', this.name, 'app', {
      spec: { maxUnavailable: 1, selector: { matchLabels: this.selector('app') } },
    }));

    // worker, beat, migrations
    if (props.worker) {
      const limits = props.worker.limits ?? new ResourceLimits();
      const perProcess = props.worker.memoryPerProcessMiB ?? 128;
      const byMemory = Math.floor(limits.memoryMiB / perProcess) - 1;
      if (byMemory < 1) {
        throw this.error('worker.limits.memoryMiB', `is ${limits.memoryMiB} MiB, below the worker's minimum of ${2 * perProcess} MiB `
          + `(the parent and one child at memoryPerProcessMiB ${perProcess})`, `give the worker ${2 * perProcess} MiB or more, or lower memoryPerProcessMiB`);
      }
      const concurrency = props.worker.concurrency ?? Math.min(Math.max(1, Math.floor(limits.cpus)), byMemory);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > byMemory) {
        throw this.error('worker.concurrency', `is ${concurrency}; the ${limits.memoryMiB} MiB limit holds 1 to ${byMemory} children beside the parent`,
          'leave it out to derive it from the limits, or raise worker.limits.memoryMiB');
      }
      const args = ['celery', '-A', props.celeryApp ?? Kubernetes.DEFAULT_CELERY_APP, 'worker', '--loglevel=INFO', `--concurrency=${concurrency}`];
      this.model.add(this.path('worker'), this.object('apps/v1', 'Deployment', `${this.name}-worker`, 'worker', {
        spec: {
          replicas: props.worker.replicas ?? 1,
          selector: { matchLabels: this.selector('worker') },
          template: this.podTemplate('worker', [this.workerContainer(args, env, limits, props.celeryApp ?? Kubernetes.DEFAULT_CELERY_APP)], this.appVolumes(), 60),
        },
      }));
    }
    if (props.beat) {
      const args = ['celery', '-A', props.celeryApp ?? Kubernetes.DEFAULT_CELERY_APP, 'beat', '--loglevel=INFO',
        `--schedule=${Kubernetes.BEAT_SCHEDULE_DIR}/celerybeat-schedule`];
      const container = this.appContainer('beat', args, env, new ResourceLimits({ cpus: 0.25, memoryMiB: 256 }), false);
      container.volumeMounts.push({ name: 'beat-schedule', mountPath: Kubernetes.BEAT_SCHEDULE_DIR });
      this.model.add(this.path('beat'), this.object('apps/v1', 'Deployment', `${this.name}-beat`, 'beat', {
        spec: {
          replicas: 1,
          // Never two schedulers, not even during a rollout.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: this.selector('beat') },
          template: this.podTemplate('beat', [container], [...this.appVolumes(), { name: 'beat-schedule', emptyDir: {} }]),
        },
      }));
    }
    if (props.migrations) {
      const args = props.migrations.command ?? ['alembic', 'upgrade', 'head'];
      const template = this.podTemplate('migrate', [this.appContainer('migrate', args, env, this.limits, false)], this.appVolumes());
      template.spec.restartPolicy = 'Never';
      this.model.add(this.path('migrate'), this.object('batch/v1', 'Job', `${this.name}-migrate`, 'migrate', {
        spec: { backoffLimit: 2, ttlSecondsAfterFinished: 86400, template },
      }));
    }

    // ingress
    if (props.ingress) {
      const i = props.ingress;
      const readTimeout = i.readTimeoutSeconds ?? (props.appServer ? props.appServer.timeoutSeconds + 5 : 60);
      const rate = i.rateLimitPerSecond ?? 10;
      const annotations: Record<string, string> = {
        'nginx.ingress.kubernetes.io/proxy-body-size': `${i.maxBodySizeMiB ?? 10}m`,
        'nginx.ingress.kubernetes.io/proxy-connect-timeout': String(i.connectTimeoutSeconds ?? 5),
        'nginx.ingress.kubernetes.io/proxy-read-timeout': String(readTimeout),
        'nginx.ingress.kubernetes.io/proxy-send-timeout': String(readTimeout),
        'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      };
      if (rate > 0) {
        annotations['nginx.ingress.kubernetes.io/limit-rps'] = String(rate);
        annotations['nginx.ingress.kubernetes.io/limit-burst-multiplier'] = String(i.rateLimitBurstMultiplier ?? 5);
      }
      const ingress = this.object('networking.k8s.io/v1', 'Ingress', this.name, 'app', {
        spec: {
          ingressClassName: i.ingressClassName ?? 'nginx',
          tls: [{ hosts: [i.host], secretName: i.tlsSecretName ?? `${this.name}-tls` }],
          rules: [{
            host: i.host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: this.name, port: { name: 'http' } } } }] },
          }],
        },
      });
      ingress.metadata.annotations = annotations;
      this.model.add(this.path('ingress'), ingress);
    }

    // backing services
    if (props.postgres?.mode === 'in-cluster') this.postgresStatefulSet(props);
    if (props.redis?.mode === 'in-cluster') this.redisStatefulSet(props);

    // network policies
    this.networkPolicies(props, hasPostgres, hasRedis);

    for (const file of Object.keys(this.model.files)) {
      this.files[file] = new GeneratedFile(this, file, () => renderManifests(this.model.files[file] ?? []), {
        editHint: 'change the props of the Kubernetes component, or its `model`, in .projenrc.ts',
      });
    }
    this.node.addValidation({ validate: () => this.validateModel() });
    registerModel(this, 'kubernetes', () => this.resolvedView());
  }

  /** The view the hardening policy reads: every workload, Service and object of the model as it is now. */
  public resolvedView(): KubernetesView {
    return kubernetesView(this.model.files, { imageName: this.imageName(), image: this.image, appServer: this.appServer });
  }

  private imageNameValue?: string;
  private configMapName?: string;
  private imageName(): string {
    return this.imageNameValue ?? '';
  }

  private path(workload: string): string {
    return `${Kubernetes.DIRECTORY}/${workload}.yaml`;
  }

  private labels(component: string): Record<string, string> {
    return { ...this.selector(component), 'app.kubernetes.io/part-of': this.project.name, 'app.kubernetes.io/managed-by': 'keelson' };
  }

  private selector(component: string): Record<string, string> {
    return { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/component': component };
  }

  private object(apiVersion: string, kind: string, name: string, component: string, rest: Record<string, any>): KubernetesManifest {
    const metadata = { name, ...(this.namespace !== undefined ? { namespace: this.namespace } : {}), labels: this.labels(component) };
    return { apiVersion, kind, metadata, ...rest };
  }

  private appVolumes(): any[] {
    return this.image.security.writablePaths.map((_, i) => ({ name: `writable-${i}`, emptyDir: {} }));
  }

  private podTemplate(component: string, containers: any[], volumes: any[], terminationGracePeriodSeconds?: number): any {
    const security = this.image.security;
    return {
      metadata: { labels: this.labels(component) },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        ...(terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: terminationGracePeriodSeconds + 5 } : {}),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: security.uid,
          runAsGroup: security.gid,
          fsGroup: security.gid,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers,
        ...(volumes.length > 0 ? { volumes } : {}),
      },
    };
  }

  private containerSecurity(readOnlyRootFilesystem: boolean, add: readonly string[]): any {
    return {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem,
      capabilities: { drop: ['ALL'], ...(add.length > 0 ? { add: [...add] } : {}) },
      seccompProfile: { type: 'RuntimeDefault' },
    };
  }

  private appContainer(name: string, args: string[] | undefined, env: any[], limits: ResourceLimits, serves: boolean): any {
    const security = this.image.security;
    const container: any = {
      name,
      image: this.imageName(),
      imagePullPolicy: 'IfNotPresent',
    };
    if (!serves || args) {
      // Every role runs through the image's Python: `python -m <module> ...`.
      container.command = [...this.image.pythonModuleEntrypoint];
    }
    if (args) container.args = [...args];
    if (serves) container.ports = [{ name: 'http', containerPort: this.image.endpoint.port, protocol: 'TCP' }];
    if (this.configMapName) container.envFrom = [{ configMapRef: { name: this.configMapName } }];
    if (env.length > 0) container.env = env;
    container.resources = resources(limits);
    container.securityContext = this.containerSecurity(security.readOnlyRootFilesystem, security.addCapabilities);
    container.volumeMounts = security.writablePaths.map((mountPath, i) => ({ name: `writable-${i}`, mountPath }));
    if (serves) Object.assign(container, this.probes());
    return container;
  }

  /**
   * The worker's container, with a liveness probe when the image runs Python modules (`<python> -m`): the image's
   * Python asks, through the broker, this pod's worker (`celery@<host name>`, Celery's default node name, the pod's
   * name) for a pong, and exits 1 without one. Exec form and Python only, so it runs in a shell-less image; addressed
   * to one node, so a healthy replica never answers for a hung one. No readiness probe: no Service sends it traffic.
   */
  private workerContainer(args: string[], env: any[], limits: ResourceLimits, celeryApp: string): any {
    const container = this.appContainer('worker', args, env, limits, false);
    const command = celeryPingCommand(this.image, celeryApp);
    if (command) {
      container.livenessProbe = {
        exec: { command },
        initialDelaySeconds: 30,
        periodSeconds: 60,
        // The probe imports the app and reaches the broker before the ping's own wait.
        timeoutSeconds: 20,
        failureThreshold: 3,
      };
    }
    return container;
  }

  /** Probes from the health contract: the health path on the container port. */
  private probes(): Record<string, unknown> {
    const check = this.image.healthCheck;
    const httpGet = { path: this.image.endpoint.healthPath, port: 'http', scheme: 'HTTP' };
    const startupPeriod = 5;
    return {
      startupProbe: { httpGet, periodSeconds: startupPeriod, timeoutSeconds: check.timeoutSeconds, failureThreshold: Math.max(1, Math.ceil(check.startPeriodSeconds / startupPeriod)) },
      readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: check.timeoutSeconds, failureThreshold: 3 },
      livenessProbe: { httpGet, periodSeconds: check.intervalSeconds, timeoutSeconds: check.timeoutSeconds, failureThreshold: check.retries },
    };
  }

  private appEnvironment(props: KubernetesProps): any[] {
    const env: any[] = [];
    if (props.postgres) {
      env.push({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: this.secretRef(props.postgres.urlSecret, 'database', 'DATABASE_URL') } });
    }
    if (props.redis) {
      env.push({ name: 'REDIS_URL', valueFrom: { secretKeyRef: this.secretRef(props.redis.urlSecret, 'redis', 'REDIS_URL') } });
    }
    return env;
  }

  /**
   * Behind the ingress controller, the app server trusts X-Forwarded-* from every peer: the app's NetworkPolicy
   * admits only the controller's namespace, so no other peer reaches it. Only with an Ingress, an app server that
   * reads its trusted peers from a variable, and no value of the user's own.
   */
  private forwardedHeadersTrust(props: KubernetesProps): any[] {
    const variable = this.appServer?.forwardedAllowIpsVariable;
    if (!props.ingress || props.ingress.trustForwardedHeaders === false || !variable) return [];
    if (props.environment && variable in props.environment) return [];
    return [{ name: variable, value: '*' }];
  }

  private secretRef(given: SecretKeyReference | undefined, suffix: string, key: string): { name: string; key: string } {
    return { name: given?.name ?? `${this.name}-${suffix}`, key: given?.key ?? key };
  }

  private backingContainer(name: string, image: string, port: number, limits: ResourceLimits, extra: Record<string, unknown>): any {
    return {
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name, containerPort: port, protocol: 'TCP' }],
      resources: resources(limits),
      securityContext: this.containerSecurity(true, []),
      ...extra,
    };
  }

  private backingPod(component: string, containers: any[], volumes: any[]): any {
    const uid = Kubernetes.BACKING_SERVICE_UID;
    return {
      metadata: { labels: this.labels(component) },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } },
        containers,
        volumes,
      },
    };
  }

  private statefulSet(component: string, container: any, volumes: any[], storage: string): void {
    const file = this.path(component);
    this.model.add(file, this.object('v1', 'Service', component, component, {
      spec: { clusterIP: 'None', selector: this.selector(component), ports: [{ name: component, port: container.ports[0].containerPort, targetPort: component }] },
    }));
    this.model.add(file, this.object('apps/v1', 'StatefulSet', component, component, {
      spec: {
        serviceName: component,
        replicas: 1,
        selector: { matchLabels: this.selector(component) },
        template: this.backingPod(component, [container], volumes),
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
        }],
      },
    }));
  }

  private postgresStatefulSet(props: KubernetesProps): void {
    const o = props.postgres ?? {};
    const password = this.secretRef(o.passwordSecret, 'postgres', 'POSTGRES_PASSWORD');
    const container = this.backingContainer('postgres', o.image ?? Kubernetes.DEFAULT_POSTGRES_IMAGE, 5432, new ResourceLimits({ cpus: 1, memoryMiB: 1024 }), {
      env: [
        { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: password } },
        { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      ],
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/postgresql/data' },
        { name: 'run', mountPath: '/var/run/postgresql' },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
    });
    this.statefulSet('postgres', container, [{ name: 'run', emptyDir: {} }, { name: 'tmp', emptyDir: {} }], o.storage ?? '5Gi');
  }

  private redisStatefulSet(props: KubernetesProps): void {
    const o = props.redis ?? {};
    const container = this.backingContainer('redis', o.image ?? Kubernetes.DEFAULT_REDIS_IMAGE, 6379, new ResourceLimits({ cpus: 0.5, memoryMiB: 256 }), {
      args: ['--appendonly', 'yes', '--dir', '/data'],
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }],
      readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
    });
    this.statefulSet('redis', container, [{ name: 'tmp', emptyDir: {} }], '1Gi');
  }

  /** Compose's private data network, as policies: everything denied by default, then only what compose connects. */
  private networkPolicies(props: KubernetesProps, hasPostgres: boolean, hasRedis: boolean): void {
    const file = this.path('network-policies');
    const all = { 'app.kubernetes.io/name': this.name };
    this.model.add(file, this.object('networking.k8s.io/v1', 'NetworkPolicy', `${this.name}-default-deny`, 'network', {
      spec: { podSelector: { matchLabels: all }, policyTypes: ['Ingress'] },
    }));
    const controller = props.ingress?.controllerNamespace ?? 'ingress-nginx';
    this.model.add(file, this.object('networking.k8s.io/v1', 'NetworkPolicy', `${this.name}-app`, 'network', {
      spec: {
        podSelector: { matchLabels: this.selector('app') },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': controller } } }],
          ports: [{ protocol: 'TCP', port: this.image.endpoint.port }],
        }],
      },
    }));
    const clients = (...components: string[]) => components.map((c) => ({ podSelector: { matchLabels: this.selector(c) } }));
    if (hasPostgres && props.postgres?.mode === 'in-cluster') {
      const from = clients('app', ...(props.worker ? ['worker'] : []), ...(props.migrations ? ['migrate'] : []));
      this.model.add(file, this.object('networking.k8s.io/v1', 'NetworkPolicy', `${this.name}-postgres`, 'network', {
        spec: { podSelector: { matchLabels: this.selector('postgres') }, policyTypes: ['Ingress'], ingress: [{ from, ports: [{ protocol: 'TCP', port: 5432 }] }] },
      }));
    }
    if (hasRedis && props.redis?.mode === 'in-cluster') {
      const from = clients('app', ...(props.worker ? ['worker'] : []), ...(props.beat ? ['beat'] : []));
      this.model.add(file, this.object('networking.k8s.io/v1', 'NetworkPolicy', `${this.name}-redis`, 'network', {
        spec: { podSelector: { matchLabels: this.selector('redis') }, policyTypes: ['Ingress'], ingress: [{ from, ports: [{ protocol: 'TCP', port: 6379 }] }] },
      }));
    }
  }

  private error(option: string, problem: string, fix: string): KeelsonConfigError {
    return new KeelsonConfigError(option, problem, fix).atConstruct(this);
  }

  private checkProps(props: KubernetesProps): void {
    if (!/^[^\s:@/][^\s]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(props.imageName)) {
      throw this.error('imageName', `is '${props.imageName}', which names no tag or digest`,
        "give the image as the cluster pulls it, with a tag or a digest, e.g. 'ghcr.io/acme/api:1.4.2'");
    }
    this.imageNameValue = props.imageName;
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(this.name)) {
      throw this.error('name', `is '${this.name}', which is not a DNS label of at most 42 characters`,
        "use lower-case letters, digits and '-', e.g. 'my-service'");
    }
    if (this.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(this.namespace)) {
      throw this.error('namespace', `is '${this.namespace}', which is not a DNS label`, "use lower-case letters, digits and '-', e.g. 'api'");
    }
    const target = props.scaling?.targetCpuUtilizationPercent ?? 70;
    if (!Number.isInteger(target) || target < 1 || target > 100) {
      throw this.error('scaling.targetCpuUtilizationPercent', `must be a whole percent from 1 to 100, got ${target}`,
        'give e.g. 70: the autoscaler adds pods above it, with room before the CPU limit throttles');
    }
    const min = props.scaling?.minReplicas ?? 2;
    const max = props.scaling?.maxReplicas ?? 6;
    if (!Number.isInteger(min) || min < 1) {
      throw this.error('scaling.minReplicas', `must be a whole number from 1, got ${min}`, 'give 2 or more, so a rollout or a drain keeps one pod serving');
    }
    if (!Number.isInteger(max) || max < min) {
      throw this.error('scaling.maxReplicas', `is ${max}, below minReplicas ${min}`, `give ${min} or more`);
    }
    const added = this.image.security.addCapabilities.filter((c) => !RESTRICTED_ADDABLE_CAPABILITIES.includes(c));
    if (added.length > 0) {
      throw this.error('image.security.addCapabilities', `adds ${added.join(', ')}, which the restricted Pod Security Standard forbids`,
        'add back at most NET_BIND_SERVICE; bind a port from 1024 up instead');
    }
    if ((props.worker || props.beat) && !props.redis) {
      throw this.error(props.worker ? 'worker' : 'beat', 'needs a broker, and there is no redis', 'add `redis: {}` (external by default)');
    }
    if (props.migrations && !props.postgres) {
      throw this.error('migrations', 'need a database, and there is no postgres', 'add `postgres: {}` (external by default)');
    }
    if (props.ingress) {
      if (!/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/.test(props.ingress.host)) {
        throw this.error('ingress.host', `is '${props.ingress.host}', which is not a DNS host name`, "give the public host, e.g. 'api.example.com'");
      }
      const read = props.ingress.readTimeoutSeconds;
      if (read !== undefined && props.appServer && read <= props.appServer.timeoutSeconds) {
        throw this.error('ingress.readTimeoutSeconds', `is ${read}, not above the app server's timeout of ${props.appServer.timeoutSeconds} seconds`,
          `give more than ${props.appServer.timeoutSeconds}, so the app server ends a slow request before the controller answers 504`);
      }
    }
    for (const [option, mode] of [['postgres.mode', props.postgres?.mode], ['redis.mode', props.redis?.mode]] as const) {
      if (mode !== undefined && mode !== 'external' && mode !== 'in-cluster') {
        throw this.error(option, `is '${mode}'`, "choose 'external' (a managed service) or 'in-cluster' (development clusters)");
      }
    }
  }

  /** Whole-model checks, after escape hatches: the restricted Pod Security Standard and the per-pod sizing. */
  private validateModel(): string[] {
    const problems: string[] = [];
    for (const w of this.resolvedView().workloads) {
      problems.push(...restrictedViolations(w).map((v) => `${w.file}: ${w.kind} '${w.name}' ${v}`));
    }
    if (this.appServer?.workersFor && this.workersPerPod !== undefined) {
      const app = this.model.manifests.find((m) => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/component'] === 'app');
      const container = app?.spec?.template?.spec?.containers?.find((c: any) => c.name === 'app');
      const cpu = container?.resources?.limits?.cpu;
      const memory = container?.resources?.limits?.memory;
      const cpus = cpu === undefined ? undefined : parseCpu(String(cpu));
      const memoryMiB = memory === undefined ? undefined : parseMemoryMiB(String(memory));
      if (cpus === undefined || memoryMiB === undefined) {
        problems.push('the app container has no CPU and memory limit Keelson can read, so its workers per pod are unknown: '
          + 'set them through the `limits` prop, not the manifest');
      } else if (cpus !== this.limits.cpus || memoryMiB !== this.limits.memoryMiB) {
        let now: number | string;
        try {
          now = this.appServer.workersFor(new ResourceLimits({ cpus, memoryMiB }));
        } catch (error) {
          now = `no known number of (${(error as Error).message})`;
        }
        if (now !== this.workersPerPod) {
          problems.push(`the app container's limits are ${cpu} CPU and ${memory}, so each pod starts ${now} workers, not the ${this.workersPerPod} `
            + 'the limits prop sizes for: change `limits` instead of the manifest');
        }
      }
      const requests = container?.resources?.requests ?? {};
      if (requests.cpu !== undefined && parseCpu(String(requests.cpu)) !== cpus) {
        problems.push(`the app container requests ${requests.cpu} CPU but is limited to ${cpu}: gunicorn sizes its workers from the limit, `
          + 'so a pod scheduled on the request is oversubscribed; keep requests equal to limits');
      }
    }
    return problems;
  }
}

function resources(limits: ResourceLimits): Record<string, unknown> {
  const values = { cpu: `${Math.round(limits.cpus * 1000)}m`, memory: `${limits.memoryMiB}Mi` };
  return { requests: { ...values }, limits: { ...values } };
}

function parseMemoryMiB(memory: string): number | undefined {
  const m = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!m) return undefined;
  return m[2] === 'Gi' ? Number(m[1]) * 1024 : Number(m[1]);
}

function parseCpu(cpu: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(cpu);
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}
