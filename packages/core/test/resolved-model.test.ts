import { Construct } from 'constructs';
import { Component } from 'projen';
import { DockerIgnoreView, ServiceProject, findModels, hasModel, registerModel } from '../src';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

function project(): ServiceProject {
  return new ServiceProject({ name: 'svc', outdir: mkdtempSync(join(tmpdir(), 'keelson-core-')) });
}

describe('resolved models', () => {
  test('are found anywhere in the tree, with the construct path users read', () => {
    const p = project();
    const component = new Component(p, 'DockerIgnore');
    const nested = new Construct(component, 'Nested');
    registerModel(component, 'dockerignore', () => ({ file: '.dockerignore', patterns: ['**/.env'] }));
    registerModel(nested, 'dockerignore', () => ({ file: 'other/.dockerignore', patterns: [] }));
    const found = findModels(p, 'dockerignore');
    expect(found.map((m) => m.path)).toEqual(['svc/DockerIgnore', 'svc/DockerIgnore/Nested']);
    expect(found[0].resolve().patterns).toEqual(['**/.env']);
    expect(hasModel(component, 'dockerignore')).toBe(true);
    expect(hasModel(component, 'compose')).toBe(false);
    expect(findModels(p, 'compose')).toEqual([]);
  });

  test('are resolved when read, so a change made after construction is what the reader sees', () => {
    const p = project();
    const patterns = ['**/.env'];
    registerModel(new Component(p, 'DockerIgnore'), 'dockerignore', (): DockerIgnoreView => ({ file: '.dockerignore', patterns: [...patterns] }));
    patterns.push('**/*.pem');
    expect(findModels(p, 'dockerignore')[0].resolve().patterns).toEqual(['**/.env', '**/*.pem']);
  });

  test('refuse a second registration of the same kind on one construct', () => {
    const component = new Component(project(), 'DockerIgnore');
    registerModel(component, 'dockerignore', () => ({ file: '.dockerignore', patterns: [] }));
    expect(() => registerModel(component, 'dockerignore', () => ({ file: '.dockerignore', patterns: [] })))
      .toThrow(/svc\/DockerIgnore already registered a 'dockerignore' model/);
  });
});
