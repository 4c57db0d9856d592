import { readFileSync } from 'fs';
import { PATHS } from '../src/paths';
import { cmdlineOf, isAlive } from '../src/processes';
import { describeWithEngine } from './engine-support';

describeWithEngine('the harness engine', (engine) => {
  test('is Debian\'s dockerd 20.10, started by this run, with its data-root, exec-root, pidfile and socket in the harness state dir', async () => {
    const { docker, info } = engine();
    expect(isAlive(info.dockerd)).toBe(true);
    expect(Number(readFileSync(PATHS.pidfile, 'utf-8').trim())).toBe(info.dockerd.pid);
    const cmdline = cmdlineOf(info.dockerd.pid)!;
    expect(cmdline).toContain(`--data-root ${PATHS.dataRoot}`);
    expect(cmdline).toContain(`--exec-root ${PATHS.execRoot}`);
    expect(cmdline).toContain(`-H unix://${PATHS.socket}`);
    const server = JSON.parse(await docker.out(['info', '--format', '{{json .}}']));
    expect(server.ServerVersion).toMatch(/^20\.10\./);
    expect(server.Driver).toBe('overlay2');
    expect(server.DockerRootDir).toBe(PATHS.dataRoot);
  });

  test('is the only engine the tests address: every docker command carries its socket and an empty client config', () => {
    const { docker } = engine();
    expect(docker.env.DOCKER_HOST).toBe(`unix://${PATHS.socket}`);
    expect(docker.env.DOCKER_CONFIG).toBe(PATHS.clientConfig);
    expect(docker.env.DOCKER_CONTEXT).toBeUndefined();
  });


  test('is watched: a detached watchdog stops dockerd by its PID if this jest process dies without stopping it', () => {
    const { info } = engine();
    expect(info.watchdogPid).toBeDefined();
    const watchdog = cmdlineOf(info.watchdogPid!)!;
    expect(watchdog).toContain('keelson-engine-watchdog');
    // It watches this process and this dockerd, each by PID and start time.
    expect(watchdog.endsWith(`${process.pid} ${info.owner.startTime} ${info.dockerd.pid} ${info.dockerd.startTime}`)).toBe(true);
  });
});
