// wrk, run synchronously on loopback, and its report read into numbers.
import { spawnSync } from 'node:child_process';

export const WRK = '/usr/bin/wrk';

const SECONDS = { us: 1e-6, ms: 1e-3, s: 1, m: 60 };
const toMs = (match) => (match ? Number(match[1]) * SECONDS[match[2]] * 1000 : NaN);

/**
 * Runs `wrk -t threads -c connections -d seconds --timeout 5s --latency [-H header]... url` and returns requests/s,
 * p50/p99 latency (ms), the request count, non-2xx/3xx responses and socket errors (connect, read, write, timeout).
 * Bounded: wrk stops by itself after `seconds`; spawnSync kills it 30 s later if it has not.
 */
export function wrk({ url, threads, connections, seconds, headers = [] }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s', '--latency'];
  for (const header of headers) args.push('-H', header);
  args.push(url);
  const out = spawnSync(WRK, args, { encoding: 'utf-8', timeout: (seconds + 30) * 1000, killSignal: 'SIGKILL' });
  if (out.status !== 0) throw new Error(`wrk ${args.join(' ')} failed (${out.status ?? out.signal}): ${out.stderr || out.stdout}`);
  const text = out.stdout;
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s+(\d+) requests in/m.exec(text);
  if (!rps || !total) throw new Error(`cannot read wrk's report:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket
    ? { connect: +socket[1], read: +socket[2], write: +socket[3], timeout: +socket[4] }
    : { connect: 0, read: 0, write: 0, timeout: 0 };
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: toMs(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text)),
    p99Ms: toMs(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text)),
    requests: Number(total[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    socketErrors,
    socketErrorTotal: socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
    report: text.trim().split('\n'),
  };
}
