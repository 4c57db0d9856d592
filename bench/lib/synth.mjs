// Synth cost: the example service's full `npx projen` versus a bare projen project, same runner (projen's CLI
// running the default task `ts-node --project tsconfig.projenrc.json .projenrc.ts`, which type-checks and runs
// .projenrc.ts), each in a temp copy whose node_modules is a link to the example's, so all load the same projen,
// ts-node and TypeScript; and, for the scale section, the example with 50 extra services the same way. Runs
// alternate (bare, keelson, keelson50, bare, ...) after one untimed synth each; medians.
//
// And the drift check's time: `node scripts/drift-check.mjs` once, in a clone of the workspace's HEAD (so its
// re-synthesis never writes into the shared working tree), with the working tree's node_modules and compiled
// dist/ linked or copied in.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpoint, tempDir } from './processes.mjs';
import { elapsedMs, median, ratio, round } from './stats.mjs';
import { EXAMPLE, WORKSPACE } from './workspace.mjs';

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', lib: ['es2022'], module: 'CommonJS', moduleResolution: 'node',
    strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'],
  },
  include: ['.projenrc.ts'],
};

/** The variants, each a .projenrc.ts; `keelson` is the example's own. */
export const VARIANTS = {
  bare: {
    description: "a plain projen Project with the same runner (default task: ts-node --project tsconfig.projenrc.json .projenrc.ts), no Keelson import",
    projenrc: `import { JsonFile, Project } from 'projen';

const project = new Project({ name: 'fastapi-service', projenCommand: 'npx projen' });
new JsonFile(project, 'tsconfig.projenrc.json', { obj: ${JSON.stringify(TSCONFIG)} });
project.defaultTask?.exec('ts-node --project tsconfig.projenrc.json .projenrc.ts');
project.addGitIgnore('node_modules/');
project.synth();
`,
  },
  keelson: {
    description: "the example service's own .projenrc.ts (examples/fastapi-service), copied as it is: every component it declares (at this run: Dockerfile, .dockerignore, gunicorn, nginx, compose dev and prod, the hardening policy)",
  },
  keelson50: {
    description: "the example service's .projenrc.ts with 50 extra compose services (new ComposeService(compose, 'extra-N', ...)): how the whole synth grows",
    extraServices: 50,
  },
};

/**
 * The example's .projenrc.ts with `extras` more compose services, added the way users add their own: the file
 * itself, with `const compose = new Compose(...)` and the services before `project.synth()`. Throws, naming the
 * lines, when the example's file no longer has the shape this edits.
 */
