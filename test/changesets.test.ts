/**
 * Versioning with changesets, with projen in the loop.
 *
 * projen writes `"version": "0.0.0"` into every package.json it owns unless it is releasing (projen issue 2208),
 * which would undo `changeset version` at the next synth; `.projenrc.ts` reads each package's current version at
 * synth time instead. This proves the loop on a throw-away clone of the committed HEAD:
 *
 * GIVEN the committed workspace, synth-clean, with `.changeset/config.json` as projen generates it
 * WHEN a maintainer adds a changeset, runs `changeset version`, then `npx projen`
 * THEN the version and CHANGELOG that changesets wrote survive the synth, and nothing else changes;
 * and a control synth without the version line in `.projenrc.ts` shows that the pitfall is real.
 *
 * The steps share one clone and run in order, each building on the one before (jest runs a file's tests one
 * after another). Keep the clone with KEELSON_KEEP_TMP=1.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { findOnPath, run, userEnvironment } from './support/run-command';

const WORKSPACE = resolve(__dirname, '..');
// A package no other package depends on (the policy's devDependency on it does not count): changesets then bumps it
// alone (a dependency's bump also patches its dependents, by `updateInternalDependencies`, which the last test covers
// with the real pending changesets).
const PACKAGE = '@keelson/pipeline';
const PACKAGE_DIR = 'packages/pipeline';
const OTHER_PACKAGE_DIR = 'packages/core';
const TIMEOUT_MS = 110_000;
// The kind of name `pnpm changeset` gives a changeset: three lower-case words joined by dashes (human-id).
const CHANGESET_NAME = 'quiet-lamps-shine';
// A summary that follows the rule in docs/versioning.md: generated output changes, so it says which files and why.
const SUMMARY_LINES = [
  'Dockerfile: the health check probes the service endpoint\'s health path.',
  '',
  'Generated files that change:',
  '- `Dockerfile`: the `HEALTHCHECK` line probes `/healthz` instead of `/`, so a service whose root route',
  '  needs authentication is no longer reported unhealthy.',
];
/** How changesets reports issues with its config: 3.x, then 2.x (errors, then warnings). */
const CONFIG_ISSUES = /issues in your config|validating the changesets config|\u{1F98B}\s+warn/iu;

const isCI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
const missingTools = ['git', 'pnpm', 'node', 'npx'].filter((tool) => findOnPath(tool) === undefined);
if (missingTools.length > 0 && !isCI) {
  console.warn(`changesets test skipped: missing ${missingTools.join(', ')} (under CI=true this fails instead)`);
}
// Under CI a missing tool fails the suite (in beforeAll); only a developer's machine may skip it.
const describeWithTools = missingTools.length === 0 || isCI ? describe : describe.skip;

/** What a command printed and how it ended; a failure is a value here, not an exception. */
interface Outcome {
  readonly ok: boolean;
  /** stdout then stderr on success; on failure, the helper's report (command, status, output tails). */
  readonly output: string;
}

const cloneEnv = () => userEnvironment(WORKSPACE, { NO_COLOR: '1', FORCE_COLOR: '0' });

async function attempt(command: string, args: readonly string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: cloneEnv(), timeoutMs: TIMEOUT_MS });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await run(command, args, { cwd, env: cloneEnv(), timeoutMs: TIMEOUT_MS });
  return `${stdout}${stderr}`;
}

function readVersion(dir: string, packageDir: string): string {
  return JSON.parse(readFileSync(join(dir, packageDir, 'package.json'), 'utf-8')).version;
}

function nextMinor(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`${PACKAGE} is at "${version}": this scenario expects a plain X.Y.Z release version`);
  return `${match[1]}.${Number(match[2]) + 1}.0`;
}

/** `git status` in a clone: one `XY path` entry per file, untracked files one by one, sorted. */
async function gitStatus(dir: string): Promise<string[]> {
  return (await mustRun('git', ['status', '--porcelain', '--untracked-files=all'], dir))
    .split('\n').filter((line) => line !== '').sort();
}

