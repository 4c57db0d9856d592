import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'projen';
import { exampleService } from './support';

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'fastapi-service');
const FILES = ['Dockerfile', '.dockerignore', 'requirements-server.txt', 'gunicorn.conf.py', 'nginx/nginx.conf', 'compose.yaml', 'compose.prod.yaml'];

describe('the example service the tests use', () => {
  test.each(FILES)('generates %s exactly as examples/fastapi-service commits it', (file) => {
    const out = Testing.synth(exampleService({ policy: false }).project);
    expect(out[file]).toBe(readFileSync(join(EXAMPLE, file), 'utf-8'));
  });

  test('declares what examples/fastapi-service/.projenrc.ts declares', () => {
    const projenrc = readFileSync(join(EXAMPLE, '.projenrc.ts'), 'utf-8');
    for (const declaration of [
      "new ServiceProject({ name: 'fastapi-service' })",
      "new ServiceEndpoint({ port: 8000, healthPath: '/health' })",
      "new SecurityProfile({ writablePaths: ['/tmp'] })",
      'new ResourceLimits({ cpus: 1, memoryMiB: 512 })',
      "flavour: 'slim'",
      "pythonVersion: '3.12'",
      "serverNames: ['localhost']",
      'postgres: {},', 'redis: {},', 'mailpit: {},', 'worker: {},', 'beat: {},', 'migrations: {},',
      "appPaths: ['app', 'alembic.ini', 'migrations'],",
    ]) {
      expect(projenrc).toContain(declaration);
    }
  });
});
