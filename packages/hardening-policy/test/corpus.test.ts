import { Compose, ComposeService } from '@keelson/compose';
import { KeelsonSynthError, ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile } from '@keelson/dockerfile';
import { GunicornConfig } from '@keelson/gunicorn';
import { NginxConfig } from '@keelson/nginx';
import { Testing } from 'projen';
import { HardeningPolicy } from '../src';
import { serviceDir } from './support';

/**
 * Deliberately broken services, each written as its .projenrc.ts would be, and the rule that must stop each.
 * The policy is added as a service adds it; its summary is not printed.
 */
interface Broken {
  readonly name: string;
  /** The rule id that must stop the synth. */
  readonly rule: string;
  readonly projenrc: (outdir: string) => ServiceProject;
}

const quiet = { print: () => undefined };

const CORPUS: Broken[] = [
  {
    name: 'gunicorn bound by hand to a port the health check does not probe',
    rule: 'KS-X-001',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'orders', outdir });
      const gunicorn = new GunicornConfig(project, { endpoint: new ServiceEndpoint({ port: 8000 }) });
      gunicorn.model.set({ name: 'bind', value: ['0.0.0.0:8080'], comment: 'Our load balancer expects 8080.' });
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      new Compose(project, { image: dockerfile, appServer: gunicorn });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: "nginx's temp files outside the tmpfs of its read-only root",
    rule: 'KS-X-004',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'shop', outdir });
      const gunicorn = new GunicornConfig(project);
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      new NginxConfig(project, { upstream: gunicorn, serverNames: ['shop.example.com'], tls: false, tmpDir: '/var/cache/nginx' });
      new Compose(project, { image: dockerfile, appServer: gunicorn, nginx: {} });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'the app scaled past the connections PostgreSQL accepts',
    rule: 'KS-X-009',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'billing', outdir });
      const gunicorn = new GunicornConfig(project, { limits: new ResourceLimits({ cpus: 2, memoryMiB: 1024 }) });
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      const compose = new Compose(project, { image: dockerfile, appServer: gunicorn, app: { limits: new ResourceLimits({ cpus: 2, memoryMiB: 1024 }) }, postgres: { maxConnections: 50 } });
      // "We need more capacity": four replicas, written straight into the production model.
      compose.production.service('app')!.deploy!.replicas = 4;
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: "a runtime image of another Python than the builder's virtualenv",
    rule: 'KS-X-008',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'search', outdir });
      const gunicorn = new GunicornConfig(project);
      new Dockerfile(project, { appServer: gunicorn, pythonVersion: '3.12', runtimeImage: 'python:3.13.9-slim-bookworm' });
      new DockerIgnore(project);
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'nginx proxying to a host compose does not have',
    rule: 'KS-X-005',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'api', outdir });
      const gunicorn = new GunicornConfig(project);
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      new NginxConfig(project, { upstream: gunicorn, serverNames: ['api.example.com'], tls: false, upstreamHost: 'backend' });
      new Compose(project, { image: dockerfile, appServer: gunicorn, nginx: {} });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'the Celery worker run as another uid than the image gives its files to',
    rule: 'KS-X-010',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'mailer', outdir });
      const gunicorn = new GunicornConfig(project);
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      const compose = new Compose(project, { image: dockerfile, appServer: gunicorn, redis: {}, worker: {} });
      compose.production.service('worker')!.user = '1000:1000';
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: "gunicorn's keep-alive lowered below nginx's upstream idle timeout",
    rule: 'KS-X-006',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'feeds', outdir });
      const gunicorn = new GunicornConfig(project);
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      new NginxConfig(project, { upstream: gunicorn, serverNames: ['feeds.example.com'], tls: false });
      new Compose(project, { image: dockerfile, appServer: gunicorn, nginx: {} });
      gunicorn.model.set({ name: 'keepalive', value: 5 });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'a privileged debugging sidecar added by hand',
    rule: 'KS-CO-001',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'ops', outdir });
      const dockerfile = new Dockerfile(project);
      new DockerIgnore(project);
      const compose = new Compose(project, { image: dockerfile });
      const debug = new ComposeService(compose, 'debug', { image: 'nicolaka/netshoot:v0.13', production: false });
      Object.assign(debug.spec('development'), { privileged: true });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'PostgreSQL published on every interface for a colleague',
    rule: 'KS-CO-009',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'crm', outdir });
      const dockerfile = new Dockerfile(project);
      new DockerIgnore(project);
      const compose = new Compose(project, { image: dockerfile, postgres: {} });
      compose.development.service('postgres')!.ports = ['0.0.0.0:5432:5432'];
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'a session secret written into the production file',
    rule: 'KS-CO-013',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'portal', outdir });
      const dockerfile = new Dockerfile(project);
      new DockerIgnore(project);
      new Compose(project, { image: dockerfile, environment: { SESSION_SECRET: 'correct-horse-battery-staple' } });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'a writable root filesystem for the app image',
    rule: 'KS-CO-007',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'legacy', outdir });
      const dockerfile = new Dockerfile(project, { security: new SecurityProfile({ readOnlyRootFilesystem: false }) });
      new DockerIgnore(project);
      new Compose(project, { image: dockerfile });
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'a build context without .dockerignore',
    rule: 'KS-X-013',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'quick', outdir });
      new Dockerfile(project);
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'an API token baked into the image',
    rule: 'KS-DF-005',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'geo', outdir });
      const dockerfile = new Dockerfile(project);
      dockerfile.runtime.add('ENV', 'MAPS_API_KEY=AIzaSyExample0000000000000000000');
      new DockerIgnore(project);
      new HardeningPolicy(project, quiet);
      return project;
    },
  },
  {
    name: 'compose killing the app before gunicorn drains it',
    rule: 'KS-X-007',
    projenrc: (outdir) => {
      const project = new ServiceProject({ name: 'uploads', outdir });
      const gunicorn = new GunicornConfig(project, { timeoutSeconds: 120, gracefulTimeoutSeconds: 90 });
      const dockerfile = new Dockerfile(project, { appServer: gunicorn });
      new DockerIgnore(project);
      const compose = new Compose(project, { image: dockerfile, appServer: gunicorn });
      compose.production.service('app')!.stop_grace_period = '30s';
      // Warnings do not stop a synth: this service asks for the strict pack.
      new HardeningPolicy(project, { ...quiet, packs: ['strict'] });
      return project;
    },
  },
];

describe('the corpus of broken services', () => {
  test.each(CORPUS.map((c) => [c.name, c.rule, c] as const))('stops %s with %s', (_, rule, broken) => {
    const project = broken.projenrc(serviceDir());
    let error: unknown;
    try {
      Testing.synth(project);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    const messages = (error as KeelsonSynthError).problems.map((p) => p.message);
    expect(messages.some((m) => m.startsWith(`${rule} `))).toBe(true);
  });

  test('names a different rule for every service', () => {
    expect(new Set(CORPUS.map((c) => c.rule)).size).toBe(CORPUS.length);
  });
});