/** The lines a file's diff against HEAD removes and adds, without context. */
async function changedLines(dir: string, file: string): Promise<string[]> {
  return (await mustRun('git', ['diff', '--no-color', '-U0', 'HEAD', '--', file], dir))
    .split('\n').filter((line) => /^[-+]/.test(line) && !/^(---|\+\+\+) /.test(line));
}

async function commitAll(dir: string, message: string): Promise<void> {
  await mustRun('git', ['add', '--all'], dir);
  await mustRun('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '--quiet', '-m', message], dir);
}

/** The changesets changesets would read: `.changeset/*.md` but its README. */
function pendingChangesets(dir: string): string[] {
  return readdirSync(join(dir, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md').sort();
}

/** How the changesets CLI is started in the clone: `pnpm changeset`, as a maintainer runs it. */
interface ChangesetCli {
  readonly version: string;
  readonly command: string;
  readonly args: readonly string[];
}

function changesetCli(dir: string): ChangesetCli {
  const version: string = JSON.parse(
    readFileSync(join(dir, 'node_modules', '@changesets', 'cli', 'package.json'), 'utf-8')).version;
  return { version, command: 'pnpm', args: ['changeset'] };
}

describeWithTools('versioning with changesets, with projen in the loop', () => {
  let clone: string | undefined;
  let cli: ChangesetCli;
  /** The clone's HEAD as committed in the workspace (plus a baseline synth commit, if HEAD was not synth-clean). */
  let head = '';
  let baselineSynthChanges: string[] = [];
  let versionBefore = '';
  let otherVersionBefore = '';
  let packageJsonAfterVersion: string | undefined;
  let changelogAfterVersion: string | undefined;

  const dir = () => {
    if (clone === undefined) throw new Error('no clone: beforeAll failed');
    return clone;
  };
  const changeset = (args: readonly string[]) => attempt(cli.command, [...cli.args, ...args], dir());

  beforeAll(async () => {
    if (missingTools.length > 0) throw new Error(`missing tools: ${missingTools.join(', ')}`);
    clone = realpathSync(mkdtempSync(join(tmpdir(), 'keelson-changesets-')));
    await mustRun('git', ['clone', '--quiet', WORKSPACE, clone], tmpdir());
    // changesets compares with its base branch: make it this HEAD, whatever branch or detached HEAD was cloned.
    const baseBranch = JSON.parse(readFileSync(join(clone, '.changeset', 'config.json'), 'utf-8')).baseBranch ?? 'main';
    await mustRun('git', ['checkout', '--quiet', '-B', baseBranch], clone);
    // The lockfile is the workspace's, so the store that installed the workspace has every package: about a
    // second, linked from the store; --prefer-offline reaches the registry only for a package the store lacks.
    await mustRun('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], clone);
    if (!existsSync(join(clone, 'node_modules', '.bin', 'projen'))) throw new Error(`projen is not installed in ${clone}`);
    cli = changesetCli(clone);

    // Precondition: what a plain synth of HEAD changes, committed aside so later steps see only their own effects.
    await mustRun('npx', ['projen'], clone);
    baselineSynthChanges = await gitStatus(clone);
    if (baselineSynthChanges.length > 0) await commitAll(clone, 'baseline synth');
    head = (await mustRun('git', ['rev-parse', 'HEAD'], clone)).trim();
    versionBefore = readVersion(clone, PACKAGE_DIR);
    otherVersionBefore = readVersion(clone, OTHER_PACKAGE_DIR);
  }, 120_000);

  afterAll(() => {
    if (clone === undefined) return;
    if (process.env.KEELSON_KEEP_TMP) {
      console.log(`changesets: clone kept in ${clone}`);
    } else {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  test('the committed workspace is synth-clean before any versioning (precondition)', () => {
    expect(baselineSynthChanges).toEqual([]);
  });

  test('`pnpm changeset` runs on this Node and is the pinned version', async () => {
    const real = await changeset(['--version']);
    expect(real.output.trim()).toBe(cli.version);
    expect(real.ok).toBe(true);
  });

  test('changesets accepts the generated .changeset/config.json and the changesets pending at HEAD, and rejects a broken config', async () => {
    const accepted = await changeset(['status']);
    expect(accepted.output).not.toMatch(CONFIG_ISSUES);
    expect(accepted.ok).toBe(true);

    // The control: the same command does read and validate the file.
    const configPath = join(dir(), '.changeset', 'config.json');
    const generated = readFileSync(configPath, 'utf-8');
    const valid = '"updateInternalDependencies": "patch"';
    expect(generated).toContain(valid);
    try {
      // Invalid for 2.x and 3.x alike (2.x only warns about some other invalid values, such as access "private").
      writeFileSync(configPath, generated.replace(valid, '"updateInternalDependencies": "major"'));
      const rejected = await changeset(['status']);
      expect(rejected.output).toMatch(/updateInternalDependencies/);
      expect(rejected.ok).toBe(false);
    } finally {
      writeFileSync(configPath, generated);
    }
    expect(await gitStatus(dir())).toEqual([]);
  });

  test('pnpm changeset version applies a hand-written minor changeset: the next minor version, a CHANGELOG with the summary, the changeset consumed', async () => {
    // Only this changeset: those pending at HEAD are set aside (committed away in the clone) so that what is
    // expected follows from this one alone; the last test versions them as they are.
    const pending = pendingChangesets(dir());
    for (const file of pending) rmSync(join(dir(), '.changeset', file));
    if (pending.length > 0) await commitAll(dir(), 'set the pending changesets aside');
    const expected = nextMinor(versionBefore);
    const changesetFile = join(dir(), '.changeset', `${CHANGESET_NAME}.md`);
    // The format `pnpm changeset` writes (@changesets/write 0.4.0 under cli 2.31.1, then prettier's markdown
    // formatting, which leaves this text as it is): YAML frontmatter, a blank line, the summary.
    writeFileSync(changesetFile, `---\n"${PACKAGE}": minor\n---\n\n${SUMMARY_LINES.join('\n')}\n`);
    // Committed first, as in a pull request: the CHANGELOG entry then names the commit that added it.
    await commitAll(dir(), 'a changeset');
    const changesetCommit = (await mustRun('git', ['rev-parse', 'HEAD'], dir())).trim();

    const result = await changeset(['version']);
    expect(result.output).not.toMatch(CONFIG_ISSUES);
    expect(result.ok).toBe(true);

    expect(readVersion(dir(), PACKAGE_DIR)).toBe(expected);
    expect(readVersion(dir(), OTHER_PACKAGE_DIR)).toBe(otherVersionBefore);
    expect(existsSync(changesetFile)).toBe(false);
    const changelog = readFileSync(join(dir(), PACKAGE_DIR, 'CHANGELOG.md'), 'utf-8');
    const entry = `- ${changesetCommit.slice(0, 7)}: ${SUMMARY_LINES[0]}\n`;
    expect(changelog.startsWith(`# ${PACKAGE}\n\n## ${expected}\n\n### Minor Changes\n\n${entry}`)).toBe(true);
    // Further lines of a summary are indented under its bullet.
    for (const line of SUMMARY_LINES.slice(1).filter((l) => l !== '')) {
      expect(changelog).toContain(`\n  ${line}\n`);
    }
    expect(await changedLines(dir(), `${PACKAGE_DIR}/package.json`)).toEqual([
      `-  "version": "${versionBefore}",`,
      `+  "version": "${expected}",`,
    ]);
    expect(await gitStatus(dir())).toEqual([
      ` D .changeset/${CHANGESET_NAME}.md`,
      ` M ${PACKAGE_DIR}/package.json`,
      `?? ${PACKAGE_DIR}/CHANGELOG.md`,
    ]);

    packageJsonAfterVersion = readFileSync(join(dir(), PACKAGE_DIR, 'package.json'), 'utf-8');
    changelogAfterVersion = changelog;
  });

  test('npx projen after changeset version keeps the bumped version and the CHANGELOG, and changes nothing else', async () => {
    if (packageJsonAfterVersion === undefined) throw new Error('the changeset version step did not complete');

    await mustRun('npx', ['projen'], dir());

    expect(readVersion(dir(), PACKAGE_DIR)).toBe(nextMinor(versionBefore));
    expect(readFileSync(join(dir(), PACKAGE_DIR, 'package.json'), 'utf-8')).toBe(packageJsonAfterVersion);
    expect(readFileSync(join(dir(), PACKAGE_DIR, 'CHANGELOG.md'), 'utf-8')).toBe(changelogAfterVersion);
    expect(await gitStatus(dir())).toEqual([
      ` D .changeset/${CHANGESET_NAME}.md`,
      ` M ${PACKAGE_DIR}/package.json`,
      `?? ${PACKAGE_DIR}/CHANGELOG.md`,
    ]);
  });

  test('without the addVersion(currentVersion(...)) line in .projenrc.ts, the same synth resets the bumped version to 0.0.0 (the control)', async () => {
    expect(readVersion(dir(), PACKAGE_DIR)).toBe(nextMinor(versionBefore));
    const projenrcPath = join(dir(), '.projenrc.ts');
    const projenrc = readFileSync(projenrcPath, 'utf-8');
    const versionLine = /^(\s*)\w+\.package\.addVersion\((currentVersion\([^;]*\))\);$/m;
    expect(projenrc).toMatch(versionLine);
    // Keep the call, so that no unused-function error stops the synth, but drop what it sets.
    writeFileSync(projenrcPath, projenrc.replace(versionLine, '$1void $2;'));

    // --no-post: the reset package.json would otherwise start an install (PROJEN_DISABLE_POST does not reach
    // `npx projen`, whose own --post option overwrites it).
    await mustRun('npx', ['projen', '--no-post'], dir());

    expect(readVersion(dir(), PACKAGE_DIR)).toBe('0.0.0');
  });

  test('the changesets pending at HEAD, versioned then synthesized, keep every version and CHANGELOG that changesets wrote', async () => {
    await mustRun('git', ['reset', '--quiet', '--hard', head], dir());
    await mustRun('git', ['clean', '--quiet', '-d', '--force'], dir());
    expect(await gitStatus(dir())).toEqual([]);
    const pending = pendingChangesets(dir());
    if (pending.length === 0) return; // nothing pending at HEAD: the steps above cover the loop

    const versioned = await changeset(['version']);
    expect(versioned.output).not.toMatch(CONFIG_ISSUES);
    expect(versioned.ok).toBe(true);
    expect(pendingChangesets(dir())).toEqual([]);
    const afterVersion = await gitStatus(dir());
    const changedFiles = afterVersion.map((entry) => entry.slice(3));
    // changesets touches package manifests, CHANGELOGs and the changesets it consumed, nothing else.
    expect(changedFiles.filter((file) => !/(^|\/)(package\.json|CHANGELOG\.md)$/.test(file)
      && !pending.includes(file.replace(/^\.changeset\//, '')))).toEqual([]);
    const contents = new Map(changedFiles.filter((file) => existsSync(join(dir(), file)))
      .map((file) => [file, readFileSync(join(dir(), file), 'utf-8')]));

    await mustRun('npx', ['projen'], dir());

    expect(await gitStatus(dir())).toEqual(afterVersion);
    for (const [file, content] of contents) {
      expect({ file, content: readFileSync(join(dir(), file), 'utf-8') }).toEqual({ file, content });
    }
  });
});
