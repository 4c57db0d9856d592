import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import {
  appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync,
  rmSync, symlinkSync, writeFileSync,
} from 'fs';
import { join, relative } from 'path';
import { DockerClient } from './docker-client';
import { log } from './log';
import { DOCKER_CLI, PATHS } from './paths';
import { AptSuite, DebianPackage, FORKY, fetchDebs, importCommand, resolveClosure, unpack } from './rootfs';
import { bash, run } from './run';
import { recordTiming } from './timings';

/**
 * The Debian packages that satisfy the example service's Python dependencies offline (bookworm: fastapi 0.92,
 * uvicorn 0.17.6 with `uvicorn.workers`, gunicorn 20.1, celery 5.2, redis 4.3, psycopg2, SQLAlchemy 1.4, alembic).
 */
export const APP_PYTHON_PACKAGES = [
  'python3-fastapi', 'python3-uvicorn', 'python3-gunicorn', 'python3-celery', 'python3-redis',
  'python3-psycopg2', 'python3-sqlalchemy', 'python3-alembic',
];

/**
 * Debian's Essential set, as in debian:bookworm-slim (a shell, coreutils, dpkg, perl-base for debconf's maintainer
 * scripts), plus passwd for useradd/groupadd. apt resolves a closure as if Essential packages were present: they are
 * listed here, or packages' maintainer scripts find no perl.
 */
const DEBIAN_MINBASE = [
  'base-files', 'base-passwd', 'bash', 'bsdutils', 'coreutils', 'dash', 'debianutils', 'diffutils', 'dpkg', 'findutils',
  'grep', 'gzip', 'hostname', 'init-system-helpers', 'libc-bin', 'login', 'mawk', 'ncurses-base', 'ncurses-bin', 'passwd',
  'perl-base', 'sed', 'sysvinit-utils', 'tar', 'util-linux',
  // debootstrap's choice for bookworm: the tree is merged already, so the usrmerge converter is not needed.
  'usr-is-merged',
];

/** A local base image built from Debian packages, standing in for an image the product names from a registry. */
export interface BaseImageRecipe {
  /** `keelson-local/NAME:TAG` */
  readonly reference: string;
  /** The registry image it stands in for, and how it differs. */
  readonly standsFor: string;
  /** Packages whose dependency closure is unpacked (no recommends). */
  readonly packages: readonly string[];
  /**
   * The Debian suite the packages come from.
   * @default - this machine's (bookworm)
   */
  readonly suite?: AptSuite;
  /** Packages of the closure left out (for an image without a shell or a package manager). */
  readonly exclude?: readonly string[];
  /** Write dpkg's database (for images that carry dpkg). */
  readonly dpkgDatabase?: boolean;
  /** Image configuration given to `docker import --change`. */
  readonly changes: readonly string[];
  /** What the first stage of an installer's maintainer scripts would have done, run on the unpacked tree. */
  readonly finish: (root: string, packages: readonly DebianPackage[]) => Promise<void>;
}

/**
 * `keelson-local/python:3.11` stands in for the official `python:3.11-slim-bookworm` (and for debian:12-slim with
 * Debian's python3.11, the distroless flavour's builder): Debian bookworm with a shell, dpkg and useradd, Debian's
 * python3.11 at /usr/bin/python3.11 and, as in the official image, at /usr/local/bin/python3.11 (a symlink here;
 * the official image builds its own there), python3-venv, and the app's Python dependencies from Debian.
 * No compilers: the Dockerfile is generated with `installToolchain: false`.
 */
