import { SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { DockerIgnore, Dockerfile } from '@keelson/dockerfile';

// A service on gcr.io/distroless/python3-debian12: no shell, no curl, no package manager in the image.
const project = new ServiceProject({ name: 'distroless-service' });

new Dockerfile(project, {
  flavour: 'distroless',
  endpoint: new ServiceEndpoint({ port: 8080, healthPath: '/healthz' }),
  // Uploads land on a writable path; everything else stays read-only.
  security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }),
  appModule: 'app.api:api',
  labels: { description: 'Keelson example: FastAPI on distroless', licenses: 'Apache-2.0' },
});
new DockerIgnore(project);

project.synth();
