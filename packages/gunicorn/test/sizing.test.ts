import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { ResourceLimits } from '@keelson/core';
import { GunicornConfigProps } from '../src';
import {
  EXAMPLE_DIR, FIXTURES_DIR, GUNICORN, PYTHON, childrenOf, python, realTools, sleep, start, stopAll, synthConfig, waitForOutput,
} from './support';

/**
 * The worker formula is executed for real: the generated file is loaded by Python (as gunicorn loads it) and
 * ITS sizing code runs against fake cgroup trees, then against real cgroups where this machine allows.
 */

const DRIVER = join(FIXTURES_DIR, 'sizing_driver.py');
const { describe: realDescribe } = realTools();

interface Sizing {
  workers: number;
  reason: string;
  cpus: number | null;
  cpu_source: string | null;
  by_cpu: number | null;
  memory_mib: number | null;
  memory_source: string | null;
  by_memory: number | null;
  warnings: string[];
  error?: string;
}

interface Case {
  /** Files of the fake cgroup mount, relative to its root. */
  files: Record<string, string>;
  /** The fake /proc/self/cgroup. */
  procCgroup?: string;
  environ?: Record<string, string>;
  /** CPUs this process may run on; or, with `cpuCount`, no affinity support and this CPU count. */
  affinity?: number;
  cpuCount?: number;
}

