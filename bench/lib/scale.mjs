// Scale: how synth time (and the hardening policy's time) grows with the number of services. The example
// service's declaration (examples/fastapi-service/.projenrc.ts, same components, same props) plus N extra compose
// services added the way users add their own (`new ComposeService(compose, name, props)`), built and synthesized in
// this process into a temp dir. Per size: one untimed synth (creates the files), then re-synths of the same
// directory, as `npx projen` does on every change; medians. (The whole `npx projen` with 50 extra services is
// timed in synth.mjs, alternating with the example's own.)
//
// The policy: @keelson/hardening-policy's HardeningPolicy, picked up as soon as the package exports it and is
// compiled. It is attached with `HardeningPolicy.of(project)` when it has such a factory, else
// `new HardeningPolicy(project, options)` (options from KEELSON_BENCH_POLICY_OPTIONS, JSON, default {}); its time is
// measured two ways: its own preSynthesize (where the design runs it) when it has one, and the synth with it minus
// the synth without it (runs alternating).
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkpoint, tempDir } from './processes.mjs';
import { elapsedMs, median, round } from './stats.mjs';
import { EXAMPLE, hardeningPolicy, keelsonModules } from './workspace.mjs';

/**
 * The example's .projenrc.ts, as a function, with `extras` more compose services, without its HardeningPolicy
 * (attached apart, to time it). `mirrorCheck` tells whether it still produces the example's committed files.
 */
export function exampleProject(modules, outdir, extras) {
  const { core, dockerfile: { Dockerfile, DockerIgnore }, gunicorn: { GunicornConfig }, nginx: { NginxConfig }, compose: { Compose, ComposeService } } = modules;
  const project = new core.ServiceProject({ name: 'fastapi-service', outdir });
  const endpoint = new core.ServiceEndpoint({ port: 8000, healthPath: '/health' });
  const security = new core.SecurityProfile({ writablePaths: ['/tmp'] });
  const limits = new core.ResourceLimits({ cpus: 1, memoryMiB: 512 });
  const gunicorn = new GunicornConfig(project, { endpoint, limits });
  const dockerfile = new Dockerfile(project, {
    flavour: 'slim', pythonVersion: '3.12', appServer: gunicorn, security,
    labels: { description: 'Example FastAPI service deployed with Keelson', source: 'https://github.com/keelson-dev/keelson', licenses: 'Apache-2.0' },
  });
  new DockerIgnore(project);
  const tls = { certificate: 'tls_certificate', certificateKey: 'tls_private_key' };
  new NginxConfig(project, {
    upstream: gunicorn, serverNames: ['localhost'],
    tls: { certificate: `/run/secrets/${tls.certificate}`, certificateKey: `/run/secrets/${tls.certificateKey}` },
  });
  const compose = new Compose(project, {
    image: dockerfile, appServer: gunicorn, app: { limits },
    postgres: {}, redis: {}, mailpit: {}, worker: {}, beat: {},
    nginx: {
      secrets: [
        { name: tls.certificate, file: './secrets/tls_certificate.pem' },
        { name: tls.certificateKey, file: './secrets/tls_private_key.pem' },
      ],
    },
  });
  for (let i = 1; i <= extras; i++) {
    new ComposeService(compose, `extra-${i}`, {
      image: `registry.example.com/extra-${i}:1.0.${i}`,
      networks: ['data'],
      environment: { EXTRA_INDEX: String(i) },
      description: `Extra service ${i} of ${extras} (benchmark)`,
    });
  }
  return project;
}

/**
 * Whether exampleProject (with the policy, when there is one) still writes exactly the example's generated files:
 * the in-process figures are the example's only while it does. Returns the files that differ.
 */
