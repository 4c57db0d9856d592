import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { IAppServer, IContainerImage, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { parse } from 'yaml';
import { Compose, ComposeProps, Service } from '../src';

/** A service project in a fresh temp dir with the code a compose file mounts: app/. */
export function serviceProject(name = 'svc', files: Record<string, string> = {}): ServiceProject {
  const outdir = mkdtempSync(join(tmpdir(), 'keelson-compose-'));
  mkdirSync(join(outdir, 'app'));
  writeFileSync(join(outdir, 'app', '__init__.py'), '');
  writeFileSync(join(outdir, 'app', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(outdir, path, '..'), { recursive: true });
    writeFileSync(join(outdir, path), text);
  }
  return new ServiceProject({ name, outdir });
}

/**
 * The image contract as the Dockerfile component fulfils it (a contract fixture: compose does not depend on
 * @keelson/dockerfile): port 8000, /health, uid 65532, /tmp writable, the virtualenv's python -m.
 */
export function containerImage(overrides: Partial<IContainerImage> = {}): IContainerImage {
  const endpoint = overrides.endpoint ?? new ServiceEndpoint();
  return {
    dockerfile: 'Dockerfile',
    context: '.',
    target: 'runtime',
    buildArgs: { BUILDER_IMAGE: 'python:3.12.12-slim-bookworm', RUNTIME_IMAGE: 'python:3.12.12-slim-bookworm' },
    endpoint,
    security: new SecurityProfile(),
    healthCheck: {
      command: ['/opt/venv/bin/python', '-c', "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health', timeout=4); sys.exit(0 if 200 <= r.status < 300 else 1)"],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      startPeriodSeconds: 30,
      retries: 3,
    },
    pythonModuleEntrypoint: ['/opt/venv/bin/python', '-m'],
    workdir: '/app',
    ...overrides,
  };
}

/** An app server as GunicornConfig fulfils the contract, with the worker count compose asks for. */
export function appServer(overrides: Partial<IAppServer> & { workersFor?: IAppServer extends never ? never : (l: { cpus: number }) => number } = {}) {
  return {
    endpoint: new ServiceEndpoint(),
    module: 'gunicorn',
    configFile: 'gunicorn.conf.py',
    keepAliveSeconds: 75,
    timeoutSeconds: 30,
    gracefulTimeoutSeconds: 25,
    requirements: [{ name: 'gunicorn', version: '23.0.0' }],
    command: (appModule: string) => ['--config', 'gunicorn.conf.py', appModule],
    workersFor: (limits: { cpus: number }) => Math.max(2, Math.floor(limits.cpus * 2) + 1),
    ...overrides,
  };
}

/** Every service Keelson offers, on. */
export const FULL_STACK: Omit<ComposeProps, 'image'> = {
  postgres: {},
  redis: {},
  mailpit: {},
  worker: {},
  beat: {},
  migrations: {},
  nginx: {},
};

/** The files a full stack mounts: the nginx config and alembic.ini. */
export const FULL_STACK_FILES = { 'nginx/nginx.conf': 'events {}\nhttp {}\n', 'alembic.ini': '[alembic]\n' };

/**
 * A project with a Compose component, synthesized into its temp dir (kept, for the programs that read the files
 * there): the component, both files' text and parsed documents.
 */
export function synthCompose(props: Partial<ComposeProps> = {}, files: Record<string, string> = {}, extend?: (compose: Compose) => void) {
  const project = serviceProject('svc', files);
  const compose = new Compose(project, { image: containerImage(), ...props });
  // What a .projenrc.ts adds or changes after the component is built (a service of its own, an escape hatch).
  extend?.(compose);
  process.env.PROJEN_DISABLE_POST = 'true';
  project.synth();
  const dev = readFileSync(join(project.outdir, 'compose.yaml'), 'utf-8');
  const prod = readFileSync(join(project.outdir, 'compose.prod.yaml'), 'utf-8');
  return {
    project,
    compose,
    dev,
    prod,
    devDoc: parse(dev) as { services: Record<string, Service>; [k: string]: unknown },
    prodDoc: parse(prod) as { services: Record<string, Service>; [k: string]: unknown },
  };
}
