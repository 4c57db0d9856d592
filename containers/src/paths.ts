import { join, resolve } from 'path';

/** The Keelson workspace (the repository root). */
export const WORKSPACE = resolve(__dirname, '..', '..');

/**
 * The harness's machine-wide state, kept between runs so base images are reused:
 * `docker/` (the engine's data-root), `debs/` (downloaded Debian packages), `rootfs/` (scratch),
 * `run/` (exec-root, socket, pidfile, log: only while an engine runs), `lock` (one harness engine at a time).
 * Override with KEELSON_CONTAINERS_STATE (an absolute path; keep it short: unix sockets live under it).
 */
export const STATE_DIR = process.env.KEELSON_CONTAINERS_STATE ?? '/var/tmp/keelson-containers';

export const PATHS = {
  state: STATE_DIR,
  dataRoot: join(STATE_DIR, 'docker'),
  run: join(STATE_DIR, 'run'),
  execRoot: join(STATE_DIR, 'run', 'exec'),
  socket: join(STATE_DIR, 'run', 'docker.sock'),
  pidfile: join(STATE_DIR, 'run', 'dockerd.pid'),
  dockerdLog: join(STATE_DIR, 'run', 'dockerd.log'),
  clientConfig: join(STATE_DIR, 'run', 'client-config'),
  engineInfo: join(STATE_DIR, 'run', 'engine.json'),
  lock: join(STATE_DIR, 'lock'),
  /** Present while the default bridge the harness's engine created exists (so a killed run's bridge is removed later). */
  bridgeMarker: join(STATE_DIR, 'bridge-created'),
  debs: join(STATE_DIR, 'debs'),
  rootfs: join(STATE_DIR, 'rootfs'),
};

/** Per-run output in the repository's ignored scratch dir: the timings and the harness log. */
export const REPORT_DIR = join(WORKSPACE, '.keelson-tmp', 'containers');

/** Debian's own docker client (20.10): the 28.x client first on PATH has no buildx, so no BuildKit. */
export const DOCKER_CLI = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';
