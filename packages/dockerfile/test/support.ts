import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ServiceProject } from '@keelson/core';

/** A service project in a fresh temp dir that has what a Dockerfile copies: requirements.txt and app/. */
export function serviceProject(name = 'svc'): ServiceProject {
  const outdir = mkdtempSync(join(tmpdir(), 'keelson-dockerfile-'));
  writeFileSync(join(outdir, 'requirements.txt'), 'fastapi>=0.92\n');
  mkdirSync(join(outdir, 'app'));
  writeFileSync(join(outdir, 'app', '__init__.py'), '');
  writeFileSync(join(outdir, 'app', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
  return new ServiceProject({ name, outdir });
}
