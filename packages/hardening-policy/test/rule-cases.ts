import { Component } from 'projen';
import { ComposeService } from '@keelson/compose';
import { ComposeValue } from '@keelson/compose';
import { KubernetesView, SecurityProfile, registerModel } from '@keelson/core';
import { DockerIgnore } from '@keelson/dockerfile';
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

/** A Kubernetes model registered the way a Kubernetes component would. */
function kubernetes(s: ExampleService, runAsUser: number, runAsGroup: number): void {
  const view: KubernetesView = {
    workloads: [{
      file: 'k8s/deployment.yaml', name: 'app', podRunAsUser: runAsUser, podRunAsGroup: runAsGroup,
      containers: [{ name: 'app', image: 'fastapi-service:1.0.0', appImage: true }, { name: 'sidecar', image: 'busybox:1.37', runAsUser: 1000, appImage: false }],
    }],
  };
  registerModel(new Component(s.project, 'Kubernetes'), 'kubernetes', () => view);
}

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
  ComposeNoPrivileged: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'a privileged worker', input: example((s) => { prodService(s, 'worker').privileged = true; }), target: 'compose.prod.yaml#services/worker/privileged' }],
  },
  ComposeCapabilitiesDropped: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'cap_drop removed', input: example((s) => { delete prodService(s, 'app').cap_drop; }), target: 'compose.prod.yaml#services/app/cap_drop' },
      { name: 'SYS_ADMIN added back', input: example((s) => { prodService(s, 'nginx').cap_add = ['SYS_ADMIN']; }), target: 'compose.prod.yaml#services/nginx/cap_drop' },
    ],
  },
  ComposeNoDockerSocket: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the docker socket mounted', input: example((s) => { prodService(s, 'worker').volumes = ['/var/run/docker.sock:/var/run/docker.sock']; }), target: 'compose.prod.yaml#services/worker/volumes' },
      { name: "the host's /etc mounted", input: example((s) => { devService(s, 'app').volumes!.push('/etc:/host-etc:ro'); }), target: 'compose.yaml#services/app/volumes' },
    ],
  },
  ComposeNoHostNamespaces: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the host network', input: example((s) => { const app = prodService(s, 'app'); delete app.networks; app.network_mode = 'host'; }), target: 'compose.prod.yaml#services/app/network_mode' },
      { name: "the host's PID namespace", input: example((s) => { prodService(s, 'worker').pid = 'host'; }), target: 'compose.prod.yaml#services/worker/pid' },
    ],
  },
  ComposeLimitsSet: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'limits removed', input: example((s) => { const r = prodService(s, 'redis'); delete r.deploy; delete r.pids_limit; }), target: 'compose.prod.yaml#services/redis/deploy/resources/limits' }],
  },
  ComposeNoNewPrivileges: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'the profile allows new privileges', input: example(undefined, { dockerfile: { security: new SecurityProfile({ noNewPrivileges: false }) } }), target: 'compose.prod.yaml#services/app/security_opt' },
    ],
  },
  ComposeReadOnlyRoot: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'the profile has a writable root', input: example(undefined, { dockerfile: { security: new SecurityProfile({ readOnlyRootFilesystem: false }) } }), target: 'compose.prod.yaml#services/app/read_only' }],
  },
  ComposeNonRootUser: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'no user for redis', input: example((s) => { delete prodService(s, 'redis').user; }), target: 'compose.prod.yaml#services/redis/user' },
      { name: 'nginx as root', input: example((s) => { prodService(s, 'nginx').user = '0:0'; }), target: 'compose.prod.yaml#services/nginx/user' },
    ],
  },
  DataServicesNotExposed: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'PostgreSQL on every interface', input: example((s) => { devService(s, 'postgres').ports = ['0.0.0.0:5432:5432']; }), target: 'compose.yaml#services/postgres/ports' },
      {
        name: 'a MySQL added by hand, published on every interface',
        input: example((s) => { new ComposeService(s.compose, 'mysql', { image: 'mysql:8.4.3', ports: [{ target: 3306, published: 3306, hostIp: '0.0.0.0' }], security: new SecurityProfile({ uid: 999, gid: 999 }) }); }),
        target: 'compose.prod.yaml#services/mysql/ports',
      },
    ],
  },
  PortsBoundToInterface: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'the development app on every interface', input: example((s) => { devService(s, 'app').ports = ['8000:8000']; }), target: 'compose.yaml#services/app/ports' }],
  },
  ComposeImagesPinned: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'an untagged redis', input: example((s) => { prodService(s, 'redis').image = 'redis'; }), target: 'compose.prod.yaml#services/redis/image' },
      { name: "a 'latest' mailpit", input: example(undefined, { compose: { mailpit: { image: 'axllent/mailpit:latest' } } }), target: 'compose.yaml#services/mailpit/image' },
    ],
  },
  ComposeImageDigestPinned: {
    compliant: [{
      name: 'every pulled image pinned by digest',
      input: example((s) => {
        for (const file of [s.compose.development, s.compose.production]) {
          for (const service of Object.values(file.document.services)) if (!service.build) service.image = `${String(service.image).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')}@${DIGEST}`;
        }
      }),
    }],
    nonCompliant: [{ name: 'the example service (tags only)', input: example(), target: 'compose.prod.yaml#services/postgres/image' }],
  },
  ComposeSecretsNotInline: {
    compliant: [EXAMPLE, {
      name: 'a secret key required in production',
      input: example(undefined, { compose: { environment: { SECRET_KEY: { development: 'dev-only', production: ComposeValue.required('SECRET_KEY', 'set SECRET_KEY') } } } }),
    }],
    nonCompliant: [
      { name: 'a secret key written in the file', input: example(undefined, { compose: { environment: { SECRET_KEY: 'hunter2-for-everyone' } } }), target: 'compose.prod.yaml#services/app/environment' },
      { name: 'a default database password', input: example((s) => { prodService(s, 'postgres').environment = { POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-postgres}' }; }), target: 'compose.prod.yaml#services/postgres/environment' },
      { name: 'a URL with its password', input: example((s) => { (prodService(s, 'worker').environment as Record<string, string>).DATABASE_URL = 'postgresql://app:s3cret@postgres:5432/app'; }), target: 'compose.prod.yaml#services/worker/environment' },
    ],
  },
  ComposeHealthChecks: {
    compliant: [{
      name: 'a service whose every long-running service has a health check',
      input: example(undefined, {
        compose: {
          worker: undefined, beat: undefined,
          nginx: { healthCheck: { command: ['curl', '-fsS', 'http://127.0.0.1:8080/'], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 5, retries: 3 } },
        },
      }),
    }],
    nonCompliant: [{ name: 'the example service (worker, beat and nginx have none)', input: example(), target: 'compose.prod.yaml#services/nginx/healthcheck' }],
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
    compliant: [EXAMPLE, { name: 'PORT changed in compose (the probe and the bind both read it)', input: example((s) => { (prodService(s, 'app').environment as Record<string, string>).PORT = '9000'; }) }],
    nonCompliant: [
      { name: 'gunicorn bound elsewhere by hand', input: example((s) => s.gunicorn.model.set({ name: 'bind', value: ['0.0.0.0:9000'] })), target: 'Dockerfile#stage/runtime/HEALTHCHECK' },
      {
        name: 'a probe of another path',
        input: example((s) => { s.dockerfile.runtime.remove('HEALTHCHECK'); s.dockerfile.runtime.add('HEALTHCHECK', 'CMD ["curl", "-f", "http://127.0.0.1:8000/healthz"]'); }),
        target: 'Dockerfile#stage/runtime/HEALTHCHECK',
      },
      { name: 'a compose probe of another port', input: example((s) => { prodService(s, 'app').healthcheck = { test: ['CMD', 'curl', '-f', 'http://127.0.0.1:8080/health'] }; }), target: 'compose.prod.yaml#services/app/healthcheck' },
    ],
  },
  ExposedPortMatchesServer: {
    compliant: [EXAMPLE],
    nonCompliant: [{ name: 'another port exposed', input: example((s) => { s.dockerfile.runtime.remove('EXPOSE'); s.dockerfile.runtime.add('EXPOSE', '8080'); }), target: 'Dockerfile#stage/runtime/EXPOSE' }],
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
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: "gunicorn's heartbeat directory on the read-only root", input: example(undefined, { gunicorn: { workerTmpDir: '/var/lib/gunicorn' } }), target: 'compose.prod.yaml#services/app/writable:/var/lib/gunicorn' },
      { name: 'a tmpfs its user cannot write', input: example((s) => { prodService(s, 'app').tmpfs = ['/tmp:mode=755']; }), target: 'compose.prod.yaml#services/app/writable:/tmp' },
      { name: "nginx's temp files outside its tmpfs", input: example(undefined, { nginx: { tmpDir: '/var/cache/nginx' } }), target: 'compose.prod.yaml#services/nginx/writable:/var/cache/nginx' },
    ],
  },
  ProxyUpstreamReachesAppServer: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: 'an upstream host no service has', input: example(undefined, { nginx: { upstreamHost: 'api' } }), target: 'nginx/nginx.conf#upstream/api:8000' },
      { name: 'the app off the edge network', input: example((s) => { prodService(s, 'app').networks = ['egress', 'data']; }), target: 'nginx/nginx.conf#upstream/app:8000' },
      { name: 'the app bound elsewhere in compose', input: example((s) => { prodService(s, 'app').command = ['--config', 'gunicorn.conf.py', '--bind', '0.0.0.0:9000', 'app.main:app']; }), target: 'nginx/nginx.conf#upstream/app:8000' },
    ],
  },
  ProxyTimeoutsMatchAppServer: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: "gunicorn's keep-alive lowered by hand", input: example((s) => s.gunicorn.model.set({ name: 'keepalive', value: 30 })), target: 'nginx/nginx.conf#upstream/timeouts' },
      { name: "nginx's read timeout lowered by hand", input: example((s) => s.nginx.appServer.set('proxy_read_timeout', '5s')), target: 'nginx/nginx.conf#upstream/timeouts' },
    ],
  },
  StopGracePeriodCoversGracefulTimeout: {
    compliant: [EXAMPLE],
    nonCompliant: [
      { name: "docker's default 10 s", input: example((s) => { delete prodService(s, 'app').stop_grace_period; }), target: 'compose.prod.yaml#services/app/stop_grace_period' },
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
    compliant: [EXAMPLE, { name: 'a Kubernetes deployment that runs as the image user', input: example((s) => kubernetes(s, 65532, 65532)) }],
    nonCompliant: [
      { name: 'the worker run as another uid', input: example((s) => { prodService(s, 'worker').user = '1000:1000'; }), target: 'compose.prod.yaml#services/worker/user' },
      { name: 'a Kubernetes deployment with another uid', input: example((s) => kubernetes(s, 1000, 1000)), target: 'k8s/deployment.yaml#app/containers/app/securityContext' },
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
    ],
    nonCompliant: [
      { name: 'the example service (loopback only)', input: example(), target: 'compose.prod.yaml#services/app/forwarded_allow_ips' },
      { name: "'*' while the app is published", input: example((s) => { prodService(s, 'app').ports = ['127.0.0.1:8000:8000']; }, { gunicorn: { forwardedAllowIps: ['*'] } }), target: 'compose.prod.yaml#services/app/forwarded_allow_ips' },
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
  ...PIPELINE_RULE_CASES,
};
