import { ResourceLimits, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile } from '@keelson/dockerfile';
import { GunicornConfig } from '@keelson/gunicorn';

const project = new ServiceProject({ name: 'fastapi-service' });

// One fact, one place: the port and health path gunicorn binds, the image exposes and probes.
const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
const security = new SecurityProfile({ writablePaths: ['/tmp'] });
const limits = new ResourceLimits({ cpus: 1, memoryMiB: 512 });

const gunicorn = new GunicornConfig(project, { endpoint, limits });

new Dockerfile(project, {
  flavour: 'slim',
  pythonVersion: '3.12',
  appServer: gunicorn, // the image copies gunicorn.conf.py, runs its command, installs its pinned server
  security,
  labels: {
    description: 'Example FastAPI service deployed with Keelson',
    source: 'https://github.com/keelson-dev/keelson',
    licenses: 'Apache-2.0',
  },
});
new DockerIgnore(project);

project.synth();
