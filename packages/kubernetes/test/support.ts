import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { IAppServer, IContainerImage, ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { parseAllDocuments } from 'yaml';
import { Kubernetes, KubernetesManifest, KubernetesProps } from '../src';

/** A service project in a fresh temp dir. */
export function serviceProject(name = 'svc'): ServiceProject {
  return new ServiceProject({ name, outdir: mkdtempSync(join(tmpdir(), 'keelson-k8s-')) });
}

/** The image contract as the Dockerfile component fulfils it: port 8000, /health, uid 65532, /tmp writable. */
export function containerImage(overrides: Partial<IContainerImage> = {}): IContainerImage {
  return {
    dockerfile: 'Dockerfile',
    context: '.',
    target: 'runtime',
    buildArgs: {},
    endpoint: new ServiceEndpoint(),
    security: new SecurityProfile(),
    healthCheck: { command: ['/opt/venv/bin/python', '-c', 'pass'], intervalSeconds: 30, timeoutSeconds: 5, startPeriodSeconds: 30, retries: 3 },
    pythonModuleEntrypoint: ['/opt/venv/bin/python', '-m'],
    workdir: '/app',
    ...overrides,
  };
}

/** An app server as GunicornConfig fulfils the contract: gunicorn's 2n+1 formula, bounded by memory. */
export function appServer(overrides: Partial<IAppServer> = {}): IAppServer {
  return {
    endpoint: new ServiceEndpoint(),
    module: 'gunicorn',
    configFile: 'gunicorn.conf.py',
    keepAliveSeconds: 75,
    timeoutSeconds: 30,
    gracefulTimeoutSeconds: 25,
    requirements: [{ name: 'gunicorn', version: '23.0.0' }],
    command: (appModule: string) => ['--config', 'gunicorn.conf.py', appModule],
    workersFor: (limits: ResourceLimits) => Math.min(Math.ceil(2 * limits.cpus) + 1, Math.max(1, Math.floor((limits.memoryMiB - 64) / 128))),
    ...overrides,
  };
}

/** Everything on: worker, beat, migrations, ingress, in-cluster PostgreSQL and Redis. */
export const FULL_STACK: Omit<KubernetesProps, 'image' | 'imageName'> = {
  appServer: appServer(),
  environment: { LOG_LEVEL: 'info' },
  ingress: { host: 'api.example.com' },
  postgres: { mode: 'in-cluster' },
  redis: { mode: 'in-cluster' },
  worker: {},
  beat: true,
  migrations: {},
};

export const IMAGE_NAME = 'ghcr.io/acme/svc:1.0.0';

export interface SynthResult {
  readonly k8s: Kubernetes;
  /** Every generated k8s/ file's text, by path. */
  readonly text: Record<string, string>;
  /** Every manifest, parsed back from the files. */
  readonly manifests: KubernetesManifest[];
  /** Parsed manifests by file. */
  readonly byFile: Record<string, KubernetesManifest[]>;
}

export function synthKubernetes(props: Partial<KubernetesProps> = {}, edit?: (k: Kubernetes) => void): SynthResult {
  const project = serviceProject();
  const k8s = new Kubernetes(project, { image: containerImage(), imageName: IMAGE_NAME, ...props });
  edit?.(k8s);
  const out = Testing.synth(project);
  const text: Record<string, string> = {};
  const byFile: Record<string, KubernetesManifest[]> = {};
  for (const [path, content] of Object.entries(out)) {
    if (!path.startsWith('k8s/')) continue;
    text[path] = content as string;
    byFile[path] = parseAllDocuments(content as string).map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJS() as KubernetesManifest;
    });
  }
  return { k8s, text, byFile, manifests: Object.values(byFile).flat() };
}

export function find(manifests: KubernetesManifest[], kind: string, name: string): KubernetesManifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}`);
  return m;
}

/** Schema problems of manifests, from kubernetes-models' OpenAPI validation (in a child process: it is ESM). */
export function schemaProblems(manifests: readonly unknown[]): Array<{ kind: string; name: string; error: string }> {
  const run = spawnSync(process.execPath, [join(__dirname, 'validate-schema.mjs')], { input: JSON.stringify(manifests), encoding: 'utf-8', cwd: join(__dirname, '..') });
  if (run.status !== 0) throw new Error(`schema validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
