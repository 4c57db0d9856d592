#!/usr/bin/env node
// `pnpm bench`: what Keelson costs at synth and what its output is worth when serving, as ratios, in one run on
// one machine. Not part of the tests. Prints a table and writes bench/results.json (see BENCHMARKS.md).
//
//   1. synth    the example service's `npx projen` versus a bare projen project (same runner), alternating, medians;
//               and the drift check's time (scripts/drift-check.mjs, once, in a clone of HEAD)
//   2. serving  wrk on loopback against three stacks serving the example app: (a) the chapter's gunicorn.conf.py
//               behind a plain proxy_pass nginx, (b) Keelson's generated gunicorn + nginx, (c) one bare uvicorn;
//               a steady keep-alive scenario and a keep-alive churn scenario (Connection: close)
//   3. scale    synth time and the hardening policy's time with 1, 10 and 50 extra services (in-process), and the
//               whole `npx projen` with 50 (timed in section 1, alternating with the example's)
//
// Usage: pnpm bench   (after `pnpm compile`; needs Debian's nginx, gunicorn, python3-uvicorn, python3-fastapi, wrk)
//        node bench/run.mjs [--only=synth,drift,serving,scale] [--quick]
// --only runs some sections and writes nothing; --quick shortens every section (a smoke run, figures not comparable).
// Every load runs for a fixed time and stops by itself; every process started is killed at the end, whatever
// happens; the synth rounds are budgeted (fewer on a loaded machine); the whole run gives up after 9.5 minutes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkpoint, hasTimedOut, installCleanup, stopAll } from './lib/processes.mjs';
import { loadAverage, machine } from './lib/machine.mjs';
import { runScaleInProcess } from './lib/scale.mjs';
import { STACKS, runServing } from './lib/serving.mjs';
import { GUNICORN, NGINX, PYTHON } from './lib/stacks.mjs';
import { runDriftCheck, runSynthCost } from './lib/synth.mjs';
import { CHAPTER, EXAMPLE, WORKSPACE, compiledState, requireCompiled } from './lib/workspace.mjs';
import { WRK } from './lib/wrk.mjs';

const RESULTS = join(WORKSPACE, 'bench', 'results.json');
const SECTIONS = ['synth', 'drift', 'scale', 'serving'];
const arg = (name) => process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const only = arg('only')?.split('=')[1]?.split(',');
const quick = Boolean(arg('quick'));
const sections = only ?? SECTIONS;
for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section '${s}': one of ${SECTIONS.join(', ')}`);

// Synth rounds: 7, but none starts after 150 s of rounds once 3 are done (a loaded machine makes each synth several
// times slower). Serving: 3 rounds x 2 scenarios x 3 stacks x (2 + 6) s = 144 s of load, whatever the machine.
const CONFIG = quick
  ? { synth: { maxRounds: 1, minRounds: 1, budgetMs: 0 }, serving: { threads: 2, connections: 64, durationSeconds: 3, warmupSeconds: 1, rounds: 1 }, scale: { sizes: [0, 1, 10, 50], inProcessRuns: 3 } }
  : { synth: { maxRounds: 7, minRounds: 3, budgetMs: 150_000 }, serving: { threads: 2, connections: 64, durationSeconds: 6, warmupSeconds: 2, rounds: 3 }, scale: { sizes: [0, 1, 10, 50], inProcessRuns: 15 } };

installCleanup(570_000, 'bench/run.mjs');

function preflight() {
  const problems = [];
  for (const program of [NGINX, GUNICORN, PYTHON, WRK]) if (!existsSync(program)) problems.push(`${program} is missing (bash scripts/setup.sh installs it)`);
  if (spawnSync(PYTHON, ['-c', 'import uvicorn, fastapi'], { encoding: 'utf-8' }).status !== 0) problems.push(`${PYTHON} cannot import uvicorn and fastapi (apt-get install python3-uvicorn python3-fastapi)`);
  if (!existsSync(CHAPTER)) problems.push(`the chapter is not at ${CHAPTER} (set KEELSON_CHAPTER)`);
  // What the example service imports (its @keelson/* dependencies), and what the bench itself loads.
  const example = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf-8'));
  const needed = [...new Set(['core', 'gunicorn', 'nginx', 'compose', 'dockerfile', ...Object.keys({ ...example.dependencies, ...example.devDependencies })
    .filter((name) => name.startsWith('@keelson/')).map((name) => name.slice('@keelson/'.length))])];
  try { requireCompiled(needed); } catch (error) { problems.push(error.message); }
  if (problems.length) throw new Error(`cannot run the benchmarks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return compiledState([...new Set([...needed, 'hardening-policy'])]);
}

