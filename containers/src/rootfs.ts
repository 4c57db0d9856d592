import { createHash } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { log } from './log';
import { PATHS } from './paths';
import { bash, run, shellQuote } from './run';

/** One Debian package of a closure, as apt resolved it. */
export interface DebianPackage {
  readonly name: string;
  readonly version: string;
  /** The .deb file name, as apt names it (epoch colon escaped as %3a). */
  readonly filename: string;
  readonly size: number;
  /** `MD5Sum:...` or `SHA256:...`, from apt. */
  readonly hash: string;
}

const APT_QUIET = ['-o', 'Debug::NoLocking=1', '-o', 'APT::Sandbox::User=root'];

/**
 * A Debian suite other than the machine's own, from the same archive, with package lists of its own under the
 * harness's state: for a stand-in that needs a newer program than bookworm ships (nginx 1.27.3+ for `resolve`).
 * Nothing of it is installed on this machine; its packages only go into images.
 */
export interface AptSuite {
  /** The codename, e.g. `forky` (Debian 14, testing). */
  readonly codename: string;
  /**
   * The archive.
   * @default 'http://deb.debian.org/debian' (the archive this machine's own sources use)
   */
  readonly uri?: string;
}

/** Debian testing (forky): nginx 1.30 (bookworm has 1.22.1). */
export const FORKY: AptSuite = { codename: 'forky' };

/**
 * apt's options for `suite`: its own source list and package lists, the machine's keyring (the archive signs every
 * suite with the same keys). The archive's Release of a suite may be older than its Valid-Until on a machine whose
 * mirror is a frozen snapshot: that date is not checked (the signature still is). No options: the machine's suites.
 */
async function aptOptions(suite: AptSuite | undefined): Promise<string[]> {
  if (!suite) return [];
  const dir = join(PATHS.rootfs, `apt-${suite.codename}`);
  const options = [
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`, '-o', `Dir::Etc::SourceParts=${join(dir, 'sources.list.d')}`,
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`, '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', 'Acquire::Check-Valid-Until=false', '-o', 'Acquire::Languages=none',
  ];
  const marker = join(dir, 'updated');
  if (!existsSync(marker)) {
    for (const sub of ['sources.list.d', 'lists/partial', 'cache/archives/partial']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'sources.list'), `deb ${suite.uri ?? 'http://deb.debian.org/debian'} ${suite.codename} main\n`);
    log(`apt: fetching the package lists of ${suite.codename}`);
    await run('apt-get', ['update', '-q', ...APT_QUIET, ...options], { timeoutMs: 600_000 });
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  }
  return options;
}

/**
 * The dependency closure of `roots` (no recommends), as apt resolves it for an empty system, in apt's unpack
 * order. Essential packages are in it only if asked for or depended on. Nothing is installed on this machine.
 */
export async function resolveClosure(roots: readonly string[], suite?: AptSuite): Promise<DebianPackage[]> {
  const emptyCache = join(PATHS.rootfs, 'apt-empty-cache');
  mkdirSync(join(emptyCache, 'partial'), { recursive: true });
  const args = ['install', '--print-uris', '-qq', '-y', '--no-install-recommends', ...await aptOptions(suite),
    '-o', 'Dir::State::status=/dev/null', '-o', `Dir::Cache::archives=${emptyCache}`, ...APT_QUIET, ...roots];
  let result = await run('apt-get', args, { timeoutMs: 120_000, allowFailure: true });
  if (!suite && result.code !== 0 && /Unable to locate package|has no installation candidate/.test(result.stderr)) {
    // A fresh machine whose package lists were never fetched: fetch them once, then resolve again.
    log(`apt cannot resolve ${roots.join(' ')} (${result.stderr.trim().split('\n')[0]}): running apt-get update`);
    await run('apt-get', ['update', '-q', '-o', 'DPkg::Lock::Timeout=600'], { timeoutMs: 600_000 });
    result = await run('apt-get', args, { timeoutMs: 120_000, allowFailure: true });
  }
  if (result.code !== 0) throw new Error(`apt cannot resolve ${roots.join(' ')}:\n${result.stderr}`);
  const packages = result.stdout.split('\n').filter((line) => line.startsWith("'")).map((line) => {
    const [, filename, size, hash] = line.split(' ');
    const [name, escapedVersion] = filename.split('_');
    return { name, version: decodeURIComponent(escapedVersion), filename, size: Number(size), hash: hash ?? '' };
  });
  if (packages.length === 0) throw new Error(`apt resolved no packages for ${roots.join(' ')}:\n${result.stdout}`);
  return packages;
}

/**
 * Puts every package's .deb into the harness's package cache: from apt's own cache when it has it, else with one
 * `apt-get download` of the exact versions (from the mirror apt already uses). Each file is checked against
 * apt's hash.
 */