export const PYTHON_BASE: BaseImageRecipe = {
  reference: 'keelson-local/python:3.11',
  standsFor: 'python:3.11-slim-bookworm and debian:12-slim + python3.11 (an internal Debian-based image with the app\'s libraries)',
  packages: [...DEBIAN_MINBASE, 'python3.11', 'python3.11-venv', 'python3-venv', 'ca-certificates', 'tzdata', 'netbase', ...APP_PYTHON_PACKAGES],
  dpkgDatabase: true,
  changes: [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV LANG=C.UTF-8',
    'CMD ["python3"]',
  ],
  finish: async (root) => {
    await finishDebian(root);
    // The official image's interpreter path, so the slim flavour's Dockerfile runs unchanged.
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    for (const name of ['python3.11', 'python3', 'python']) symlinkSync('/usr/bin/python3.11', join(root, 'usr/local/bin', name));
    // This stand-in has no package index: pip must find everything installed, and fail at once rather than retry
    // a network that is not there.
    writeFileSync(join(root, 'etc/pip.conf'), '# keelson-local: offline image, every requirement must already be installed\n[global]\nno-index = true\n');
    await compilePython(root);
  },
};

/**
 * `keelson-local/python-distroless:3.11` stands in for `gcr.io/distroless/python3-debian12:nonroot`: Debian 12's
 * python3.11 at /usr/bin/python3.11, its libraries, CA certificates, tzdata, /etc/passwd with root, nobody and
 * nonroot (65532), running as 65532: no shell, no package manager, no coreutils. Unlike the real one it also
 * carries the app's Python dependencies from Debian at the same paths as the builder (`systemSitePackages: true`).
 */
export const DISTROLESS_BASE: BaseImageRecipe = {
  reference: 'keelson-local/python-distroless:3.11',
  standsFor: 'gcr.io/distroless/python3-debian12:nonroot (plus the app\'s Debian Python libraries)',
  packages: ['python3.11', 'ca-certificates', 'tzdata', 'netbase', 'base-files', 'media-types', ...APP_PYTHON_PACKAGES],
  // dpkg and tar come with python3-minimal, debconf and openssl with ca-certificates, mawk with base-files:
  // none of them is in distroless.
  exclude: ['dpkg', 'tar', 'debconf', 'openssl', 'mawk', 'perl-base', 'bash', 'dash', 'coreutils'],
  changes: [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
    'USER 65532',
    'WORKDIR /home/nonroot',
    'ENTRYPOINT ["/usr/bin/python3.11"]',
  ],
  finish: async (root) => {
    writeFileSync(join(root, 'etc/ld.so.conf'), 'include /etc/ld.so.conf.d/*.conf\n');
    await run('ldconfig', ['-r', root], { timeoutMs: 60_000 });
    writeFileSync(join(root, 'etc/passwd'), [
      'root:x:0:0:root:/root:/sbin/nologin',
      'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin', ''].join('\n'));
    writeFileSync(join(root, 'etc/group'), ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:', ''].join('\n'));
    mkdirSync(join(root, 'home/nonroot'), { recursive: true });
    chownSync(join(root, 'home/nonroot'), 65532, 65532);
    chmodSync(join(root, 'home/nonroot'), 0o700);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    // The CA bundle, as update-ca-certificates would write it (distroless ships the bundle only).
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
    writeFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), caCertificates(root)
      .map((cert) => readFileSync(join(root, 'usr/share/ca-certificates', cert), 'utf-8').trimEnd()).join('\n') + '\n');
    await compilePython(root);
    const shells = findExecutables(root, ['sh', 'bash', 'dash', 'busybox', 'ls', 'cat', 'apt', 'apt-get', 'dpkg', 'tar', 'perl']);
    if (shells.length > 0) throw new Error(`the shell-less base would carry ${shells.join(', ')}`);
  },
};

/**
 * What the maintainer scripts of Debian's minimal base would have done: users and groups, shadow files, the
 * linker cache, the awk alternative, the CA bundle, dpkg's bookkeeping files.
 */
