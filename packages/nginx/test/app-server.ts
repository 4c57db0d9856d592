import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ServiceEndpoint, ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { NginxConfig, NginxConfigProps } from '../src';
import { Started } from './support';
import { GunicornConfig } from '@keelson/gunicorn';

/** The two generated files of one project, on disk, and the components that wrote them. */
export interface GeneratedPair {
  readonly gunicorn: GunicornConfig;
  readonly nginx: NginxConfig;
  readonly gunicornConf: string;
  readonly nginxConf: string;
}

/**
 * One service project with the real wiring: `GunicornConfig` (the legacy uvicorn worker Debian's uvicorn 0.17.6
 * ships) and `NginxConfig` in front of it (`upstream: gunicorn`). Both files are synthesized and written to `dir`.
 */
export function generatePair(dir: string, appPort: number, nginxProps: Omit<NginxConfigProps, 'upstream'>): GeneratedPair {
  const project = new ServiceProject({ name: 'svc', outdir: mkdtempSync(join(tmpdir(), 'keelson-nginx-pair-')) });
  const gunicorn = new GunicornConfig(project, {
    workerClass: 'uvicorn-legacy',
    versions: { gunicorn: '20.1.0', uvicorn: '0.17.6' },
    endpoint: new ServiceEndpoint({ port: appPort }),
  });
  const nginx = new NginxConfig(project, { upstream: gunicorn, ...nginxProps });
  const out = Testing.synth(project);
  const gunicornConf = join(dir, GunicornConfig.FILE);
  const nginxConf = join(dir, 'nginx.conf');
  writeFileSync(gunicornConf, out[GunicornConfig.FILE] as string, { mode: 0o644 });
  writeFileSync(nginxConf, out[NginxConfig.FILE] as string, { mode: 0o644 });
  return { gunicorn, nginx, gunicornConf, nginxConf };
}

/** Test-only Python modules (the example app plus a WebSocket echo route). */
export const FIXTURES_DIR = resolve(__dirname, 'fixtures');

/**
 * Debian's gunicorn serving `appModule` from the example's directory with the generated gunicorn.conf.py. The one
 * change: `--bind` on the command line (which overrides the file) keeps it on loopback instead of the file's 0.0.0.0.
 */
export function startGunicorn(gunicorn: string, gunicornConf: string, appDir: string, port: number, appModule = 'app.main:app'): Started {
  return new Started('gunicorn', gunicorn, ['--config', gunicornConf, '--bind', `127.0.0.1:${port}`, '--chdir', appDir, appModule], {
    cwd: appDir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONPATH: FIXTURES_DIR },
  });
}
