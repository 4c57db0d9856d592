// The workspace, its example service, and its compiled packages (the benchmarks load the dist/ of each package,
// the way the example service does through its workspace links).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const WORKSPACE = resolve(import.meta.dirname, '..', '..');
export const EXAMPLE = join(WORKSPACE, 'examples', 'fastapi-service');
export const CHAPTER = process.env.KEELSON_CHAPTER ?? '/work/shared/reference/containerization-chapter.md';

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Whether each package has a dist/index.js, and whether any source file is newer than everything in dist/ (a
 * colleague's edit not compiled yet: the benchmark then measures the last compiled state, and says so).
 */
export function compiledState(packages) {
  const missing = [];
  const stale = [];
  for (const name of packages) {
    const dir = join(WORKSPACE, 'packages', name);
    if (!existsSync(join(dir, 'dist', 'index.js'))) { missing.push(name); continue; }
    if (newest(join(dir, 'src')) > newest(join(dir, 'dist'))) stale.push(name);
  }
  return { missing, stale };
}

/** Throws, naming the packages and the fix, when one of `packages` is not compiled. */
export function requireCompiled(packages) {
  const state = compiledState(packages);
  if (state.missing.length) {
    throw new Error(`not compiled: ${state.missing.map((p) => `packages/${p}`).join(', ')} (no dist/index.js). Run \`pnpm compile\` first.`);
  }
  return state;
}

/**
 * The Keelson packages and projen, loaded the way the example service loads them (its node_modules links to the
 * workspace packages), so projen and constructs are the one copy every package peers on.
 */
export function keelsonModules() {
  const require = createRequire(join(EXAMPLE, 'package.json'));
  return {
    require,
    core: require('@keelson/core'),
    dockerfile: require('@keelson/dockerfile'),
    gunicorn: require('@keelson/gunicorn'),
    nginx: require('@keelson/nginx'),
    compose: require('@keelson/compose'),
    projen: require('projen'),
  };
}

/**
 * @keelson/hardening-policy's `HardeningPolicy`, or why it is not available (not compiled, or not exported yet).
 * Loaded from the package's dist/, whose own @keelson/core link resolves to the same packages/core
 * (KEELSON_BENCH_POLICY_MODULE points at another build).
 */
export function hardeningPolicy() {
  const override = process.env.KEELSON_BENCH_POLICY_MODULE; // another build of the package, e.g. to try the bench
  const dist = override ?? join(WORKSPACE, 'packages', 'hardening-policy', 'dist', 'index.js');
  if (!override && !existsSync(join(WORKSPACE, 'packages', 'hardening-policy'))) return { unavailable: 'packages/hardening-policy does not exist' };
  if (!existsSync(dist)) return { unavailable: 'packages/hardening-policy is not compiled (no dist/index.js): run `pnpm compile`' };
  try {
    const module = createRequire(dist)(dist);
    if (typeof module.HardeningPolicy !== 'function') {
      return { unavailable: '@keelson/hardening-policy does not export HardeningPolicy yet (the package is a skeleton)' };
    }
    return { HardeningPolicy: module.HardeningPolicy, module };
  } catch (error) {
    return { unavailable: `@keelson/hardening-policy failed to load: ${error.message.split('\n')[0]}` };
  }
}