async function finishDebian(root: string): Promise<void> {
  // base-passwd's postinst: the system users and groups; passwd's: shadow files.
  copyFileSync(join(root, 'usr/share/base-passwd/passwd.master'), join(root, 'etc/passwd'));
  copyFileSync(join(root, 'usr/share/base-passwd/group.master'), join(root, 'etc/group'));
  await run('chroot', [root, '/usr/sbin/pwconv'], { timeoutMs: 60_000 });
  await run('chroot', [root, '/usr/sbin/grpconv'], { timeoutMs: 60_000 });
  await run('chroot', [root, '/sbin/ldconfig'], { timeoutMs: 60_000 });
  // mawk's postinst: the awk alternative.
  symlinkSync('/usr/bin/mawk', join(root, 'etc/alternatives/awk'));
  symlinkSync('/etc/alternatives/awk', join(root, 'usr/bin/awk'));
  // ca-certificates' postinst: the trusted set and the bundle (pip refuses to start without the bundle).
  writeFileSync(join(root, 'etc/ca-certificates.conf'), `${caCertificates(root).join('\n')}\n`);
  await run('chroot', [root, '/usr/sbin/update-ca-certificates'], { timeoutMs: 120_000 });
  for (const file of ['available', 'diversions', 'statoverride']) appendFileSync(join(root, 'var/lib/dpkg', file), '');
  mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
}

/**
 * `keelson-local/debian:bookworm` stands in for `debian:bookworm-slim`, the base of the official redis, postgres and
 * nginx images: Debian's minimal base with dpkg and its database (no apt: nothing to fetch from here), so images
 * derived from it install `.deb` files with `dpkg -i` in a build step, offline.
 */
export const DEBIAN_BASE: BaseImageRecipe = {
  reference: 'keelson-local/debian:bookworm',
  standsFor: 'debian:bookworm-slim (without apt)',
  packages: [...DEBIAN_MINBASE, 'ca-certificates', 'tzdata', 'netbase'],
  dpkgDatabase: true,
  changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["bash"]'],
  finish: finishDebian,
};

/**
 * `keelson-local/debian:forky` is the same minimal base from Debian testing (forky), for a stand-in that needs a
 * program newer than bookworm has: nginx 1.30, whose upstream `resolve` the product writes (bookworm has 1.22.1).
 */
export const DEBIAN_FORKY_BASE: BaseImageRecipe = {
  ...DEBIAN_BASE,
  reference: 'keelson-local/debian:forky',
  standsFor: 'debian:trixie-slim and later (without apt): Debian testing, for nginx 1.30',
  suite: FORKY,
};

/** The base images the service tests build on. */
export const BASE_IMAGES = [PYTHON_BASE, DISTROLESS_BASE];

/** What ensureBaseImage did. */
export interface BaseImageResult {
  readonly reference: string;
  readonly reused: boolean;
  readonly seconds: number;
}

const RECIPE_LABEL = 'org.keelson.recipe';

/**
 * The image for a recipe: reused when the engine already has it built from the same recipe (the engine's data-root
 * persists between runs on a machine), built from Debian packages otherwise.
 */
