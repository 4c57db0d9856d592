// What machine a run came from: CPUs, memory, kernel, load, and the versions of the programs measured.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';

const first = (command, args, stream = 'stdout') => {
  const out = spawnSync(command, args, { encoding: 'utf-8' });
  return out.error ? null : (out[stream] || out.stdout || out.stderr || '').trim().split('\n')[0] || null;
};

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf-8').split(' ').slice(0, 3).join(' ');

export function machine() {
  const memory = first('free', ['-h']) ? spawnSync('free', ['-h'], { encoding: 'utf-8' }).stdout.split('\n')[1]?.trim().split(/\s+/)[1] : null;
  return {
    nproc: Number(first('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryTotal: memory,
    freeH: spawnSync('free', ['-h'], { encoding: 'utf-8' }).stdout.trim().split('\n'),
    kernel: release(),
    node: process.version,
    nginx: first('/usr/sbin/nginx', ['-v'], 'stderr'),
    gunicorn: first('/usr/bin/gunicorn', ['--version']),
    uvicorn: first('/usr/bin/python3', ['-c', 'import uvicorn; print("uvicorn", uvicorn.__version__)']),
    fastapi: first('/usr/bin/python3', ['-c', 'import fastapi; print("fastapi", fastapi.__version__)']),
    python: first('/usr/bin/python3', ['--version']),
    wrk: first('/usr/bin/wrk', ['-v']),
  };
}
