// Serving: the three stacks of stacks.mjs up at once, loaded in turn by wrk on loopback, scenario by scenario,
// round by round, the order of the stacks rotating each round so drift in the machine's load hits all alike.
// Medians per (scenario, stack); ratios keelson/chapter and keelson/uvicorn.
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkpoint, freePort, tempDir } from './processes.mjs';
import { HEALTH, HOST, frontLogSince, logMark, sizingLine, startStack, stopStack, workerBoots } from './stacks.mjs';
import { median, ratio, round } from './stats.mjs';
import { wrk } from './wrk.mjs';

export const STACKS = ['chapter', 'keelson', 'uvicorn'];

export const STACK_LABELS = {
  chapter: "(a) the chapter's gunicorn.conf.py behind a plain proxy_pass nginx",
  keelson: "(b) Keelson's generated gunicorn.conf.py + nginx/nginx.conf",
  uvicorn: '(c) one bare uvicorn process, no proxy (the floor)',
};

/** The scenarios: same route, same threads, connections and duration; they differ in client keep-alive. */
export function scenarios(load) {
  return [
    {
      name: 'steady',
      description: `steady state: ${load.connections} keep-alive client connections, GET ${HEALTH}`,
      headers: [`Host: ${HOST}`],
    },
    {
      name: 'churn',
      description: `keep-alive churn: every request on a new client connection (Connection: close), ${load.connections} at a time, GET ${HEALTH}; `
        + 'a proxy/app keep-alive mismatch (the proxy reusing an upstream connection the app server has just closed) shows as 502s',
      headers: [`Host: ${HOST}`, 'Connection: close'],
    },
  ];
}

export async function runServing(load, log = console.log) {
  const root = tempDir('keelson-bench-serving-');
  chmodSync(root, 0o755);
  const stacks = {};
  try {
    for (const name of STACKS) {
      const ports = { front: await freePort(), app: await freePort() };
      stacks[name] = await startStack(name, root, ports);
    }
    const sizing = sizingLine(stacks.keelson);
    const bootsAtStart = Object.fromEntries(['chapter', 'keelson'].map((name) => [name, workerBoots(stacks[name])]));
    log(`  stacks up: chapter gunicorn ${bootsAtStart.chapter} workers, keelson gunicorn ${bootsAtStart.keelson} workers${sizing ? ` (${sizing})` : ''}, uvicorn 1 process`);

    const runs = [];
    for (const scenario of scenarios(load)) {
      for (let r = 0; r < load.rounds; r++) {
        const order = STACKS.map((_, i) => STACKS[(i + r) % STACKS.length]);
        for (const name of order) {
          await checkpoint();
          const url = `http://127.0.0.1:${stacks[name].port}${HEALTH}`;
          const warmup = wrk({ url, threads: load.threads, connections: load.connections, seconds: load.warmupSeconds, headers: scenario.headers });
          const mark = logMark(stacks[name]);
          const measured = wrk({ url, threads: load.threads, connections: load.connections, seconds: load.durationSeconds, headers: scenario.headers });
          const front = frontLogSince(stacks[name], mark);
          runs.push({ scenario: scenario.name, round: r + 1, stack: name, warmup: strip(warmup), ...measured, front });
          const statuses = Object.entries(front.nonOkStatuses).map(([status, n]) => `${n}x${status}`).join(' ');
          log(`  ${scenario.name.padEnd(6)} round ${r + 1}  ${name.padEnd(7)} ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s  `
            + `p50 ${measured.p50Ms.toFixed(1).padStart(6)} ms  p99 ${measured.p99Ms.toFixed(1).padStart(7)} ms  `
            + `non-2xx ${measured.non2xx}${statuses ? ` (${statuses})` : ''}  socket errors ${measured.socketErrorTotal}`);
        }
      }
    }
    const bootsAtEnd = Object.fromEntries(['chapter', 'keelson'].map((name) => [name, workerBoots(stacks[name])]));

    const summary = {};
    for (const scenario of scenarios(load)) {
      summary[scenario.name] = {};
      for (const name of STACKS) {
        const mine = runs.filter((run) => run.scenario === scenario.name && run.stack === name);
        summary[scenario.name][name] = {
          requestsPerSecond: round(median(mine.map((m) => m.requestsPerSecond))),
          p50Ms: round(median(mine.map((m) => m.p50Ms)), 2),
          p99Ms: round(median(mine.map((m) => m.p99Ms)), 2),
          non2xx: mine.reduce((sum, m) => sum + m.non2xx, 0),
          socketErrors: mine.reduce((sum, m) => sum + m.socketErrorTotal, 0),
          requests: mine.reduce((sum, m) => sum + m.requests, 0),
          warmupNon2xx: mine.reduce((sum, m) => sum + m.warmup.non2xx, 0),
          warmupSocketErrors: mine.reduce((sum, m) => sum + m.warmup.socketErrorTotal, 0),
          frontNonOkStatuses: addUp(mine.map((m) => m.front.nonOkStatuses)),
          frontErrors: addUp(mine.map((m) => m.front.errors)),
          frontClientClosed499AtEnd: mine.reduce((sum, m) => sum + m.front.clientClosed499, 0),
        };
      }
      const s = summary[scenario.name];
      summary[scenario.name].ratios = {
        keelsonOverChapter: { requestsPerSecond: ratio(s.keelson.requestsPerSecond, s.chapter.requestsPerSecond), p50: ratio(s.keelson.p50Ms, s.chapter.p50Ms), p99: ratio(s.keelson.p99Ms, s.chapter.p99Ms) },
        keelsonOverUvicorn: { requestsPerSecond: ratio(s.keelson.requestsPerSecond, s.uvicorn.requestsPerSecond), p50: ratio(s.keelson.p50Ms, s.uvicorn.p50Ms), p99: ratio(s.keelson.p99Ms, s.uvicorn.p99Ms) },
      };
    }
    return {
      load,
      stacks: Object.fromEntries(STACKS.map((name) => [name, { label: STACK_LABELS[name], ...stacks[name].details }])),
      scenarios: scenarios(load).map(({ name, description, headers }) => ({ name, description, headers })),
      keelsonSizing: sizing,
      gunicornWorkerBoots: { atStart: bootsAtStart, atEnd: bootsAtEnd },
      summary,
      runs: runs.map(strip),
    };
  } finally {
    for (const stack of Object.values(stacks).reverse()) await stopStack(stack);
    if (!process.env.KEELSON_BENCH_KEEP) rmSync(root, { recursive: true, force: true });
    else log(`  kept ${root}`);
  }
}

function addUp(counts) {
  const total = {};
  for (const count of counts) for (const [key, n] of Object.entries(count)) total[key] = (total[key] ?? 0) + n;
  return total;
}

/** A run without wrk's full report (kept only when something went wrong). */
function strip(run) {
  const { report, ...rest } = run;
  return run.non2xx || run.socketErrorTotal ? { ...rest, report } : rest;
}
