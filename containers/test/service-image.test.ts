import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { availableParallelism, tmpdir } from 'os';
import { join } from 'path';
import { DISTROLESS_BASE, PYTHON_BASE, ensureBaseImages } from '../src/base-images';
import {
  RunningService, ServiceVariant, SynthesizedService, buildServiceImage, cgroupLimits, containerProcesses,
  dockerfileForOfflineBuild, execPython, expectedWorkers, getLoopback, procMounts, procStatus, runHardened, synthesizeService,
} from '../src/service';
import { recordTiming } from '../src/timings';
import { describeWithEngine } from './engine-support';

/**
 * The example service's generated Dockerfile, built for each runtime flavour on the local base images and run with
 * the full hardening. The slim and distroless variants run gunicorn as the Dockerfile alone configures it; the
 * `-gunicorn-conf` variants give the Dockerfile the GunicornConfig component, whose gunicorn.conf.py sizes the workers
 * from the container's cgroup at start: with 1.5 CPUs, two workers (one per started CPU); with 2 CPUs but 256 MiB,
 * one (the memory decides).
 */
const cpus = (wanted: number) => Math.min(wanted, availableParallelism());
const VARIANTS: ServiceVariant[] = [
  { name: 'slim', flavour: 'slim', builderImage: PYTHON_BASE.reference, runtimeImage: PYTHON_BASE.reference, gunicornConfig: false, cpus: 1, memoryMiB: 512 },
  { name: 'distroless', flavour: 'distroless', builderImage: PYTHON_BASE.reference, runtimeImage: DISTROLESS_BASE.reference, gunicornConfig: false, cpus: 1, memoryMiB: 512 },
  { name: 'slim-gunicorn-conf', flavour: 'slim', builderImage: PYTHON_BASE.reference, runtimeImage: PYTHON_BASE.reference, gunicornConfig: true, cpus: cpus(1.5), memoryMiB: 512 },
  { name: 'distroless-gunicorn-conf', flavour: 'distroless', builderImage: PYTHON_BASE.reference, runtimeImage: DISTROLESS_BASE.reference, gunicornConfig: true, cpus: cpus(2), memoryMiB: 256 },
];

// Writes a file in each of the given directories as the container's user; prints those where it worked.
const WRITE_PROBE = (dirs: string[]) => 'import json, os, tempfile\n'
  + `ok = []\nfor d in ${JSON.stringify(dirs)}:\n`
  + '    try:\n        fd, p = tempfile.mkstemp(dir=d); os.close(fd); os.unlink(p); ok.append(d)\n'
  + '    except OSError:\n        pass\nprint(json.dumps(ok))';