function mirrorCheck(modules, policy) {
  const outdir = tempDir('keelson-bench-mirror-');
  try {
    cpSync(join(EXAMPLE, 'app'), join(outdir, 'app'), { recursive: true });
    cpSync(join(EXAMPLE, 'requirements.txt'), join(outdir, 'requirements.txt'));
    quiet(() => {
      const project = exampleProject(modules, outdir, 0);
      if (!policy.unavailable) attachPolicy(policy, project);
      project.synth();
    });
    const files = JSON.parse(readFileSync(join(EXAMPLE, '.projen', 'files.json'), 'utf-8')).files;
    const differing = files.filter((file) => existsSync(join(EXAMPLE, file))
      && (!existsSync(join(outdir, file)) || readFileSync(join(EXAMPLE, file), 'utf-8') !== readFileSync(join(outdir, file), 'utf-8')));
    return { matchesExample: differing.length === 0, differing, filesCompared: files.filter((file) => existsSync(join(EXAMPLE, file))).length };
  } catch (error) {
    return { matchesExample: false, error: error.message.split('\n')[0] };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function attachPolicy(policy, project) {
  // Its summary is printed through projen's logger by default: silenced here, the benchmark prints its own.
  const options = JSON.parse(process.env.KEELSON_BENCH_POLICY_OPTIONS ?? '{}');
  const instance = typeof policy.HardeningPolicy.of === 'function'
    ? policy.HardeningPolicy.of(project, { print: () => {}, ...options })
    : new policy.HardeningPolicy(project, { print: () => {}, ...options });
  const timing = { ms: null, instance };
  // The rules run in evaluate() (called by the synth gate's validation and by the reports); time every call.
  const method = ['evaluate', 'preSynthesize'].find((name) => typeof instance?.[name] === 'function' && Object.hasOwn(Object.getPrototypeOf(instance), name));
  if (method) {
    const original = instance[method].bind(instance);
    instance[method] = (...args) => {
      const t0 = process.hrtime.bigint();
      try { return original(...args); } finally { timing.ms = (timing.ms ?? 0) + elapsedMs(t0); }
    };
    timing.method = method;
  }
  return timing;
}

/** One build + synth of the project with `extras` services into `outdir`; times in ms. */
function once(modules, outdir, extras, policy) {
  const t0 = process.hrtime.bigint();
  const project = exampleProject(modules, outdir, extras);
  const timing = policy ? attachPolicy(policy, project) : null;
  const constructMs = elapsedMs(t0);
  const t1 = process.hrtime.bigint();
  project.synth();
  const synthMs = elapsedMs(t1);
  const findings = timing?.instance && typeof timing.instance.evaluate === 'function' ? findingCounts(timing.instance.evaluate()) : null;
  return { constructMs, synthMs, totalMs: constructMs + synthMs, policyMs: timing?.ms ?? null, policyMethod: timing?.method ?? null, findings };
}

/** Findings by level ({ error: n, warning: n, ... }) of a policy result, when it has the shape we know. */
function findingCounts(result) {
  if (!Array.isArray(result?.findings)) return null;
  const counts = {};
  for (const finding of result.findings) {
    const level = finding.level ?? finding.severity ?? 'unknown';
    counts[level] = (counts[level] ?? 0) + 1;
  }
  return counts;
}

/** Runs `fn` with console.log silenced (projen's synth may print). */
function quiet(fn) {
  const log = console.log;
  console.log = () => {};
  try { return fn(); } finally { console.log = log; }
}

export async function runScaleInProcess(sizes, runs, log = console.log) {
  const modules = keelsonModules();
  const policy = hardeningPolicy();
  const policyAvailable = !policy.unavailable;
  let policyError = null;
  const root = tempDir('keelson-bench-scale-');
  try {
    const dirs = {};
    for (const extras of sizes) {
      const outdir = join(root, String(extras));
      // What the example's synth checks exists in a real project: its app code and requirements.
      cpSync(join(EXAMPLE, 'app'), join(outdir, 'app'), { recursive: true });
      cpSync(join(EXAMPLE, 'requirements.txt'), join(outdir, 'requirements.txt'));
      quiet(() => once(modules, outdir, extras, null)); // first synth: creates the files
      dirs[extras] = outdir;
    }
    // JIT warm-up, untimed: otherwise the first runs pay for compiling the packages' code.
    for (let i = 0; i < 3; i++) for (const extras of sizes) quiet(() => once(modules, dirs[extras], extras, null));
    const without = Object.fromEntries(sizes.map((extras) => [extras, []]));
    const withPolicy = Object.fromEntries(sizes.map((extras) => [extras, []]));
    for (let r = 0; r < runs; r++) {
      await checkpoint();
      for (const extras of sizes) {
        without[extras].push(quiet(() => once(modules, dirs[extras], extras, null)));
        if (policyAvailable && !policyError) {
          try {
            withPolicy[extras].push(quiet(() => once(modules, dirs[extras], extras, policy)));
          } catch (error) {
            policyError = `synth with HardeningPolicy failed: ${error.message.split('\n').slice(0, 3).join(' ')}`;
          }
        }
      }
    }
    const rows = sizes.map((extras) => {
      const mine = without[extras];
      const row = {
        extraServices: extras,
        synthMs: round(median(mine.map((t) => t.totalMs)), 1),
        constructMs: round(median(mine.map((t) => t.constructMs)), 1),
        projectSynthMs: round(median(mine.map((t) => t.synthMs)), 1),
        runsMs: mine.map((t) => round(t.totalMs, 1)),
        policyMs: null,
      };
      if (withPolicy[extras].length && !policyError) {
        const withMs = median(withPolicy[extras].map((t) => t.totalMs));
        row.synthWithPolicyMs = round(withMs, 1);
        row.policyMs = round(median(withPolicy[extras].map((t) => t.policyMs)), 1);
        row.policyMsByDifference = round(withMs - row.synthMs, 1);
        row.policyFindings = withPolicy[extras][0].findings;
      }
      log(`  in-process +${String(extras).padEnd(3)} synth ${row.synthMs} ms (construct ${row.constructMs}, project.synth ${row.projectSynthMs})`
        + `${row.policyMs !== null ? `, policy ${row.policyMs} ms (by difference ${row.policyMsByDifference} ms)` : ', policy n/a'}`);
      return row;
    });
    const base = rows[0];
    const top = rows[rows.length - 1];
    const mirror = mirrorCheck(modules, policy);
    if (!mirror.matchesExample) {
      log(`  note: bench/lib/scale.mjs's copy of the example's declaration no longer writes the example's files (${mirror.error ?? mirror.differing.join(', ')}): update exampleProject()`);
    }
    return {
      mirror,
      method: `the example's declaration (mirrored in bench/lib/scale.mjs; \`mirror\` says whether it still writes the example's files) plus N extra ComposeService services, built and synthesized in-process (project.synth()) into a temp dir; one untimed first synth per size and 3 untimed warm-up rounds, then ${runs} re-synths per size, sizes alternating; medians; construct = building the components, project.synth = validation, rendering, writing`,
      policy: policyAvailable
        ? (policyError ? { available: true, error: policyError } : {
          available: true,
          options: { print: '(silenced)', ...JSON.parse(process.env.KEELSON_BENCH_POLICY_OPTIONS ?? '{}') },
          note: `HardeningPolicy with its defaults (baseline pack; its reports and docker run script written). policyMs: the time spent in its `
            + `${withPolicy[sizes[0]][0]?.policyMethod ?? 'evaluate'}() (the rules over the resolved models); policyMsByDifference: synth with `
            + 'the policy minus synth without, alternating (the rules, plus rendering and writing its reports)',
        })
        : { available: false, note: `policy time not available: ${policy.unavailable}. The script picks HardeningPolicy up by itself once @keelson/hardening-policy exports it and is compiled.` },
      rows,
      perExtraServiceMs: top.extraServices > base.extraServices ? round((top.synthMs - base.synthMs) / (top.extraServices - base.extraServices), 2) : null,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
