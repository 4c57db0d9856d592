#!/usr/bin/env node
// Prints the figures of bench/results.json as the Markdown tables of BENCHMARKS.md ("The figures of the recorded
// run"), so the document is updated from a run rather than by hand:  node bench/report.mjs [results.json]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const path = resolve(process.argv[2] ?? join(import.meta.dirname, 'results.json'));
const r = JSON.parse(readFileSync(path, 'utf-8'));
const m = r.machine;
const s = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const ms = (v) => (v === null || v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);
const x = (v) => (v === null || v === undefined ? 'n/a' : `×${v.toFixed(2)}`);
const out = [];

out.push(`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.durationSeconds} s in all. Load average ${r.loadAverage.start} at the start, `
  + `${r.loadAverage.end} at the end${r.compiled?.stale?.length ? `; source newer than dist/ in ${r.compiled.stale.join(', ')} (measured as last compiled)` : ''}.`);
out.push('');
out.push('| machine | |');
out.push('|---|---|');
out.push(`| CPUs (\`nproc\`) | ${m.nproc} (${m.cpuModel}) |`);
const [, total, , , , , available] = m.freeH[1].split(/\s+/);
const swap = m.freeH[2]?.split(/\s+/)[1];
out.push(`| memory (\`free -h\`) | ${total} total, ${available} available, swap ${swap === '0B' ? 'none' : swap} |`);
out.push(`| kernel | ${m.kernel} |`);
out.push(`| programs | ${m.nginx}; ${m.gunicorn}; ${m.uvicorn}; ${m.fastapi}; ${m.python}; ${m.wrk.replace(/ Copyright.*/, '')}; node ${m.node} |`);
out.push('');
out.push('| headline | value |');
out.push('|---|---|');
out.push(`| \`synthRatio\` | **${r.synthRatio}** |`);
out.push(`| \`servingRatio\` | **${r.servingRatio}** |`);
out.push(`| \`keelsonNon2xx\` | **${r.keelsonNon2xx}** |`);

if (r.synth) {
  const v = r.synth.variants;
  out.push('', `### 1. Synth cost (\`npx projen\`, median of ${r.synth.rounds} alternating rounds)`, '');
  out.push('| project | files generated | median | runs | ratio |');
  out.push('|---|---|---|---|---|');
  const row = (name, label, ratio) => out.push(`| ${label} | ${v[name].generatedFiles} | ${s(v[name].medianMs)} | ${v[name].runsMs.map((t) => (t / 1000).toFixed(1)).join(', ')} | ${ratio} |`);
  row('bare', 'bare projen `Project`, same runner', '1');
  row('keelson', 'the example service (Keelson)', `**${x(r.synth.ratios.keelsonOverBare)}** of bare (\`synthRatio\`)`);
  if (v.keelson50) row('keelson50', 'the example + 50 extra compose services', `${x(r.synth.ratios.keelson50OverKeelson)} of the example`);
  if (r.drift) out.push('', `Drift check (\`node scripts/drift-check.mjs\`, once, in a clone of HEAD): **${s(r.drift.ms)}**, ${r.drift.passed ? 'passed' : `failed (exit ${r.drift.exitStatus})`}.`);
}

if (r.serving) {
  const l = r.serving.load;
  out.push('', `### 2. Serving (wrk -t${l.threads} -c${l.connections} -d${l.durationSeconds}s after a ${l.warmupSeconds} s warm-up, GET /health, loopback; median of ${l.rounds} rounds, errors summed over them)`, '');
  out.push('| scenario | stack | req/s | (each round) | p50 | p99 | non-2xx | socket errors | what the front logged (not 2xx/3xx) |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const [scenario, rows] of Object.entries(r.serving.summary)) {
    for (const stack of ['chapter', 'keelson', 'uvicorn']) {
      const row = rows[stack];
      const statuses = Object.entries(row.frontNonOkStatuses ?? {}).map(([code, n]) => `${n}× ${code}`).join(', ');
      const errors = Object.entries(row.frontErrors ?? {}).map(([message, n]) => `${n}× \`${message.replace(/ while .*/, '')}\``).join('; ');
      const each = r.serving.runs.filter((run) => run.scenario === scenario && run.stack === stack).map((run) => run.requestsPerSecond.toFixed(0)).join(', ');
      out.push(`| ${scenario} | ${stack} | ${row.requestsPerSecond.toFixed(0)} | ${each} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${row.non2xx} | ${row.socketErrors} | ${[statuses, errors].filter(Boolean).join('; ') || '-'} |`);
    }
  }
  out.push('', '| scenario | b/a req/s | b/a p50 | b/a p99 | b/c req/s | b/c p50 | b/c p99 |');
  out.push('|---|---|---|---|---|---|---|');
  for (const [scenario, rows] of Object.entries(r.serving.summary)) {
    const a = rows.ratios.keelsonOverChapter;
    const c = rows.ratios.keelsonOverUvicorn;
    out.push(`| ${scenario} | ${x(a.requestsPerSecond)} | ${x(a.p50)} | ${x(a.p99)} | ${x(c.requestsPerSecond)} | ${x(c.p50)} | ${x(c.p99)} |`);
  }
  const b = r.serving.gunicornWorkerBoots;
  out.push('', `gunicorn workers: chapter ${b.atStart.chapter} at start, ${b.atEnd.chapter} booted by the end; Keelson ${b.atStart.keelson} at start, ${b.atEnd.keelson} by the end (${r.serving.keelsonSizing}).`);
}

if (r.scale) {
  const whole = Object.fromEntries((r.scale.endToEnd?.rows ?? []).map((row) => [row.extraServices, row]));
  out.push('', '### 3. Scale (the example plus N extra compose services)', '');
  out.push('| extra services | in-process synth | policy rules | synth with the policy | whole `npx projen` |');
  out.push('|---|---|---|---|---|');
  for (const row of r.scale.inProcess.rows) {
    out.push(`| ${row.extraServices} | ${ms(row.synthMs)} | ${ms(row.policyMs)} | ${ms(row.synthWithPolicyMs)} | ${whole[row.extraServices] ? s(whole[row.extraServices].medianMs) : '-'} |`);
  }
  out.push('', `About ${r.scale.inProcess.perExtraServiceMs} ms of in-process synth per extra service.`
    + (r.scale.inProcess.rows[0]?.policyFindings ? ` Policy findings on the example (baseline pack): ${Object.entries(r.scale.inProcess.rows[0].policyFindings).map(([level, n]) => `${n} ${level}`).join(', ')}.` : '')
    + (r.scale.inProcess.policy.available ? '' : ` ${r.scale.inProcess.policy.note}`)
    + (r.scale.inProcess.mirror ? ` The in-process declaration (with the policy) ${r.scale.inProcess.mirror.matchesExample
      ? `writes the example's ${r.scale.inProcess.mirror.filesCompared} generated files byte for byte` : `no longer writes the example's files (${(r.scale.inProcess.mirror.differing ?? []).join(', ') || r.scale.inProcess.mirror.error})`}.` : ''));
}
console.log(out.join('\n'));
