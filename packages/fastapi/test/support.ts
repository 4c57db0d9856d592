import { spawnSync } from 'child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ResourceLimits, ServiceProject } from '@keelson/core';
import { Testing } from 'projen';
import { FastApiService, FastApiServiceProps } from '../src';

/** A service project in a fresh temp dir, with the app and requirements.txt a real service has. */
export function serviceProject(name = 'svc'): ServiceProject {
  const outdir = mkdtempSync(join(tmpdir(), 'keelson-fastapi-'));
  mkdirSync(join(outdir, 'app'));
  writeFileSync(join(outdir, 'app', '__init__.py'), '');
  writeFileSync(join(outdir, 'app', 'main.py'), [
    'from fastapi import FastAPI', '', 'app = FastAPI()', '', '', '@app.get("/health")', 'def health():', '    return {"status": "ok"}', '',
  ].join('\n'));
  writeFileSync(join(outdir, 'app', 'tasks.py'), '');
  writeFileSync(join(outdir, 'requirements.txt'), 'fastapi\n');
  return new ServiceProject({ name, outdir });
}

/** A FastApiService in a fresh project, its synthesized files, and the policy's summary (kept quiet). */
export function synthService(props: FastApiServiceProps = {}): { service: FastApiService; files: Record<string, string>; outdir: string } {
  const project = serviceProject();
  const service = new FastApiService(project, { policy: { print: () => undefined }, ...props });
  const files = Testing.synth(project) as Record<string, string>;
  return { service, files, outdir: project.outdir };
}

/** The four stacks every real validator reads: small, so the tests stay fast, and covering each switch. */
export const MATRIX: Array<[string, FastApiServiceProps]> = [
  ['defaults (app and nginx with TLS)', {}],
  ['everything: PostgreSQL, Redis, Celery, mail, TLS', { postgres: true, redis: true, celery: true, mail: true, domains: ['api.example.com'] }],
  ['PostgreSQL without Redis, no TLS, distroless', { postgres: true, tls: false, flavour: 'distroless' }],
  ['Redis without Celery, port 9000, 2 CPUs', { redis: true, port: 9000, limits: new ResourceLimits({ cpus: 2, memoryMiB: 1024 }), replicas: 2 }],
];

/** Parses Mermaid source with the real Mermaid parser (@mermaid-js/parser is ESM only: a child node runs it). */
export function parseMermaid(diagram: 'architecture', text: string): { ok: boolean; result: any; error: string } {
  const script = `import { parse } from '@mermaid-js/parser';
import { readFileSync } from 'fs';
try {
  const r = await parse(${JSON.stringify(diagram)}, readFileSync(0, 'utf-8'));
  const plain = { groups: r.groups.map((g) => ({ id: g.id, title: g.title })), services: r.services.map((s) => ({ id: s.id, title: s.title, in: s.in })),
    edges: r.edges.map((e) => ({ lhsId: e.lhsId, rhsId: e.rhsId })) };
  process.stdout.write(JSON.stringify(plain));
} catch (e) { process.stderr.write(String(e.message)); process.exit(1); }`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(__dirname, '..'), input: text, encoding: 'utf-8', timeout: 60_000 });
  return { ok: run.status === 0, result: run.status === 0 ? JSON.parse(run.stdout) : undefined, error: run.stderr };
}

/** The Mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

export const isCI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** Runs a program with its output to a file (nginx reopens /dev/stdout by path, which fails on Node's socketpairs). */
export function runToFile(command: string, args: string[], options: { uid?: number; gid?: number } = {}): { status: number | null; output: string } {
  const logDir = mkdtempSync(join(tmpdir(), 'keelson-fastapi-out-'));
  chmodSync(logDir, 0o755);
  const log = join(logDir, 'output.log');
  const fd = openSync(log, 'w');
  chmodSync(log, 0o666);
  try {
    const out = spawnSync(command, args, { stdio: ['ignore', fd, fd], timeout: 30_000, uid: options.uid, gid: options.gid });
    return { status: out.status, output: readFileSync(log, 'utf-8') };
  } finally {
    closeSync(fd);
  }
}

/** A FastApiService synthesized to disk (projen's own synth), for the programs that read the files where they are. */
export function synthToDisk(props: FastApiServiceProps = {}): { service: FastApiService; files: Record<string, string>; outdir: string } {
  const project = serviceProject();
  const service = new FastApiService(project, { policy: { print: () => undefined }, ...props });
  project.synth();
  const read = (file: string) => readFileSync(join(project.outdir, file), 'utf-8');
  const files = Object.fromEntries(['Dockerfile', 'gunicorn.conf.py', 'nginx/nginx.conf', 'compose.yaml', 'compose.prod.yaml', 'DEPLOYMENT.md']
    .map((file) => [file, read(file)]));
  return { service, files, outdir: project.outdir };
}