export async function ensureBaseImage(docker: DockerClient, recipe: BaseImageRecipe): Promise<BaseImageResult> {
  const started = Date.now();
  const hash = recipeHash(recipe);
  const current = await docker.run(['image', 'inspect', '--format', `{{index .Config.Labels "${RECIPE_LABEL}"}}`, recipe.reference],
    { allowFailure: true });
  if (current.code === 0 && current.stdout.trim() === hash) {
    const seconds = (Date.now() - started) / 1000;
    recordTiming(`base image ${recipe.reference}: reused`, Date.now() - started);
    return { reference: recipe.reference, reused: true, seconds };
  }
  log(`building ${recipe.reference} from Debian packages (${current.code === 0 ? 'its recipe changed' : 'not present'})`);
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const value = await fn();
    recordTiming(`base image ${recipe.reference}: ${name}`, Date.now() - t);
    return value;
  };
  const closure = await step('resolve', () => resolveClosure(recipe.packages, recipe.suite));
  const packages = closure.filter((p) => !(recipe.exclude ?? []).includes(p.name));
  const fetched = await step('fetch .debs', () => fetchDebs(packages, recipe.suite));
  const root = join(PATHS.rootfs, recipe.reference.replace(/[/:]/g, '_'));
  try {
    await step('unpack', () => unpack(root, packages, { dpkgDatabase: recipe.dpkgDatabase }));
    await step('finish', () => recipe.finish(root, packages));
    const changes = [...recipe.changes, `LABEL ${RECIPE_LABEL}=${hash}`, `LABEL org.keelson.stands-for=${JSON.stringify(recipe.standsFor)}`];
    await step('import', () => bash(importCommand(root, recipe.reference, changes, DOCKER_CLI), { env: docker.env, timeoutMs: 300_000 }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  await docker.run(['image', 'prune', '-f'], { timeoutMs: 120_000 });
  const ms = Date.now() - started;
  recordTiming(`base image ${recipe.reference}: built cold, total`, ms,
    `${packages.length} packages, ${fetched.downloaded} downloaded, ${fetched.cached} from cache`);
  log(`built ${recipe.reference} in ${(ms / 1000).toFixed(1)} s (${packages.length} Debian packages)`);
  return { reference: recipe.reference, reused: false, seconds: ms / 1000 };
}

/** Every base image, in order. */
export async function ensureBaseImages(docker: DockerClient): Promise<BaseImageResult[]> {
  const results: BaseImageResult[] = [];
  for (const recipe of BASE_IMAGES) results.push(await ensureBaseImage(docker, recipe));
  return results;
}

/** A hash of what decides an image's content: the recipe and the code that assembles it. */
export function recipeHash(recipe: BaseImageRecipe): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...recipe, finish: recipe.finish.toString() }));
  for (const file of ['base-images.ts', 'rootfs.ts']) {
    const source = join(__dirname, file);
    if (existsSync(source)) hash.update(readFileSync(source));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The CA certificates ca-certificates ships, relative to /usr/share/ca-certificates, sorted. */
function caCertificates(root: string): string[] {
  const base = join(root, 'usr/share/ca-certificates');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.crt')) found.push(relative(base, path));
    }
  };
  if (existsSync(base)) walk(base);
  return found.sort();
}

/**
 * Byte-compiles the Python packages, as Debian's postinst (py3compile) does, so that nothing is compiled at every
 * start on a read-only root. With this machine's own Debian python3.11 when it is the same release (in parallel),
 * else with the image's interpreter in a chroot.
 */
async function compilePython(root: string): Promise<void> {
  const dirs = ['/usr/lib/python3.11', '/usr/lib/python3/dist-packages'];
  const hostPython = '/usr/bin/python3.11';
  const imageVersion = spawnSync('chroot', [root, '/usr/bin/python3.11', '-c', 'import sys; print(sys.version)'], { encoding: 'utf-8' }).stdout;
  const hostVersion = existsSync(hostPython)
    ? spawnSync(hostPython, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf-8' }).stdout : undefined;
  const result = hostVersion && hostVersion === imageVersion
    ? await run(hostPython, ['-m', 'compileall', '-q', '-j', '0', '-s', root, '-p', '/', ...dirs.map((d) => join(root, d))],
      { timeoutMs: 300_000, allowFailure: true })
    : await run('chroot', [root, '/usr/bin/python3.11', '-m', 'compileall', '-q', ...dirs], { timeoutMs: 600_000, allowFailure: true });
  if (result.code !== 0) log(`compileall reported files it could not compile (left as source):\n${result.stdout.slice(-2000)}`);
}

/** Executables (or links to them) with one of `names` in the usual bin directories of a root filesystem. */
export function findExecutables(root: string, names: readonly string[]): string[] {
  const found: string[] = [];
  for (const dir of ['usr/bin', 'usr/sbin', 'usr/local/bin', 'usr/local/sbin']) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) {
      if (names.includes(name)) {
        lstatSync(join(path, name));
        found.push(`/${dir}/${name}`);
      }
    }
  }
  return found;
}
