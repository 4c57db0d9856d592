import { ComposeService } from '@keelson/compose';
import { ComposeValue } from '@keelson/compose';
import { SecurityProfile } from '@keelson/core';
import { DockerIgnore } from '@keelson/dockerfile';
import { Kubernetes, KubernetesManifest } from '@keelson/kubernetes';
import { PolicyInput } from '../src';
import { ExampleService, exampleService, inputOf } from './support';
import { PIPELINE_RULE_CASES } from './pipeline-rule-cases';

/** One case of a rule: a project, and for a non-compliant case, the target the finding names. */
export interface RuleCase {
  readonly name: string;
  readonly input: () => PolicyInput;
  readonly target?: string;
}

/** The cases of one rule. */
export interface RuleCases {
  readonly compliant: readonly RuleCase[];
  readonly nonCompliant: readonly RuleCase[];
}

/** The example service, changed by `change` (escape hatches, as a .projenrc.ts would), as the policy reads it. */
function example(change: (s: ExampleService) => void = () => undefined, overrides: Parameters<typeof exampleService>[0] = {}): () => PolicyInput {
  return () => {
    const service = exampleService({ policy: false, ...overrides });
    change(service);
    return inputOf(service);
  };
}

const EXAMPLE: RuleCase = { name: 'the example service', input: example() };
const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const prodService = (s: ExampleService, name: string) => s.compose.production.service(name)!;
const devService = (s: ExampleService, name: string) => s.compose.development.service(name)!;

/** The example service with its Kubernetes manifests (the real component, full stack), changed by `change`. */
function withKubernetes(change: (k: Kubernetes, s: ExampleService) => void = () => undefined, overrides: Parameters<typeof exampleService>[0] = {}): () => PolicyInput {
  return example((s) => change(s.kubernetes!, s), { kubernetes: {}, ...overrides });
}

const K8S: RuleCase = { name: 'the example service with its Kubernetes manifests', input: withKubernetes() };
/** The example's Kubernetes base name (the project name). */
const APP = 'fastapi-service';
/** The pod spec of a workload of the Kubernetes model. */
const pod = (k: Kubernetes, kind: string, name: string) => k.model.find(kind, name).spec.template.spec;
/** The first container of a workload of the Kubernetes model. */
const k8sContainer = (k: Kubernetes, kind: string, name: string) => pod(k, kind, name).containers[0];
const service = (name: string, type: string, selector: Record<string, string>, port: number): KubernetesManifest =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector, ports: [{ port, targetPort: port }] } });