describeWithEngine('the example service\'s generated image, built offline and run hardened', (engine) => {
  const workdir = mkdtempSync(join(tmpdir(), 'keelson-containers-'));

  beforeAll(async () => {
    await ensureBaseImages(engine().docker);
  }, 900_000);

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  describe.each(VARIANTS)('$name', (variant) => {
    const tag = `keelson-test/fastapi-service:${variant.name}`;
    const name = `keelson-test-${variant.name}`;
    let service: SynthesizedService;
    let running: RunningService;
    let masterPid: number;

    beforeAll(async () => {
      const { docker } = engine();
      service = synthesizeService(join(workdir, variant.name), variant);
      const build = await buildServiceImage(docker, service, tag);
      recordTiming(`image ${variant.name}: docker build`, build.seconds * 1000);
      running = await runHardened(docker, {
        name, image: tag, cpus: variant.cpus, memoryMiB: variant.memoryMiB, security: service.security,
        containerPort: service.endpoint.port,
      });
      recordTiming(`image ${variant.name}: docker run to healthy`, running.secondsToHealthy * 1000);
      masterPid = (await docker.inspect(name, 'container')).State.Pid;
    }, 600_000);

    afterAll(async () => {
      // Whatever happened above: the container goes (the global teardown also sweeps the engine).
      await engine().docker.run(['rm', '-f', '-v', name], { allowFailure: true });
    });

    test('builds from the generated Dockerfile with only its `# syntax=` line removed, with no network and no pull', () => {
      const generated = readFileSync(join(service.dir, 'Dockerfile'), 'utf-8');
      const built = dockerfileForOfflineBuild(service);
      expect(built.removed).toBe('# syntax=docker/dockerfile:1');
      expect(`${built.removed}\n${built.text}`).toBe(generated);
      expect(generated).toContain(`ARG BUILDER_IMAGE=${service.dockerfile.builderImage}`);
      expect(generated).not.toMatch(/keelson-local|keelson-test/);
    });

    test('reaches healthy by the image\'s own HEALTHCHECK (the run changes its interval only)', async () => {
      const { docker } = engine();
      const container = await docker.inspect(name, 'container');
      const image = await docker.inspect(tag, 'image');
      expect(container.State.Health.Status).toBe('healthy');
      expect(container.Config.Healthcheck.Test).toEqual(image.Config.Healthcheck.Test);
      expect(container.Config.Healthcheck.Test).toEqual(['CMD', ...service.dockerfile.healthCheck.command]);
      expect(container.State.Health.Log.at(-1).ExitCode).toBe(0);
    });

    test('answers /health on the loopback port it is published on, and nowhere else', async () => {
      const { docker } = engine();
      const response = await getLoopback(running.port, service.endpoint.healthPath);
      expect(response).toEqual({ status: 200, body: '{"status":"ok"}' });
      const bindings = (await docker.inspect(name, 'container')).HostConfig.PortBindings;
      expect(bindings).toEqual({ [`${service.endpoint.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(running.port) }] });
    });

    test('serves as the non-root uid, with no capability and no-new-privileges, in every process', async () => {
      const { docker } = engine();
      const whoami = JSON.parse((await getLoopback(running.port, '/whoami')).body);
      expect(whoami.uid).toBe(service.security.uid);
      const processes = await containerProcesses(docker, name);
      expect(processes.length).toBeGreaterThan(0);
      for (const p of processes) {
        const status = procStatus(p.pid);
        const { uid, gid } = service.security;
        expect({ pid: p.pid, Uid: status.Uid, Gid: status.Gid }).toEqual({ pid: p.pid, Uid: `${uid}\t${uid}\t${uid}\t${uid}`, Gid: `${gid}\t${gid}\t${gid}\t${gid}` });
        expect({ pid: p.pid, CapEff: status.CapEff, CapPrm: status.CapPrm, CapBnd: status.CapBnd, NoNewPrivs: status.NoNewPrivs })
          .toEqual({ pid: p.pid, CapEff: '0000000000000000', CapPrm: '0000000000000000', CapBnd: '0000000000000000', NoNewPrivs: '1' });
      }
    });

    test('has a read-only root: tmpfs only on the declared writable paths', async () => {
      const { docker } = engine();
      const mounts = procMounts(masterPid);
      expect(mounts.find((m) => m.mountPoint === '/')?.options[0]).toBe('ro');
      // Writable mounts outside the kernel's and the engine's own (/proc, /dev, /sys): exactly the declared paths.
      const writable = mounts.filter((m) => m.options[0] === 'rw' && !/^\/(proc|dev|sys)(\/|$)/.test(m.mountPoint));
      expect(writable.map((m) => `${m.mountPoint} ${m.fsType}`).sort()).toEqual(service.security.writablePaths.map((p) => `${p} tmpfs`).sort());
      // What the server's user can actually write: the declared paths, and the engine's /dev/shm.
      const candidates = ['/', '/app', '/app/app', '/opt/venv', '/opt/venv/lib', '/etc', '/var/tmp', '/home', '/root', '/usr/local', '/dev/shm', ...service.security.writablePaths];
      const writes = JSON.parse(await execPython(docker, name, WRITE_PROBE(candidates)));
      expect(writes.sort()).toEqual([...service.security.writablePaths, '/dev/shm'].sort());
    });

    test('runs under the CPU and memory limits it was given', async () => {
      const { docker } = engine();
      const host = (await docker.inspect(name, 'container')).HostConfig;
      expect(host.NanoCpus).toBe(variant.cpus * 1e9);
      expect(host.Memory).toBe(variant.memoryMiB * 2 ** 20);
      expect(host.ReadonlyRootfs).toBe(true);
      expect(host.CapDrop).toEqual(['ALL']);
      expect(host.SecurityOpt).toEqual(['no-new-privileges']);
      // As the kernel enforces them, read from the container's cgroup on the host.
      expect(cgroupLimits(masterPid)).toEqual({ cpus: variant.cpus, memoryMiB: variant.memoryMiB });
    });

    test('runs as many gunicorn workers as the CPU limit calls for', async () => {
      const { docker } = engine();
      const expected = expectedWorkers(service);
      const processes = await containerProcesses(docker, name);
      const master = processes.find((p) => p.pid === masterPid);
      expect(master?.args).toMatch(/^\/opt\/venv\/bin\/python -m gunicorn /);
      const workers = processes.filter((p) => p.ppid === masterPid && p.args.includes('gunicorn'));
      expect({ workers: workers.length, why: expected.why }).toEqual(expected);
      if (service.gunicorn) {
        // The generated config says why, once, at start: from the cgroup quota, not the host's CPUs.
        const logs = await docker.run(['logs', name]);
        expect(logs.stdout + logs.stderr).toMatch(new RegExp(`Keelson: ${expected.workers} workers?: .*cgroup v[12]`));
      }
    });
  });
});
