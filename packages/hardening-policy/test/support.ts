import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Compose, ComposeProps } from '@keelson/compose';
import { ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile, DockerfileProps } from '@keelson/dockerfile';
import { GunicornConfig, GunicornConfigProps } from '@keelson/gunicorn';
import { NginxConfig, NginxConfigProps } from '@keelson/nginx';
import { Kubernetes, KubernetesProps } from '@keelson/kubernetes';
import { HardeningPolicy, HardeningPolicyProps, PACKS, PolicyInput, PolicyResult, collectPolicyInput, evaluatePolicy } from '../src';

/** A fresh directory under the OS temp dir with what the example's Dockerfile copies and compose mounts. */
export function serviceDir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'keelson-policy-'));
  mkdirSync(join(outdir, 'app'));
  writeFileSync(join(outdir, 'app', '__init__.py'), '');
  writeFileSync(join(outdir, 'app', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
  writeFileSync(join(outdir, 'requirements.txt'), 'fastapi==0.115.0\n');
  // The example's migrations (the migration job runs alembic, which reads alembic.ini).
  writeFileSync(join(outdir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  mkdirSync(join(outdir, 'migrations'));
  writeFileSync(join(outdir, 'migrations', 'env.py'), '');
  return outdir;
}

/** Overrides of the example's props, for the broken services of the corpus. */
export interface ExampleOverrides {
  readonly outdir?: string;
  readonly gunicorn?: Partial<GunicornConfigProps>;
  readonly dockerfile?: Partial<DockerfileProps>;
  readonly nginx?: Partial<NginxConfigProps>;
  readonly compose?: Partial<ComposeProps>;
  readonly dockerIgnore?: boolean;
  /** Add the Kubernetes manifests of the same service (the full stack, in-cluster data services), with these props. */
  readonly kubernetes?: Partial<KubernetesProps>;
  /** Add the policy (with these props); `false` leaves it out. */
  readonly policy?: HardeningPolicyProps | false;
}

/** The example service's components. */
export interface ExampleService {
  readonly project: ServiceProject;
  readonly gunicorn: GunicornConfig;
  readonly dockerfile: Dockerfile;
  readonly nginx: NginxConfig;
  readonly compose: Compose;
  /** When the overrides asked for it. */
  readonly kubernetes?: Kubernetes;
  readonly policy?: HardeningPolicy;
}

/** The image as a cluster pulls it, in the example's Kubernetes manifests. */
export const KUBERNETES_IMAGE = 'ghcr.io/acme/fastapi-service:1.0.0';

/**
 * examples/fastapi-service/.projenrc.ts, declaration for declaration (a test asserts that it generates the committed
 * files), with overrides for the corpus of broken services. The policy prints nothing unless asked.
 */
export function exampleService(overrides: ExampleOverrides = {}): ExampleService {
  const project = new ServiceProject({ name: 'fastapi-service', outdir: overrides.outdir ?? serviceDir() });
  const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
  const security = new SecurityProfile({ writablePaths: ['/tmp'] });
  const limits = new ResourceLimits({ cpus: 1, memoryMiB: 512 });
  const gunicorn = new GunicornConfig(project, { endpoint, limits, ...overrides.gunicorn });
  const dockerfile = new Dockerfile(project, {
    flavour: 'slim',
    pythonVersion: '3.12',
    appServer: gunicorn,
    appPaths: ['app', 'alembic.ini', 'migrations'],
    security,
    labels: {
      description: 'Example FastAPI service deployed with Keelson',
      source: 'https://github.com/keelson-dev/keelson',
      licenses: 'Apache-2.0',
    },
    ...overrides.dockerfile,
  });
  if (overrides.dockerIgnore ?? true) new DockerIgnore(project);
  const tls = { certificate: 'tls_certificate', certificateKey: 'tls_private_key' };
  const nginx = new NginxConfig(project, {
    upstream: gunicorn,
    serverNames: ['localhost'],
    tls: { certificate: `/run/secrets/${tls.certificate}`, certificateKey: `/run/secrets/${tls.certificateKey}` },
    ...overrides.nginx,
  });
  const compose = new Compose(project, {
    image: dockerfile,
    appServer: gunicorn,
    app: { limits },
    postgres: {},
    redis: {},
    mailpit: {},
    worker: {},
    beat: {},
    migrations: {},
    nginx: {
      secrets: [
        { name: tls.certificate, file: './secrets/tls_certificate.pem' },
        { name: tls.certificateKey, file: './secrets/tls_private_key.pem' },
      ],
    },
    ...overrides.compose,
  });
  const kubernetes = overrides.kubernetes === undefined ? undefined : new Kubernetes(project, {
    image: dockerfile,
    imageName: KUBERNETES_IMAGE,
    appServer: gunicorn,
    limits,
    environment: { LOG_LEVEL: 'info' },
    ingress: { host: 'api.example.com' },
    postgres: { mode: 'in-cluster' },
    redis: { mode: 'in-cluster' },
    worker: {},
    beat: true,
    migrations: {},
    ...overrides.kubernetes,
  });
  const policy = overrides.policy === false ? undefined
    : new HardeningPolicy(project, { print: () => undefined, ...overrides.policy });
  return { project, gunicorn, dockerfile, nginx, compose, kubernetes, policy };
}

/** The resolved models of a project, as the policy reads them. */
export function inputOf(service: { project: ServiceProject }): PolicyInput {
  return collectPolicyInput(service.project);
}

/** The strict pack's result on a project: every rule, every finding. */
export function strictResult(service: { project: ServiceProject }): PolicyResult {
  return evaluatePolicy(inputOf(service), [PACKS.strict]);
}
