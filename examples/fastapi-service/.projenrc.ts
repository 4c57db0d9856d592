import { Compose } from '@keelson/compose';
import { ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile } from '@keelson/dockerfile';
import { GunicornConfig } from '@keelson/gunicorn';
import { HardeningPolicy } from '@keelson/hardening-policy';
import { NginxConfig } from '@keelson/nginx';

const project = new ServiceProject({ name: 'fastapi-service' });

// One fact, one place: the port and health path gunicorn binds, the image exposes and probes, nginx proxies to.
const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
const security = new SecurityProfile({ writablePaths: ['/tmp'] });
// What one app container gets: gunicorn sizes its workers for it, compose enforces it.
const limits = new ResourceLimits({ cpus: 1, memoryMiB: 512 });

const gunicorn = new GunicornConfig(project, { endpoint, limits });

const dockerfile = new Dockerfile(project, {
  flavour: 'slim',
  pythonVersion: '3.12',
  appServer: gunicorn, // the image copies gunicorn.conf.py, runs its command, installs its pinned server
  appPaths: ['app', 'alembic.ini', 'migrations'], // the code, and the migrations the migration job runs
  security,
  labels: {
    description: 'Example FastAPI service deployed with Keelson',
    source: 'https://github.com/keelson-dev/keelson',
    licenses: 'Apache-2.0',
  },
});
new DockerIgnore(project);

// TLS terminates at nginx; the certificate and key reach it as compose secrets, never baked into an image.
const tls = { certificate: 'tls_certificate', certificateKey: 'tls_private_key' };
new NginxConfig(project, {
  upstream: gunicorn,
  serverNames: ['localhost'],
  tls: { certificate: `/run/secrets/${tls.certificate}`, certificateKey: `/run/secrets/${tls.certificateKey}` },
});

new Compose(project, {
  image: dockerfile,
  appServer: gunicorn,
  app: { limits },
  postgres: {},
  redis: {},
  mailpit: {},
  worker: {},
  beat: {},
  migrations: {}, // python -m alembic upgrade head, once per up, before the app and the worker start
  nginx: {
    secrets: [
      { name: tls.certificate, file: './secrets/tls_certificate.pem' },
      { name: tls.certificateKey, file: './secrets/tls_private_key.pem' },
    ],
  },
});

// Rules over every file at once (baseline pack); an error stops the synth before anything is written.
new HardeningPolicy(project);

project.synth();