const fmtS = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const fmtX = (x) => (x === null || x === undefined ? 'n/a' : `x${x.toFixed(2)}`);
const pad = (value, width, left = false) => (left ? String(value).padEnd(width) : String(value).padStart(width));

function printTable(results) {
  const out = [];
  out.push('', `Keelson benchmarks, ${results.date}: ${results.machine.nproc} CPUs, ${results.machine.memoryTotal} RAM, kernel ${results.machine.kernel}, `
    + `load average ${results.loadAverage.start} at start, ${results.loadAverage.end} at end`);
  if (results.synth) {
    const v = results.synth.variants;
    out.push('', `1. Synth: \`npx projen\`, median of ${results.synth.rounds} alternating rounds`);
    out.push(`   bare projen Project              ${pad(fmtS(v.bare.medianMs), 9)}  (${v.bare.generatedFiles} files)`);
    out.push(`   the example service (Keelson)    ${pad(fmtS(v.keelson.medianMs), 9)}  (${v.keelson.generatedFiles} files)  synthRatio ${fmtX(results.synthRatio)}`);
  }
  if (results.drift) out.push(`   drift check (scripts/drift-check.mjs) ${pad(fmtS(results.drift.ms), 9)}  ${results.drift.passed ? 'passed' : `FAILED (exit ${results.drift.exitStatus})`}`);
  if (results.serving) {
    const l = results.serving.load;
    out.push('', `2. Serving: wrk -t${l.threads} -c${l.connections} -d${l.durationSeconds}s on loopback after a ${l.warmupSeconds} s warm-up, GET /health, median of ${l.rounds} rounds (errors summed)`);
    out.push(`   ${pad('scenario', 8, true)} ${pad('stack', 8, true)} ${pad('req/s', 8)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('non-2xx', 8)} ${pad('sock err', 9)}`);
    for (const [scenario, rows] of Object.entries(results.serving.summary)) {
      for (const stack of STACKS) {
        const r = rows[stack];
        out.push(`   ${pad(scenario, 8, true)} ${pad(stack, 8, true)} ${pad(r.requestsPerSecond.toFixed(0), 8)} ${pad(r.p50Ms.toFixed(1), 8)} ${pad(r.p99Ms.toFixed(1), 8)} ${pad(r.non2xx, 8)} ${pad(r.socketErrors, 9)}`);
      }
      const x = rows.ratios;
      out.push(`   ${pad(scenario, 8, true)} b/a (keelson/chapter): req/s ${fmtX(x.keelsonOverChapter.requestsPerSecond)}, p50 ${fmtX(x.keelsonOverChapter.p50)}, p99 ${fmtX(x.keelsonOverChapter.p99)};`
        + ` b/c (keelson/uvicorn): req/s ${fmtX(x.keelsonOverUvicorn.requestsPerSecond)}, p50 ${fmtX(x.keelsonOverUvicorn.p50)}, p99 ${fmtX(x.keelsonOverUvicorn.p99)}`);
    }
    const boots = results.serving.gunicornWorkerBoots;
    out.push(`   gunicorn worker boots over the run (start -> end): chapter ${boots.atStart.chapter} -> ${boots.atEnd.chapter}, keelson ${boots.atStart.keelson} -> ${boots.atEnd.keelson}`);
  }
  if (results.scale) {
    out.push('', '3. Scale: the example plus N extra compose services');
    const e2e = results.scale.endToEnd;
    const inProcess = results.scale.inProcess;
    out.push(`   ${pad('extra', 6)} ${pad('in-process synth', 17)} ${pad('policy rules', 13)} ${pad('synth + policy', 15)} ${pad('npx projen', 11)}`);
    const ms = (value) => (value === null || value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);
    for (const r of inProcess.rows) {
      const whole = e2e?.rows.find((row) => row.extraServices === r.extraServices);
      out.push(`   ${pad(r.extraServices, 6)} ${pad(ms(r.synthMs), 17)} ${pad(ms(r.policyMs), 13)} ${pad(ms(r.synthWithPolicyMs), 15)} ${pad(whole ? fmtS(whole.medianMs) : '-', 11)}`);
    }
    if (inProcess.perExtraServiceMs !== null) out.push(`   about ${inProcess.perExtraServiceMs} ms of in-process synth per extra service${e2e ? `; npx projen with 50 extra services ${fmtX(e2e.ratio50)} of the example's` : ''}`);
    const findings = inProcess.rows[0]?.policyFindings;
    if (findings) out.push(`   policy findings on the example (baseline pack): ${Object.entries(findings).map(([level, n]) => `${n} ${level}`).join(', ') || 'none'}`);
    if (!inProcess.policy.available || inProcess.policy.error) out.push(`   ${inProcess.policy.note ?? inProcess.policy.error}`);
  }
  out.push('', `synthRatio ${results.synthRatio ?? 'n/a'}   servingRatio ${results.servingRatio ?? 'n/a'}   keelsonNon2xx ${results.keelsonNon2xx ?? 'n/a'}`);
  console.log(out.join('\n'));
}

async function main() {
  const t0 = Date.now();
  const compiled = preflight();
  const results = {
    date: new Date().toISOString(),
    synthRatio: null,
    servingRatio: null,
    keelsonNon2xx: null,
    machine: machine(),
    loadAverage: { start: loadAverage(), end: null },
    config: CONFIG,
    quick,
    compiled: {
      note: 'the benchmarks load each package\'s dist/: a package listed as stale has a source file newer than its dist/ (measured as last compiled)',
      stale: compiled.stale,
      notCompiled: compiled.missing,
    },
  };
  console.log(`bench: ${results.machine.nproc} CPUs, load average ${results.loadAverage.start}; sections ${sections.join(', ')}${quick ? ' (quick)' : ''}`);
  if (compiled.stale.length) console.log(`bench: note: source newer than dist/ in ${compiled.stale.map((p) => `packages/${p}`).join(', ')}: measuring the last compiled state`);

  if (sections.includes('synth')) {
    console.log('\n[1/4] synth cost: npx projen, a bare projen project vs the example service (and the example with 50 extra services)');
    results.synth = await runSynthCost(CONFIG.synth);
    results.synthRatio = results.synth.ratios.keelsonOverBare;
  }
  await checkpoint();
  if (sections.includes('drift')) {
    console.log('\n[2/4] drift check, once');
    results.drift = runDriftCheck();
    console.log(`  ${fmtS(results.drift.ms)}, ${results.drift.passed ? 'passed' : `failed: ${results.drift.output}`}`);
  }
  if (sections.includes('scale')) {
    console.log('\n[3/4] scale: 1, 10, 50 extra services');
    const v = results.synth?.variants;
    results.scale = {
      inProcess: await runScaleInProcess(CONFIG.scale.sizes, CONFIG.scale.inProcessRuns),
      endToEnd: v ? {
        method: 'from section 1: `npx projen` of the example and of the example with 50 extra services, alternating; medians',
        rows: [{ extraServices: 0, medianMs: v.keelson.medianMs }, { extraServices: 50, medianMs: v.keelson50.medianMs }],
        ratio50: results.synth.ratios.keelson50OverKeelson,
      } : null,
    };
  }
  if (sections.includes('serving')) {
    console.log('\n[4/4] serving: wrk on loopback, three stacks');
    results.serving = await runServing(CONFIG.serving);
    const s = results.serving.summary;
    results.servingRatio = s.steady.ratios.keelsonOverChapter.requestsPerSecond;
    results.keelsonNon2xx = Object.values(s).reduce((sum, rows) => sum + rows.keelson.non2xx + rows.keelson.socketErrors, 0);
  }
  results.loadAverage.end = loadAverage();
  results.durationSeconds = Math.round((Date.now() - t0) / 1000);
  results.meaning = {
    synthRatio: 'median wall-clock time of the example service\'s `npx projen` over a bare projen project\'s, same runner (ts-node type-checks and runs .projenrc.ts): what Keelson adds to each synth of the development loop; 1.0 = nothing',
    servingRatio: 'median requests/s through Keelson\'s generated nginx + gunicorn over the chapter\'s gunicorn behind a plain proxy_pass nginx, steady keep-alive scenario; above 1.0 = Keelson\'s stack serves more',
    keelsonNon2xx: 'non-2xx/3xx responses plus socket errors (connect, read, write, timeout) wrk saw through Keelson\'s stack, summed over every measured run of every scenario (warm-ups reported apart); 0 = no request failed',
  };
  printTable(results);
  console.log(`\nbench: ${results.durationSeconds} s`);
  if (hasTimedOut()) throw new Error(`the run passed its time limit: ${RESULTS} not written`);
  if (only || quick) {
    console.log(`bench: ${only ? '--only' : '--quick'}: ${RESULTS} not written`);
  } else {
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`bench: wrote ${RESULTS}`);
  }
}

main().catch((error) => {
  console.error(`bench/run.mjs: ${error.message}`);
  process.exitCode = 1;
}).finally(() => stopAll());
