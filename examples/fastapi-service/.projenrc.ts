import { SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile } from '@keelson/dockerfile';

const project = new ServiceProject({ name: 'fastapi-service' });

const endpoint = new ServiceEndpoint({ port: 8000, healthPath: '/health' });
const security = new SecurityProfile({ writablePaths: ['/tmp'] });

new Dockerfile(project, {
  flavour: 'slim',
  pythonVersion: '3.12',
  endpoint,
  security,
  labels: {
    description: 'Example FastAPI service deployed with Keelson',
    source: 'https://github.com/keelson-dev/keelson',
    licenses: 'Apache-2.0',
  },
});
new DockerIgnore(project);

project.synth();