export async function fetchDebs(packages: readonly DebianPackage[], suite?: AptSuite): Promise<{ downloaded: number; cached: number }> {
  mkdirSync(PATHS.debs, { recursive: true });
  const missing: DebianPackage[] = [];
  let cached = 0;
  for (const pkg of packages) {
    const target = join(PATHS.debs, pkg.filename);
    if (existsSync(target) && hashMatches(target, pkg.hash)) {
      cached++;
      continue;
    }
    const fromApt = join('/var/cache/apt/archives', pkg.filename);
    if (existsSync(fromApt) && hashMatches(fromApt, pkg.hash)) {
      copyFileSync(fromApt, `${target}.part`);
      renameSync(`${target}.part`, target);
      cached++;
      continue;
    }
    missing.push(pkg);
  }
  if (missing.length > 0) {
    await run('apt-get', ['download', '-q', ...APT_QUIET, ...await aptOptions(suite), ...missing.map((p) => `${p.name}=${p.version}`)],
      { cwd: PATHS.debs, timeoutMs: 600_000 });
    for (const pkg of missing) {
      const file = join(PATHS.debs, pkg.filename);
      if (!existsSync(file)) throw new Error(`apt-get download did not produce ${pkg.filename}`);
      if (!hashMatches(file, pkg.hash)) {
        rmSync(file, { force: true });
        throw new Error(`${pkg.filename} does not match apt's ${pkg.hash}`);
      }
    }
  }
  return { downloaded: missing.length, cached };
}

function hashMatches(file: string, expected: string): boolean {
  const [algorithm, digest] = expected.split(':');
  const node = { MD5Sum: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' }[algorithm];
  if (!node || !digest) return true; // apt gave no hash for it: nothing to compare
  return createHash(node).update(readFileSync(file)).digest('hex') === digest.toLowerCase();
}

/** Options of a root filesystem unpacked from .debs. */
export interface UnpackOptions {
  /**
   * Also write dpkg's database (`/var/lib/dpkg/status`, `info/*.list`) so that `dpkg -i` in a later build step
   * sees the packages as installed. Only for images that carry dpkg.
   * @default false
   */
  readonly dpkgDatabase?: boolean;
}

/**
 * Unpacks packages into an empty directory the way debootstrap's first stage does, without running any
 * maintainer script: a merged /usr (bin, sbin, lib, lib64 are symlinks into usr/), each package's data
 * extracted with `tar --keep-directory-symlink` so the symlinks stay.
 */
export async function unpack(root: string, packages: readonly DebianPackage[], options: UnpackOptions = {}): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) {
    mkdirSync(join(root, 'usr', dir), { recursive: true });
    symlinkSync(`usr/${dir}`, join(root, dir));
  }
  const debs = packages.map((p) => shellQuote(join(PATHS.debs, p.filename))).join(' ');
  const database = options.dpkgDatabase ?? false;
  await bash(`
root=${shellQuote(root)}
info="$root/var/lib/dpkg/info"
${database ? 'mkdir -p "$info"; : > "$root/var/lib/dpkg/status.new"' : ''}
for deb in ${debs}; do
  ${database ? `
  control=$(dpkg-deb -f "$deb")
  # Parsed with bash alone: a control file starts with its Package field.
  first=\${control%%$'\\n'*}; package=\${first#Package: }
  name=$package
  if [[ $control == *$'\\n'"Multi-Arch: same"* ]]; then arch=\${control#*$'\\n'Architecture: }; name="$name:\${arch%%$'\\n'*}"; fi
  dpkg-deb --fsys-tarfile "$deb" | tar -x -v -C "$root" --keep-directory-symlink \\
    | sed -e 's|^\\./|/|' -e 's|/$||' -e 's|^$|/.|' > "$info/$name.list"
  printf 'Package: %s\\nStatus: install ok installed\\n%s\\n\\n' "$package" "\${control#*$'\\n'}" >> "$root/var/lib/dpkg/status.new"`
    : `dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" --keep-directory-symlink`}
done
${database ? 'mv "$root/var/lib/dpkg/status.new" "$root/var/lib/dpkg/status"' : ''}
`, { timeoutMs: 300_000 });
}

/** Imports a root filesystem as an image: `tar -c | docker import` with the given Dockerfile instructions. */
export function importCommand(root: string, reference: string, changes: readonly string[], dockerCli: string): string {
  return `tar --numeric-owner -C ${shellQuote(root)} -c . | ${shellQuote(dockerCli)} import ${changes.map((c) => `--change ${shellQuote(c)}`).join(' ')} - ${shellQuote(reference)}`;
}
