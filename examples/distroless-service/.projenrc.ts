import { SecurityProfile, ServiceProject } from '@keelson/core';
import { FastApiService } from '@keelson/fastapi';

// The whole deployment from one declaration: image, gunicorn, nginx, compose, policy and DEPLOYMENT.md.
// The image runs on gcr.io/distroless/python3-debian12: no shell, no curl, no package manager.
const project = new ServiceProject({ name: 'distroless-service' });

new FastApiService(project, {
  flavour: 'distroless',
  appModule: 'app.api:api',
  port: 8080,
  healthPath: '/healthz',
  // Uploads land on a writable path; everything else stays read-only.
  security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }),
  labels: { description: 'Keelson example: FastAPI on distroless', licenses: 'Apache-2.0' },
});

project.synth();