/** Every rule's compliant and non-compliant cases, by rule name. */
export const RULE_CASES: Readonly<Record<string, RuleCases>> = {
  NonRootFinalUser: {
    compliant: [EXAMPLE, { name: 'a distroless image', input: example(undefined, { dockerfile: { flavour: 'distroless', pythonVersion: '3.11' } }) }],
    nonCompliant: [
      { name: 'a USER root added after the profile\'s', input: example((s) => s.dockerfile.runtime.add('USER', 'root')), target: 'Dockerfile#stage/runtime/USER' },
      { name: 'no USER at all', input: example((s) => s.dockerfile.runtime.remove('USER')), target: 'Dockerfile#stage/runtime/USER' },
    ],
  },
  BaseImageTagPinned: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: "a 'latest' runtime image", input: example(undefined, { dockerfile: { runtimeImage: 'python:latest' } }), target: 'Dockerfile#stage/runtime/FROM' },
      { name: 'a base image ARG without a default', input: example((s) => s.dockerfile.model.globalArgs.splice(0, 1, { keyword: 'ARG', args: 'BUILDER_IMAGE' })), target: 'Dockerfile#stage/builder/FROM' },
    ],
  },
  BaseImageDigestPinned: {
    compliant: [{ name: 'both stages pinned by digest', input: example(undefined, { dockerfile: { builderImageDigest: DIGEST, runtimeImageDigest: DIGEST } }) }],
    nonCompliant: [{ name: 'the example service (tags only)', input: example(), target: 'Dockerfile#stage/runtime/FROM' }],
  },
  NoAddForLocalFiles: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'an ADD of a local archive', input: example((s) => s.dockerfile.runtime.add('ADD', 'static.tar.gz /app/static/')), target: 'Dockerfile#stage/runtime/ADD/0' }],
  },
  NoSecretsInArgOrEnv: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'an ENV with a token', input: example((s) => s.dockerfile.runtime.add('ENV', 'SENTRY_AUTH_TOKEN=sntrys_abc123')), target: 'Dockerfile#stage/runtime/ENV/SENTRY_AUTH_TOKEN' },
      { name: 'a build ARG for a password', input: example((s) => s.dockerfile.builder.add('ARG', 'PIP_INDEX_PASSWORD')), target: 'Dockerfile#stage/builder/ARG/PIP_INDEX_PASSWORD' },
    ],
  },
  ImageHealthCheckPresent: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the HEALTHCHECK removed', input: example((s) => s.dockerfile.runtime.remove('HEALTHCHECK')), target: 'Dockerfile#stage/runtime/HEALTHCHECK' },
      { name: 'HEALTHCHECK NONE', input: example((s) => s.dockerfile.runtime.add('HEALTHCHECK', 'NONE')), target: 'Dockerfile#stage/runtime/HEALTHCHECK' },
    ],
  },
  ExecFormEntrypoint: {
    compliant: [EXAMPLE],
    nonCompliant: [{
      name: 'a shell-form CMD',
      input: example((s) => { s.dockerfile.runtime.remove('CMD'); s.dockerfile.runtime.add('CMD', 'gunicorn --config gunicorn.conf.py app.main:app'); }),
      target: 'Dockerfile#stage/runtime/CMD',
    }],
  },
  AptInstallMinimal: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'an apt-get install with recommendations and lists', input: example((s) => s.dockerfile.runtime.add('RUN', 'apt-get update && apt-get install -y curl')), target: 'Dockerfile#stage/runtime/RUN/apt-get/0' }],
  },
  NoPrivileged: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'a privileged worker', input: example((s) => { prodService(s, 'worker').privileged = true; }), target: 'compose.prod.yaml#services/worker/privileged' },
      { name: 'a privileged Kubernetes app container', input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).securityContext.privileged = true; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/securityContext/privileged` },
    ],
  },
  CapabilitiesDropped: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'cap_drop removed', input: example((s) => { delete prodService(s, 'app').cap_drop; }), target: 'compose.prod.yaml#services/app/cap_drop' },
      { name: 'SYS_ADMIN added back', input: example((s) => { prodService(s, 'nginx').cap_add = ['SYS_ADMIN']; }), target: 'compose.prod.yaml#services/nginx/cap_drop' },
      { name: 'a Kubernetes worker that drops nothing', input: withKubernetes((k) => { k8sContainer(k, 'Deployment', `${APP}-worker`).securityContext.capabilities = { drop: [] }; }), target: `k8s/worker.yaml#Deployment/${APP}-worker/containers/worker/securityContext/capabilities` },
      { name: 'SYS_ADMIN added to the Kubernetes redis', input: withKubernetes((k) => { k8sContainer(k, 'StatefulSet', 'redis').securityContext.capabilities.add = ['SYS_ADMIN']; }), target: 'k8s/redis.yaml#StatefulSet/redis/containers/redis/securityContext/capabilities' },
    ],
  },
  NoDockerSocket: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the docker socket mounted', input: example((s) => { prodService(s, 'worker').volumes = ['/var/run/docker.sock:/var/run/docker.sock']; }), target: 'compose.prod.yaml#services/worker/volumes' },
      { name: "the host's /etc mounted", input: example((s) => { devService(s, 'app').volumes!.push('/etc:/host-etc:ro'); }), target: 'compose.yaml#services/app/volumes' },
      {
        name: 'the docker socket as a hostPath volume of the Kubernetes worker',
        input: withKubernetes((k) => {
          pod(k, 'Deployment', `${APP}-worker`).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
          k8sContainer(k, 'Deployment', `${APP}-worker`).volumeMounts.push({ name: 'docker', mountPath: '/var/run/docker.sock' });
        }),
        target: `k8s/worker.yaml#Deployment/${APP}-worker/volumes`,
      },
    ],
  },
  NoHostNamespaces: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the host network', input: example((s) => { const app = prodService(s, 'app'); delete app.networks; app.network_mode = 'host'; }), target: 'compose.prod.yaml#services/app/network_mode' },
      { name: "the host's PID namespace", input: example((s) => { prodService(s, 'worker').pid = 'host'; }), target: 'compose.prod.yaml#services/worker/pid' },
      { name: "the node's PID namespace for Kubernetes beat", input: withKubernetes((k) => { pod(k, 'Deployment', `${APP}-beat`).hostPID = true; }), target: `k8s/beat.yaml#Deployment/${APP}-beat/hostPID` },
    ],
  },
  LimitsSet: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'limits removed', input: example((s) => { const r = prodService(s, 'redis'); delete r.deploy; delete r.pids_limit; }), target: 'compose.prod.yaml#services/redis/deploy/resources/limits' },
      { name: 'limits removed from the Kubernetes app container', input: withKubernetes((k) => { delete k8sContainer(k, 'Deployment', APP).resources.limits; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/resources/limits` },
    ],
  },
  NoNewPrivileges: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the profile allows new privileges', input: example(undefined, { dockerfile: { security: new SecurityProfile({ noNewPrivileges: false }) } }), target: 'compose.prod.yaml#services/app/security_opt' },
      { name: 'allowPrivilegeEscalation left unset in the Kubernetes migration Job', input: withKubernetes((k) => { delete k8sContainer(k, 'Job', `${APP}-migrate`).securityContext.allowPrivilegeEscalation; }), target: `k8s/migrate.yaml#Job/${APP}-migrate/containers/migrate/securityContext/allowPrivilegeEscalation` },
    ],
  },
  ReadOnlyRoot: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the profile has a writable root', input: example(undefined, { dockerfile: { security: new SecurityProfile({ readOnlyRootFilesystem: false }) } }), target: 'compose.prod.yaml#services/app/read_only' },
      { name: 'a writable root for the Kubernetes postgres', input: withKubernetes((k) => { k8sContainer(k, 'StatefulSet', 'postgres').securityContext.readOnlyRootFilesystem = false; }), target: 'k8s/postgres.yaml#StatefulSet/postgres/containers/postgres/securityContext/readOnlyRootFilesystem' },
    ],
  },
  NonRootUser: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'no user for redis', input: example((s) => { delete prodService(s, 'redis').user; }), target: 'compose.prod.yaml#services/redis/user' },
      { name: 'nginx as root', input: example((s) => { prodService(s, 'nginx').user = '0:0'; }), target: 'compose.prod.yaml#services/nginx/user' },
      { name: 'the Kubernetes redis pod run as uid 0', input: withKubernetes((k) => { pod(k, 'StatefulSet', 'redis').securityContext.runAsUser = 0; }), target: 'k8s/redis.yaml#StatefulSet/redis/containers/redis/securityContext/runAsUser' },
      {
        name: 'a Kubernetes sidecar of an image of unknown user, without runAsNonRoot',
        input: withKubernetes((k) => {
          const spec = pod(k, 'Deployment', APP);
          delete spec.securityContext.runAsUser;
          delete spec.securityContext.runAsNonRoot;
          spec.containers.push({ name: 'exporter', image: 'prom/statsd-exporter:v0.28.0', securityContext: { readOnlyRootFilesystem: true } });
        }),
        target: `k8s/app.yaml#Deployment/${APP}/containers/exporter/securityContext/runAsUser`,
      },
    ],
  },
  DataServicesNotExposed: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'PostgreSQL on every interface', input: example((s) => { devService(s, 'postgres').ports = ['0.0.0.0:5432:5432']; }), target: 'compose.yaml#services/postgres/ports' },
      {
        name: 'a MySQL added by hand, published on every interface',
        input: example((s) => { new ComposeService(s.compose, 'mysql', { image: 'mysql:8.4.3', ports: [{ target: 3306, published: 3306, hostIp: '0.0.0.0' }], security: new SecurityProfile({ uid: 999, gid: 999 }) }); }),
        target: 'compose.prod.yaml#services/mysql/ports',
      },
      {
        name: 'the Kubernetes postgres Service turned into a LoadBalancer',
        input: withKubernetes((k) => { const spec = k.model.find('Service', 'postgres').spec; delete spec.clusterIP; spec.type = 'LoadBalancer'; }),
        target: 'k8s/postgres.yaml#Service/postgres/spec/type',
      },
      {
        name: 'a NodePort Service for the Kubernetes redis added by hand',
        input: withKubernetes((k) => { k.model.add('k8s/redis.yaml', service('redis-public', 'NodePort', { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': 'redis' }, 6379)); }),
        target: 'k8s/redis.yaml#Service/redis-public/spec/type',
      },
    ],
  },
  PortsBoundToInterface: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the development app on every interface', input: example((s) => { devService(s, 'app').ports = ['8000:8000']; }), target: 'compose.yaml#services/app/ports' },
      { name: 'the Kubernetes app Service turned into a LoadBalancer', input: withKubernetes((k) => { k.model.find('Service', APP).spec.type = 'LoadBalancer'; }), target: `k8s/app.yaml#Service/${APP}/spec/type` },
    ],
  },
  ImagesPinned: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'an untagged redis', input: example((s) => { prodService(s, 'redis').image = 'redis'; }), target: 'compose.prod.yaml#services/redis/image' },
      { name: "a 'latest' mailpit", input: example(undefined, { compose: { mailpit: { image: 'axllent/mailpit:latest' } } }), target: 'compose.yaml#services/mailpit/image' },
      { name: 'an untagged redis in Kubernetes', input: withKubernetes((k) => { k8sContainer(k, 'StatefulSet', 'redis').image = 'redis'; }), target: 'k8s/redis.yaml#StatefulSet/redis/containers/redis/image' },
    ],
  },
  ImageDigestPinned: {
    compliant: [{
      name: 'every pulled image pinned by digest',
      input: example((s) => {
        for (const file of [s.compose.development, s.compose.production]) {
          for (const service of Object.values(file.document.services)) if (!service.build) service.image = `${String(service.image).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')}@${DIGEST}`;
        }
      }),
    }, {
      name: 'every Kubernetes image pinned by digest',
      input: withKubernetes((_, s) => {
        for (const file of [s.compose.development, s.compose.production]) {
          for (const service of Object.values(file.document.services)) if (!service.build) service.image = `${String(service.image).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')}@${DIGEST}`;
        }
      }, { kubernetes: { imageName: `ghcr.io/acme/fastapi-service@${DIGEST}`, postgres: { mode: 'in-cluster', image: `postgres:17.6-bookworm@${DIGEST}` }, redis: { mode: 'in-cluster', image: `redis:7.4.6-bookworm@${DIGEST}` } } }),
    }],
    nonCompliant: [
      { name: 'the example service (tags only)', input: example(), target: 'compose.prod.yaml#services/postgres/image' },
      { name: 'the example Kubernetes manifests (tags only)', input: withKubernetes(), target: `k8s/app.yaml#Deployment/${APP}/containers/app/image` },
    ],
  },
  SecretsNotInline: {
    compliant: [EXAMPLE, {
      name: 'a secret key required in production',
      input: example(undefined, { compose: { environment: { SECRET_KEY: { development: 'dev-only', production: ComposeValue.required('SECRET_KEY', 'set SECRET_KEY') } } } }),
    }, K8S],
    nonCompliant: [
      { name: 'a secret key written in the file', input: example(undefined, { compose: { environment: { SECRET_KEY: 'hunter2-for-everyone' } } }), target: 'compose.prod.yaml#services/app/environment' },
      { name: 'a default database password', input: example((s) => { prodService(s, 'postgres').environment = { POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-postgres}' }; }), target: 'compose.prod.yaml#services/postgres/environment' },
      { name: 'a URL with its password', input: example((s) => { (prodService(s, 'worker').environment as Record<string, string>).DATABASE_URL = 'postgresql://app:s3cret@postgres:5432/app'; }), target: 'compose.prod.yaml#services/worker/environment' },
      {
        name: 'a Kubernetes DATABASE_URL written with its password',
        input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).env[0] = { name: 'DATABASE_URL', value: 'postgresql://app:s3cret@postgres:5432/app' }; }),
        target: `k8s/app.yaml#Deployment/${APP}/containers/app/env`,
      },
      { name: 'a secret key in the Kubernetes ConfigMap', input: withKubernetes(undefined, { kubernetes: { environment: { SECRET_KEY: 'hunter2-for-everyone' } } }), target: `k8s/app.yaml#ConfigMap/${APP}-config/data` },
      {
        name: 'a Secret written with its value in k8s/',
        input: withKubernetes((k) => { k.model.add('k8s/app.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${APP}-database` }, stringData: { DATABASE_URL: 'postgresql://app:s3cret@db/app' } }); }),
        target: `k8s/app.yaml#Secret/${APP}-database/data`,
      },
    ],
  },
  HealthChecks: {
    compliant: [{
      name: 'a service whose every long-running service has a health check',
      input: example(undefined, {
        compose: {
          worker: undefined, beat: undefined,
          nginx: { healthCheck: { command: ['curl', '-fsS', 'http://127.0.0.1:8080/'], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 5, retries: 3 } },
        },
      }),
    }, {
      name: 'Kubernetes manifests without beat: the app and worker probed, the migration Job a one-shot',
      input: withKubernetes(undefined, {
        kubernetes: { beat: false },
        compose: {
          worker: undefined, beat: undefined,
          nginx: { healthCheck: { command: ['curl', '-fsS', 'http://127.0.0.1:8080/'], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 5, retries: 3 } },
        },
      }),
    }],
    nonCompliant: [
      { name: 'the example service (beat\'s is turned off, nginx has none)', input: example(), target: 'compose.prod.yaml#services/nginx/healthcheck' },
      { name: 'the example service: beat\'s turned off', input: example(), target: 'compose.prod.yaml#services/beat/healthcheck' },
      { name: 'the example Kubernetes manifests (beat answers no probe)', input: withKubernetes(), target: `k8s/beat.yaml#Deployment/${APP}-beat/containers/beat/probes` },
      { name: "the Kubernetes worker's probe removed", input: withKubernetes((k) => { delete k8sContainer(k, 'Deployment', `${APP}-worker`).livenessProbe; }), target: `k8s/worker.yaml#Deployment/${APP}-worker/containers/worker/probes` },
    ],
  },
  ProxyTlsModern: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'TLS 1.0 enabled by hand', input: example((s) => s.nginx.http.set('ssl_protocols', ['TLSv1', 'TLSv1.2', 'TLSv1.3'])), target: 'nginx/nginx.conf#ssl_protocols' }],
  },
  ProxyHidesVersion: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'server_tokens removed', input: example((s) => s.nginx.http.remove('server_tokens')), target: 'nginx/nginx.conf#server_tokens' }],
  },
  HealthCheckProbesServedEndpoint: {
    compliant: [EXAMPLE, { name: 'PORT changed in compose (the probe and the bind both read it)', input: example((s) => { (prodService(s, 'app').environment as Record<string, string>).PORT = '9000'; }) }, K8S],
    nonCompliant: [
      { name: 'gunicorn bound elsewhere by hand', input: example((s) => s.gunicorn.model.set({ name: 'bind', value: ['0.0.0.0:9000'] })), target: 'Dockerfile#stage/runtime/HEALTHCHECK' },
      {
        name: 'a probe of another path',
        input: example((s) => { s.dockerfile.runtime.remove('HEALTHCHECK'); s.dockerfile.runtime.add('HEALTHCHECK', 'CMD ["curl", "-f", "http://127.0.0.1:8000/healthz"]'); }),
        target: 'Dockerfile#stage/runtime/HEALTHCHECK',
      },
      { name: 'a compose probe of another port', input: example((s) => { prodService(s, 'app').healthcheck = { test: ['CMD', 'curl', '-f', 'http://127.0.0.1:8080/health'] }; }), target: 'compose.prod.yaml#services/app/healthcheck' },
      { name: 'a Kubernetes readiness probe of another path', input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).readinessProbe.httpGet.path = '/healthz'; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/readinessProbe` },
      { name: 'a Kubernetes liveness probe of another port', input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).livenessProbe.httpGet.port = 8080; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/livenessProbe` },
    ],
  },
  ExposedPortMatchesServer: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'another port exposed', input: example((s) => { s.dockerfile.runtime.remove('EXPOSE'); s.dockerfile.runtime.add('EXPOSE', '8080'); }), target: 'Dockerfile#stage/runtime/EXPOSE' },
      { name: 'another containerPort in Kubernetes', input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).ports[0].containerPort = 8080; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/ports` },
    ],
  },
  WritablePathsOwnedByRuntimeUser: {
    compliant: [{ name: 'an uploads directory given to the user', input: example(undefined, { dockerfile: { security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }) } }) }],
    nonCompliant: [{
      name: 'the uploads directory copied without --chown',
      input: example((s) => {
        s.dockerfile.runtime.remove('COPY', '--from=builder --chown=65532:65532 /keelson-rootfs/app/uploads /app/uploads');
        s.dockerfile.runtime.add('COPY', '--from=builder /keelson-rootfs/app/uploads /app/uploads');
      }, { dockerfile: { security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }) } }),
      target: 'Dockerfile#writable/app/uploads',
    }],
  },
  ReadOnlyRootLeavesServerPathsWritable: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: "gunicorn's heartbeat directory on the read-only root", input: example(undefined, { gunicorn: { workerTmpDir: '/var/lib/gunicorn' } }), target: 'compose.prod.yaml#services/app/writable:/var/lib/gunicorn' },
      { name: 'a tmpfs its user cannot write', input: example((s) => { prodService(s, 'app').tmpfs = ['/tmp:mode=755']; }), target: 'compose.prod.yaml#services/app/writable:/tmp' },
      { name: "nginx's temp files outside its tmpfs", input: example(undefined, { nginx: { tmpDir: '/var/cache/nginx' } }), target: 'compose.prod.yaml#services/nginx/writable:/var/cache/nginx' },
      { name: "the Kubernetes app's emptyDir for /tmp removed", input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).volumeMounts = []; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/writable:/tmp` },
      { name: "gunicorn's heartbeat directory on the Kubernetes app's read-only root", input: withKubernetes(undefined, { gunicorn: { workerTmpDir: '/var/lib/gunicorn' } }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/writable:/var/lib/gunicorn` },
    ],
  },
  ProxyUpstreamReachesAppServer: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'an upstream host no service has', input: example(undefined, { nginx: { upstreamHost: 'api' } }), target: 'nginx/nginx.conf#upstream/api:8000' },
      { name: 'the app off the edge network', input: example((s) => { prodService(s, 'app').networks = ['egress', 'data']; }), target: 'nginx/nginx.conf#upstream/app:8000' },
      { name: 'the app bound elsewhere in compose', input: example((s) => { prodService(s, 'app').command = ['--config', 'gunicorn.conf.py', '--bind', '0.0.0.0:9000', 'app.main:app']; }), target: 'nginx/nginx.conf#upstream/app:8000' },
      { name: 'a Kubernetes Ingress to a Service that does not exist', input: withKubernetes((k) => { k.model.find('Ingress', APP).spec.rules[0].http.paths[0].backend.service.name = 'api'; }), target: `k8s/ingress.yaml#Ingress/${APP}/backend/api:http` },
      {
        name: "the Kubernetes app Service's targetPort on another port",
        input: withKubernetes((k) => { k.model.find('Service', APP).spec.ports[0].targetPort = 9000; }),
        target: `k8s/ingress.yaml#Ingress/${APP}/backend/${APP}:http`,
      },
      {
        name: 'the Kubernetes app bound elsewhere, behind a NetworkPolicy for the old port',
        input: withKubernetes((k) => { k8sContainer(k, 'Deployment', APP).args.push('--bind', '0.0.0.0:9000'); }),
        target: `k8s/ingress.yaml#Ingress/${APP}/backend/${APP}:http`,
      },
    ],
  },
  ProxyTimeoutsMatchAppServer: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: "gunicorn's keep-alive lowered by hand", input: example((s) => s.gunicorn.model.set({ name: 'keepalive', value: 30 })), target: 'nginx/nginx.conf#upstream/timeouts' },
      { name: "nginx's read timeout lowered by hand", input: example((s) => s.nginx.appServer.set('proxy_read_timeout', '5s')), target: 'nginx/nginx.conf#upstream/timeouts' },
      {
        name: "a Kubernetes Ingress read timeout below gunicorn's",
        input: withKubernetes((k) => { k.model.find('Ingress', APP).metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '10'; }),
        target: `k8s/ingress.yaml#Ingress/${APP}/annotations/proxy-read-timeout`,
      },
    ],
  },
  StopGracePeriodCoversGracefulTimeout: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: "docker's default 10 s", input: example((s) => { delete prodService(s, 'app').stop_grace_period; }), target: 'compose.prod.yaml#services/app/stop_grace_period' },
      { name: "a Kubernetes grace period of 10 s", input: withKubernetes((k) => { pod(k, 'Deployment', APP).terminationGracePeriodSeconds = 10; }), target: `k8s/app.yaml#Deployment/${APP}/terminationGracePeriodSeconds` },
    ],
  },
  InterpreterMatchesVirtualenv: {
    compliant: [EXAMPLE, { name: 'the distroless flavour', input: example(undefined, { dockerfile: { flavour: 'distroless', pythonVersion: '3.11' } }) }],
    nonCompliant: [
      { name: 'a runtime image of another Python minor', input: example(undefined, { dockerfile: { runtimeImage: 'python:3.11.14-slim-bookworm' } }), target: 'Dockerfile#venv' },
      {
        name: "compose's build args put another Python in the runtime stage",
        input: example((s) => { (prodService(s, 'app').build as { args: Record<string, string> }).args.RUNTIME_IMAGE = '${RUNTIME_IMAGE:-python:3.13.9-slim-bookworm}'; }),
        target: 'compose.prod.yaml#services/app/build/args',
      },
    ],
  },
  DatabaseConnectionBudget: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the app scaled to 4 replicas by hand', input: example((s) => { (prodService(s, 'app').deploy as Record<string, unknown>).replicas = 4; }), target: 'compose.prod.yaml#services/postgres/command/max_connections' },
      { name: 'max_connections lowered by hand', input: example((s) => { prodService(s, 'postgres').command = ['postgres', '-c', 'max_connections=40']; }), target: 'compose.prod.yaml#services/postgres/command/max_connections' },
    ],
  },
  RuntimeUserAgrees: {
    compliant: [EXAMPLE, K8S],
    nonCompliant: [
      { name: 'the worker run as another uid', input: example((s) => { prodService(s, 'worker').user = '1000:1000'; }), target: 'compose.prod.yaml#services/worker/user' },
      { name: 'a Kubernetes deployment with another uid', input: withKubernetes((k) => { pod(k, 'Deployment', APP).securityContext.runAsUser = 1000; }), target: `k8s/app.yaml#Deployment/${APP}/containers/app/securityContext` },
      { name: 'the Dockerfile USER changed by hand', input: example((s) => s.dockerfile.runtime.add('USER', '1000:1000')), target: 'Dockerfile#stage/runtime/USER' },
    ],
  },
  ForwardedHeadersTrusted: {
    compliant: [
      {
        name: "the edge network's subnet trusted",
        input: example((s) => s.compose.production.addNetwork('edge', { ipam: { config: [{ subnet: '172.30.0.0/24' }] } }), { gunicorn: { forwardedAllowIps: ['172.30.0.0/24'] } }),
      },
      {
        name: "nginx's fixed address trusted through FORWARDED_ALLOW_IPS",
        input: example((s) => {
          (prodService(s, 'nginx').networks as unknown) = { edge: { ipv4_address: '172.30.0.10' } };
          (prodService(s, 'app').environment as Record<string, string>).FORWARDED_ALLOW_IPS = '172.30.0.10';
        }),
      },
      {
        name: "Kubernetes: '*' behind the NetworkPolicies that admit only the ingress controller",
        input: withKubernetes((_, s) => {
          (prodService(s, 'nginx').networks as unknown) = { edge: { ipv4_address: '172.30.0.10' } };
          (prodService(s, 'app').environment as Record<string, string>).FORWARDED_ALLOW_IPS = '172.30.0.10';
        }, { kubernetes: { environment: { FORWARDED_ALLOW_IPS: '*' } } }),
      },
      {
        name: "Kubernetes by default: the component trusts '*' on the app container behind its Ingress",
        input: withKubernetes((_, s) => {
          (prodService(s, 'nginx').networks as unknown) = { edge: { ipv4_address: '172.30.0.10' } };
          (prodService(s, 'app').environment as Record<string, string>).FORWARDED_ALLOW_IPS = '172.30.0.10';
        }),
      },
    ],
    nonCompliant: [
      { name: 'the example service (loopback only)', input: example(), target: 'compose.prod.yaml#services/app/forwarded_allow_ips' },
      { name: "'*' while the app is published", input: example((s) => { prodService(s, 'app').ports = ['127.0.0.1:8000:8000']; }, { gunicorn: { forwardedAllowIps: ['*'] } }), target: 'compose.prod.yaml#services/app/forwarded_allow_ips' },
      {
        name: 'the example Kubernetes app told not to trust the controller (loopback only, behind an Ingress)',
        input: withKubernetes(undefined, { kubernetes: { ingress: { host: 'api.example.com', trustForwardedHeaders: false } } }),
        target: `k8s/app.yaml#Deployment/${APP}/containers/app/forwarded_allow_ips`,
      },
      {
        name: "Kubernetes: '*' while a LoadBalancer exposes the app",
        input: withKubernetes((k) => { k.model.find('Service', APP).spec.type = 'LoadBalancer'; }, { kubernetes: { environment: { FORWARDED_ALLOW_IPS: '*' } } }),
        target: `k8s/app.yaml#Deployment/${APP}/containers/app/forwarded_allow_ips`,
      },
    ],
  },
  ProxyConfigMounted: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the config not mounted', input: example((s) => { delete prodService(s, 'nginx').volumes; }), target: 'compose.prod.yaml#services/nginx/volumes' },
      { name: 'another config mounted', input: example(undefined, { compose: { nginx: { configFile: 'app/__init__.py' } } }), target: 'compose.prod.yaml#services/nginx/volumes' },
    ],
  },
  BuildContextExcludesSecrets: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'no .dockerignore', input: example(undefined, { dockerIgnore: false }), target: '.dockerignore#secrets' },
      { name: '.env brought back on purpose', input: example((s) => { s.project.tryRemoveFile('.dockerignore'); new DockerIgnore(s.project, { include: ['app/.env'] }); }, { dockerIgnore: false }), target: '.dockerignore#secrets' },
    ],
  },
  ImageHealthCheckFitsRole: {
    compliant: [EXAMPLE, { name: 'the worker\'s health check turned off on purpose', input: example(undefined, { compose: { worker: { healthCheck: false } } }) }],
    nonCompliant: [
      { name: 'the worker\'s Celery ping removed by hand', input: example((s) => { delete prodService(s, 'worker').healthcheck; }), target: 'compose.prod.yaml#services/worker/healthcheck' },
      { name: 'beat\'s `disable` removed by hand', input: example((s) => { delete devService(s, 'beat').healthcheck; }), target: 'compose.yaml#services/beat/healthcheck' },
      { name: 'the migration job given a timing only (it keeps the image\'s test)', input: example((s) => { prodService(s, 'migrate').healthcheck = { interval: '5s' }; }), target: 'compose.prod.yaml#services/migrate/healthcheck' },
    ],
  },
  ...PIPELINE_RULE_CASES,
};
