import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { IContainerImage, SecurityProfile, ServiceEndpoint, ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { parse } from 'yaml';

/** A service project in a fresh temp dir. */
export function serviceProject(name = 'svc'): ServiceProject {
  return new ServiceProject({ name, outdir: mkdtempSync(join(tmpdir(), 'keelson-pipeline-')) });
}

/** The image contract as the Dockerfile component gives it, without depending on that package. */
export function containerImage(overrides: Partial<IContainerImage> = {}): IContainerImage {
  return {
    dockerfile: 'Dockerfile',
    context: '.',
    target: 'runtime',
    buildArgs: {},
    endpoint: new ServiceEndpoint({ port: 8000, healthPath: '/health' }),
    security: new SecurityProfile({}),
    healthCheck: { command: ['python', '-c', 'pass'], intervalSeconds: 30, timeoutSeconds: 5, startPeriodSeconds: 10, retries: 3 },
    pythonModuleEntrypoint: ['python', '-m'],
    workdir: '/app',
    ...overrides,
  };
}

/** The synthesized files of `project`. */
export function synth(project: ServiceProject): Record<string, string> {
  return Testing.synth(project);
}

/** A generated YAML file's body, parsed. */
export function yamlOf(files: Record<string, string>, path: string): any {
  const text = files[path];
  if (text === undefined) throw new Error(`${path} was not generated`);
  return parse(text);
}