export function exampleProjenrcWith(extras) {
  const source = readFileSync(join(EXAMPLE, '.projenrc.ts'), 'utf-8');
  const importLine = /^import \{ Compose \} from '@keelson\/compose';$/m;
  const composeCall = /^new Compose\(project, \{/m;
  const synthCall = /^project\.synth\(\);$/m;
  if (!importLine.test(source) || !composeCall.test(source) || !synthCall.test(source)) {
    throw new Error("examples/fastapi-service/.projenrc.ts no longer has the lines bench/lib/synth.mjs adds services to: import { Compose } from '@keelson/compose'; new Compose(project, {; project.synth();");
  }
  return source
    .replace(importLine, "import { Compose, ComposeService } from '@keelson/compose';")
    .replace(composeCall, 'const compose = new Compose(project, {')
    .replace(synthCall, `for (let i = 1; i <= ${extras}; i++) {
  new ComposeService(compose, \`extra-\${i}\`, {
    image: \`registry.example.com/extra-\${i}:1.0.\${i}\`,
    networks: ['data'],
    environment: { EXTRA_INDEX: String(i) },
    description: \`Extra service \${i} of ${extras} (benchmark)\`,
  });
}

project.synth();`);
}

export function npxProjen(dir) {
  const t0 = process.hrtime.bigint();
  const out = spawnSync('npx', ['projen'], { cwd: dir, encoding: 'utf-8', timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, PROJEN_DISABLE_POST: 'true' } });
  const ms = elapsedMs(t0);
  if (out.status !== 0) throw new Error(`npx projen failed in ${dir} (${out.status ?? out.signal}):\n${(out.stderr || out.stdout).slice(-3000)}`);
  return ms;
}

/** A temp project for `variant`, synthesized once untimed (a bare one bootstrapped by ts-node, so `npx projen` finds its tasks). */
function prepare(root, variant) {
  const dir = join(root, variant);
  if (variant.startsWith('keelson')) {
    cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE, 'node_modules')) });
    if (VARIANTS[variant].extraServices) {
      chmodSync(join(dir, '.projenrc.ts'), 0o644);
      writeFileSync(join(dir, '.projenrc.ts'), exampleProjenrcWith(VARIANTS[variant].extraServices));
    }
  } else {
    mkdirSync(dir);
    cpSync(join(EXAMPLE, 'package.json'), join(dir, 'package.json'));
    writeFileSync(join(dir, '.projenrc.ts'), VARIANTS[variant].projenrc);
    writeFileSync(join(dir, 'tsconfig.projenrc.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  }
  symlinkSync(join(EXAMPLE, 'node_modules'), join(dir, 'node_modules'));
  if (existsSync(join(dir, '.projen', 'tasks.json'))) npxProjen(dir); // warm-up: caches, a first re-synth
  else {
    const out = spawnSync(join(dir, 'node_modules', '.bin', 'ts-node'), ['--project', 'tsconfig.projenrc.json', '.projenrc.ts'], { cwd: dir, encoding: 'utf-8', timeout: 120_000 });
    if (out.status !== 0) throw new Error(`bootstrapping the ${variant} project failed:\n${out.stderr || out.stdout}`);
  }
  return dir;
}

const generatedCount = (dir) => JSON.parse(readFileSync(join(dir, '.projen', 'files.json'), 'utf-8')).files.length;

/**
 * `maxRounds` alternating rounds, fewer when the machine is slow: after `minRounds`, no round starts once the
 * timed rounds have taken `budgetMs` (a loaded machine makes each synth several times slower).
 */
export async function runSynthCost({ maxRounds, minRounds, budgetMs }, log = console.log) {
  const root = tempDir('keelson-bench-synth-');
  try {
    const names = Object.keys(VARIANTS);
    const dirs = {};
    for (const name of names) {
      await checkpoint();
      dirs[name] = prepare(root, name);
    }
    const times = Object.fromEntries(names.map((name) => [name, []]));
    const t0 = Date.now();
    let rounds = 0;
    while (rounds < maxRounds && (rounds < minRounds || Date.now() - t0 < budgetMs)) {
      for (const name of names) {
        await checkpoint();
        times[name].push(npxProjen(dirs[name]));
      }
      rounds++;
      log(`  round ${rounds}/${maxRounds}  ${names.map((n) => `${n} ${(times[n][rounds - 1] / 1000).toFixed(2)} s`).join('  ')}`);
    }
    if (rounds < maxRounds) log(`  stopped after ${rounds} rounds: the rounds took ${Math.round((Date.now() - t0) / 1000)} s (budget ${budgetMs / 1000} s; the machine is loaded)`);
    const medians = Object.fromEntries(names.map((name) => [name, round(median(times[name]), 0)]));
    return {
      method: `\`npx projen\` in a temp copy of each project (node_modules linked to the example's), ${rounds} alternating rounds (${names.join(', ')}) after one untimed synth each; wall-clock milliseconds, medians`,
      rounds,
      variants: Object.fromEntries(names.map((name) => [name, {
        description: VARIANTS[name].description, generatedFiles: generatedCount(dirs[name]), medianMs: medians[name], runsMs: times[name].map((t) => round(t, 0)),
      }])),
      ratios: {
        keelsonOverBare: ratio(medians.keelson, medians.bare),
        keelson50OverKeelson: ratio(medians.keelson50, medians.keelson),
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `node scripts/drift-check.mjs` once, timed, in a clone of HEAD. */
export function runDriftCheck() {
  const root = tempDir('keelson-bench-drift-');
  const clone = join(root, 'workspace');
  try {
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: WORKSPACE, encoding: 'utf-8' }).stdout.trim();
    const cloned = spawnSync('git', ['clone', '--quiet', WORKSPACE, clone], { encoding: 'utf-8' });
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
    // node_modules: the root's linked (pnpm's store stays where it is), each project's copied (its links are
    // relative, into the root's); compiled dist/ copied (git ignores it).
    symlinkSync(join(WORKSPACE, 'node_modules'), join(clone, 'node_modules'));
    for (const parent of ['packages', 'examples']) {
      for (const name of readdirSync(join(clone, parent))) {
        for (const sub of ['node_modules', 'dist']) {
          const source = join(WORKSPACE, parent, name, sub);
          if (existsSync(source)) cpSync(source, join(clone, parent, name, sub), { recursive: true, verbatimSymlinks: true });
        }
      }
    }
    const t0 = process.hrtime.bigint();
    const out = spawnSync('node', ['scripts/drift-check.mjs'], { cwd: clone, encoding: 'utf-8', timeout: 300_000, killSignal: 'SIGKILL' });
    const ms = elapsedMs(t0);
    const message = `${out.stdout}${out.stderr}`.trim().split('\n').filter((l) => !l.startsWith('👾')).join('\n');
    return {
      method: `\`node scripts/drift-check.mjs\` once, in a clone of HEAD ${head.slice(0, 12)} (its synths never write into the shared working tree), with the working tree's node_modules and dist/; wall clock`,
      ms: round(ms, 0),
      passed: out.status === 0,
      exitStatus: out.status ?? out.signal,
      output: message.slice(-2000),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