/** Builds each case's fake cgroup tree and runs the generated file's `_size` on all of them in one Python. */
function sizeAll(props: GunicornConfigProps, cases: Case[]): Sizing[] {
  const { path } = synthConfig(props);
  const input = cases.map((c) => {
    const root = mkdtempSync(join(tmpdir(), 'keelson-cgroup-'));
    for (const [file, content] of Object.entries(c.files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), `${content}\n`);
    }
    const procCgroup = join(root, 'proc-self-cgroup');
    writeFileSync(procCgroup, `${c.procCgroup ?? '0::/'}\n`);
    return { root, procCgroup, environ: c.environ ?? {}, affinity: c.affinity, cpuCount: c.cpuCount };
  });
  const result = spawnSync(PYTHON, [DRIVER, path, 'cases'], { input: JSON.stringify(input), encoding: 'utf-8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`sizing driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Sizing[];
}

function sizeOne(props: GunicornConfigProps, c: Case): Sizing {
  return sizeAll(props, [c])[0];
}

// Plenty of memory, so the CPU formula alone decides.
const ROOMY = { limits: new ResourceLimits({ memoryMiB: 8192 }) };
const V2 = (cpuMax: string, memoryMax = 'max') => ({ 'cgroup.controllers': 'cpu memory', 'cpu.max': cpuMax, 'memory.max': memoryMax });
const V1 = (quota: string, period = '100000', limit = '9223372036854771712', cpuMount = 'cpu') => ({
  [`${cpuMount}/cpu.cfs_quota_us`]: quota,
  [`${cpuMount}/cpu.cfs_period_us`]: period,
  'memory/memory.limit_in_bytes': limit,
});
const V1_PROC = '4:memory:/\n3:cpu,cpuacct:/\n0::/';
const MiB = 1024 * 1024;

realDescribe('cgroup v2 fixtures', () => {
  test('the CPU quota of cpu.max decides: 3.5 CPUs make 4 async workers, 1.5 make 2, 0.5 still 2 (at least 2), no quota takes the 8 CPUs of affinity', () => {
    const [threeAndHalf, oneAndHalf, half, none, wide] = sizeAll(ROOMY, [
      { files: V2('350000 100000'), affinity: 8 },
      { files: V2('150000 100000'), affinity: 8 },
      { files: V2('50000 100000'), affinity: 8 },
      { files: V2('max 100000'), affinity: 8 },
      { files: V2('400000 100000'), affinity: 3 },
    ]);
    expect([threeAndHalf.cpus, threeAndHalf.by_cpu, threeAndHalf.workers]).toEqual([3.5, 4, 4]);
    expect([oneAndHalf.cpus, oneAndHalf.by_cpu, oneAndHalf.workers]).toEqual([1.5, 2, 2]);
    expect(oneAndHalf.reason).toMatch(/^2 by CPU \(one per CPU, at least 2; CPUs 1\.5 = cgroup v2 cpu\.max/);
    expect(oneAndHalf.cpu_source).toMatch(/^cgroup v2 cpu\.max '150000 100000' in \/.*keelson-cgroup-\w+$/);
    expect([half.cpus, half.workers]).toEqual([0.5, 2]);
    expect([none.cpus, none.workers, none.cpu_source]).toEqual([8, 8, 'CPU affinity, no cgroup CPU quota']);
    // A quota of 4 CPUs on a process pinned to 3: affinity is tighter.
    expect([wide.cpus, wide.workers]).toEqual([3, 3]);
    expect(wide.cpu_source).toMatch(/^CPU affinity, tighter than the cgroup v2 cpu\.max '400000 100000'/);
  });

  test('the sync worker takes 2 x CPUs + 1: 1.5 CPUs make 4, 1 CPU 3, 0.5 CPU 2, 8 CPUs 17', () => {
    const results = sizeAll({ ...ROOMY, workerClass: 'sync' }, [
      { files: V2('150000 100000'), affinity: 8 },
      { files: V2('100000 100000'), affinity: 8 },
      { files: V2('50000 100000'), affinity: 8 },
      { files: V2('max 100000'), affinity: 8 },
    ]);
    expect(results.map((r) => r.workers)).toEqual([4, 3, 2, 17]);
    expect(results[0].reason).toMatch(/^4 by CPU \(2 x CPUs \+ 1; CPUs 1\.5 = cgroup v2 cpu\.max/);
  });

  test('the tightest quota from this cgroup up to the root applies (a pod limit above the container\'s cgroup)', () => {
    const nested = sizeOne(ROOMY, {
      files: { ...V2('max 100000'), 'kubepods/pod1/cpu.max': '300000 100000', 'kubepods/pod1/ctr/cpu.max': 'max 100000' },
      procCgroup: '0::/kubepods/pod1/ctr',
      affinity: 16,
    });
    expect([nested.cpus, nested.workers]).toEqual([3, 3]);
    expect(nested.cpu_source).toMatch(/cpu\.max '300000 100000' in .*\/kubepods\/pod1$/);
  });

  test('a cgroup path not visible under the mount (a cgroup namespace) reads the mount itself', () => {
    const namespaced = sizeOne(ROOMY, { files: V2('300000 100000'), procCgroup: '0::/system.slice/docker-abc.scope', affinity: 8 });
    expect([namespaced.cpus, namespaced.workers]).toEqual([3, 3]);
  });

  test('memory.max caps the count: 512 MiB holds (512 - 64) / 128 = 3 workers of 8 CPUs', () => {
    const capped = sizeOne(ROOMY, { files: V2('max 100000', String(512 * MiB)), affinity: 8 });
    expect([capped.by_cpu, capped.memory_mib, capped.by_memory, capped.workers]).toEqual([8, 512, 3, 3]);
    expect(capped.memory_source).toMatch(/^cgroup v2 memory\.max in /);
    expect(capped.reason).toMatch(/^8 by CPU .*; 3 by memory \(\(512 - 64 reserve\) MiB \/ 128 MiB per worker; 512 MiB: cgroup v2 memory\.max in /);
  });

  test('without a cgroup memory limit, the declared limits.memoryMiB is the budget', () => {
    const declared = sizeOne({}, { files: V2('max 100000'), affinity: 8 });
    expect([declared.memory_mib, declared.by_memory, declared.workers]).toEqual([512, 3, 3]);
    expect(declared.memory_source).toBe('declared in .projenrc.ts, no cgroup memory limit');
  });

  test('a memory limit that holds less than one worker still starts one, with a warning', () => {
    const tiny = sizeOne(ROOMY, { files: V2('max 100000', String(100 * MiB)), affinity: 4 });
    expect(tiny.workers).toBe(1);
    expect(tiny.warnings).toEqual([
      expect.stringMatching(/^100 MiB of memory \(cgroup v2 memory\.max in .*\) leaves less than one worker's 128 MiB after the 64 MiB reserve: starting 1 worker$/),
    ]);
  });

  test('a larger memoryPerWorkerMiB lowers the cap', () => {
    const big = sizeOne({ limits: new ResourceLimits({ memoryMiB: 2048 }), memoryPerWorkerMiB: 512 }, { files: V2('max 100000'), affinity: 8 });
    expect([big.by_memory, big.workers]).toEqual([3, 3]);
  });
});

realDescribe('cgroup v1 fixtures', () => {
  test('cpu.cfs_quota_us / cpu.cfs_period_us decide; -1 means no quota', () => {
    const [oneAndHalf, unlimited, shortPeriod] = sizeAll(ROOMY, [
      { files: V1('150000'), procCgroup: V1_PROC, affinity: 8 },
      { files: V1('-1'), procCgroup: V1_PROC, affinity: 8 },
      { files: V1('25000', '50000'), procCgroup: V1_PROC, affinity: 8 },
    ]);
    expect([oneAndHalf.cpus, oneAndHalf.workers]).toEqual([1.5, 2]);
    expect(oneAndHalf.cpu_source).toMatch(/^cgroup v1 cpu\.cfs_quota_us\/cpu\.cfs_period_us 150000\/100000 in .*\/cpu$/);
    expect([unlimited.cpus, unlimited.workers]).toEqual([8, 8]);
    expect([shortPeriod.cpus, shortPeriod.workers]).toEqual([0.5, 2]);
  });

  test('the combined "cpu,cpuacct" mount and a nested cgroup path are followed', () => {
    const nested = sizeOne({ ...ROOMY, workerClass: 'sync' }, {
      files: { ...V1('-1', '100000', '9223372036854771712', 'cpu,cpuacct'), 'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '100000', 'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' },
      procCgroup: '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc',
      affinity: 8,
    });
    expect([nested.cpus, nested.workers]).toEqual([1, 3]);
    expect(nested.cpu_source).toMatch(/cpu,cpuacct\/docker\/abc$/);
  });

  test('memory.limit_in_bytes caps the count; the huge "unlimited" value is no limit', () => {
    const [limited, unlimited] = sizeAll({ ...ROOMY, workerClass: 'sync' }, [
      { files: V1('-1', '100000', String(256 * MiB)), procCgroup: V1_PROC, affinity: 4 },
      { files: V1('-1'), procCgroup: V1_PROC, affinity: 4 },
    ]);
    expect([limited.by_cpu, limited.by_memory, limited.workers]).toEqual([9, 1, 1]);
    expect(limited.memory_source).toMatch(/^cgroup v1 memory\.limit_in_bytes in .*\/memory$/);
    expect([unlimited.memory_mib, unlimited.workers]).toEqual([8192, 9]);
  });
});

realDescribe('without cgroups, overrides and fixed counts', () => {
  test('no cgroup mount and no affinity support fall back to the CPU count', () => {
    const bare = sizeOne(ROOMY, { files: {}, cpuCount: 3 });
    expect([bare.cpus, bare.workers, bare.cpu_source]).toEqual([3, 3, 'CPU count, no cgroup CPU quota']);
  });

  test('WEB_CONCURRENCY overrides everything', () => {
    const [override, fixedOverride] = [
      sizeOne(ROOMY, { files: V2('50000 100000'), affinity: 8, environ: { WEB_CONCURRENCY: '7' } }),
      sizeOne({ workers: 2 }, { files: V2('max 100000'), affinity: 8, environ: { WEB_CONCURRENCY: ' 5 ' } }),
    ];
    expect([override.workers, override.reason]).toEqual([7, 'WEB_CONCURRENCY=7 overrides the computed count']);
    expect(fixedOverride.workers).toBe(5);
  });

  test('a fixed worker count from .projenrc.ts ignores the CPUs', () => {
    const fixed = sizeOne({ workers: 2 }, { files: V2('50000 100000'), affinity: 8 });
    expect([fixed.workers, fixed.reason]).toEqual([2, 'fixed in .projenrc.ts (workers: 2)']);
  });

  test('a WEB_CONCURRENCY that is zero, negative or not a number stops gunicorn with the reason', () => {
    const results = sizeAll(ROOMY, ['0', '-3', 'four', '2.5'].map((value) => ({ files: {}, affinity: 2, environ: { WEB_CONCURRENCY: value } })));
    expect(results.map((r) => r.error)).toEqual([
      "gunicorn.conf.py: WEB_CONCURRENCY='0' is not a whole number of at least 1",
      "gunicorn.conf.py: WEB_CONCURRENCY='-3' is not a whole number of at least 1",
      "gunicorn.conf.py: WEB_CONCURRENCY='four' is not a whole number of at least 1",
      "gunicorn.conf.py: WEB_CONCURRENCY='2.5' is not a whole number of at least 1",
    ]);
  });

  test('unreadable or garbage cgroup files are skipped, not fatal', () => {
    const garbage = sizeOne(ROOMY, { files: { 'cgroup.controllers': '', 'cpu.max': 'banana', 'memory.max': '' }, affinity: 3 });
    expect([garbage.workers, garbage.memory_mib]).toEqual([3, 8192]);
  });
});

realDescribe('the start-up log', () => {
  function hook(props: GunicornConfigProps, cfg: Record<string, number>): Array<[string, string]> {
    const { path } = synthConfig(props);
    const result = spawnSync(PYTHON, [DRIVER, path, 'hook'], {
      input: JSON.stringify(cfg), encoding: 'utf-8', timeout: 60_000, env: { ...process.env, WEB_CONCURRENCY: '2' },
    });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  }

  test('says how many workers and why, once', () => {
    expect(hook({}, { workers: 2, keepalive: 75, timeout: 30, graceful_timeout: 25 })).toEqual([
      ['info', 'Keelson: 2 workers: WEB_CONCURRENCY=2 overrides the computed count'],
    ]);
  });

  test('names a command-line override of the worker count', () => {
    expect(hook({}, { workers: 9, keepalive: 75, timeout: 30, graceful_timeout: 25 })[0]).toEqual(
      ['info', 'Keelson: 9 workers, set by the command line or GUNICORN_CMD_ARGS (the config computed 2: WEB_CONCURRENCY=2 overrides the computed count)']);
  });

  test('warns when an override undercuts the proxy\'s idle timeout or makes timeout shorter than graceful_timeout', () => {
    const lines = hook({ proxy: { upstreamIdleTimeoutSeconds: 60, upstreamReadTimeoutSeconds: 60 } },
      { workers: 2, keepalive: 30, timeout: 10, graceful_timeout: 25 });
    expect(lines.slice(1)).toEqual([
      ['warning', "Keelson: keepalive 30s is not longer than the proxy's upstream idle timeout (60s): the proxy may reuse a connection gunicorn is closing, and answer 502"],
      ['warning', 'Keelson: timeout 10s is shorter than graceful_timeout 25s: a draining worker stops heart-beating and is killed after timeout'],
    ]);
  });
});

realDescribe('real gunicorn reads the computed count', () => {
  test('gunicorn --print-config shows the workers the file computed from a fixture cgroup', () => {
    const { path } = synthConfig({ ...ROOMY, workerClass: 'uvicorn-legacy' });
    const root = mkdtempSync(join(tmpdir(), 'keelson-cgroup-'));
    for (const [file, content] of Object.entries(V2('150000 100000'))) writeFileSync(join(root, file), content);
    const run = (env: Record<string, string>) => spawnSync(GUNICORN, ['--print-config', '--config', path, 'app.main:app'], {
      cwd: EXAMPLE_DIR, encoding: 'utf-8', timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', KEELSON_CGROUP_ROOT: root, ...env },
    });
    // 1.5 CPUs (or fewer, on a smaller machine) make 2 async workers.
    expect(run({}).stdout).toMatch(/^workers += 2$/m);
    expect(run({ WEB_CONCURRENCY: '6' }).stdout).toMatch(/^workers += 6$/m);
  });
});

/**
 * Real cgroups with a CPU quota and a memory limit, where this machine lets us create them (root, a writable
 * cgroup v1 hierarchy, or a v2 one with the cpu and memory controllers delegated). Otherwise skipped, with why.
 */
realDescribe('inside a real cgroup', () => {
  const made: string[] = [];
  const tag = `keelson-test-${process.pid}`;
  let cpu: string | undefined;
  let memory: string | undefined;
  let whyNot: string | undefined;

  beforeAll(() => {
    try {
      if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
        const dir = join('/sys/fs/cgroup', tag);
        mkdirSync(dir);
        made.push(dir);
        writeFileSync(join(dir, 'cpu.max'), '50000 100000');
        writeFileSync(join(dir, 'memory.max'), String(200 * MiB));
        cpu = dir;
        memory = dir;
      } else {
        const cpuDir = join('/sys/fs/cgroup/cpu', tag);
        mkdirSync(cpuDir);
        made.push(cpuDir);
        writeFileSync(join(cpuDir, 'cpu.cfs_quota_us'), '50000');
        cpu = cpuDir;
        const memoryDir = join('/sys/fs/cgroup/memory', tag);
        mkdirSync(memoryDir);
        made.push(memoryDir);
        writeFileSync(join(memoryDir, 'memory.limit_in_bytes'), String(200 * MiB));
        memory = memoryDir;
      }
    } catch (error) {
      whyNot = `cannot create a cgroup with a CPU quota here: ${(error as Error).message}`;
      // eslint-disable-next-line no-console
      console.warn(`Skipping the real-cgroup sizing tests: ${whyNot}`);
    }
  });

  afterAll(async () => {
    await stopAll();
    for (const dir of made.reverse()) {
      for (let attempt = 0; attempt < 20 && existsSync(dir); attempt++) {
        try { rmdirSync(dir); } catch { await sleep(100); }
      }
    }
  });

  /** Runs `args` after moving the shell into `dirs` (cgroup.procs), so the command starts inside them. */
  const enter = (dirs: string[]) => dirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join(' && ');

  test('0.5 CPU of real quota gives the sync worker 2 workers, and gunicorn starts exactly 2', async () => {
    if (whyNot || !cpu) return;
    const { path } = synthConfig({ ...ROOMY, workerClass: 'sync' });
    const sizing = JSON.parse(spawnSync('sh', ['-c', `${enter([cpu])} && exec ${PYTHON} ${DRIVER} ${path} loaded`], { encoding: 'utf-8', timeout: 60_000 }).stdout) as Sizing;
    expect([sizing.cpus, sizing.by_cpu, sizing.workers]).toEqual([0.5, 2, 2]);
    expect(sizing.cpu_source).toContain(cpu);

    const server = start('sh', ['-c', `${enter([cpu])} && exec ${GUNICORN} --config ${path} --bind 127.0.0.1:0 wsgi_app:app`], { cwd: FIXTURES_DIR });
    await waitForOutput(server, (out) => (out.match(/Booting worker/g) ?? []).length >= 2, 20_000);
    expect(server.output()).toMatch(new RegExp(`Keelson: 2 workers: 2 by CPU \\(2 x CPUs \\+ 1; CPUs 0\\.5 = cgroup v[12] .* in ${cpu}\\)`));
    await sleep(1000);
    expect(childrenOf(server.child.pid!)).toHaveLength(2);
  });

  test('a real 200 MiB memory limit caps the uvicorn worker at (200 - 64) / 128 = 1', () => {
    if (whyNot || !memory) return;
    const { path } = synthConfig(ROOMY);
    const sizing = JSON.parse(spawnSync('sh', ['-c', `${enter([memory])} && exec ${PYTHON} ${DRIVER} ${path} loaded`], { encoding: 'utf-8', timeout: 60_000 }).stdout) as Sizing;
    expect([sizing.memory_mib, sizing.by_memory, sizing.workers]).toEqual([200, 1, 1]);
    expect(sizing.memory_source).toContain(memory);
  });

  test('a process pinned to one CPU (taskset) gets the 2-worker floor of async workers, from CPU affinity', () => {
    if (spawnSync('taskset', ['--version']).status !== 0) {
      // eslint-disable-next-line no-console
      console.warn('Skipping the CPU-affinity case: taskset (util-linux) is not installed');
      return;
    }
    const { path } = synthConfig(ROOMY);
    const sizing = JSON.parse(python([DRIVER, path, 'loaded'], { prefix: ['taskset', '-c', '0'] }).stdout) as Sizing;
    expect([sizing.cpus, sizing.workers]).toEqual([1, 2]);
    expect(sizing.cpu_source).toMatch(/^CPU affinity/);
  });
});

realDescribe('the synth-time worker count', () => {
  const GRID = [0.25, 0.5, 1, 1.5, 2, 3.5, 8].flatMap((cpus) => [160, 192, 256, 512, 1024, 8192].map((memoryMiB) => ({ cpus, memoryMiB })));

  test.each(['uvicorn-worker', 'sync'] as const)('workersFor(limits) equals what the generated file computes in that container (%s)', (workerClass) => {
    const inPython = sizeAll({ workerClass }, GRID.map(({ cpus, memoryMiB }) => ({
      files: V2(`${Math.round(cpus * 100000)} 100000`, String(memoryMiB * MiB)),
      affinity: 16,
    })));
    const { config } = synthConfig({ workerClass });
    expect(GRID.map((limits) => config.workersFor(new ResourceLimits(limits)))).toEqual(inPython.map((r) => r.workers));
  });
});
