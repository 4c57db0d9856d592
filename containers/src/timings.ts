import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { REPORT_DIR } from './paths';

const FILE = join(REPORT_DIR, 'timings.jsonl');

/** One measured step. */
export interface Timing {
  readonly step: string;
  readonly seconds: number;
  readonly note?: string;
}

/** Records how long a step took (in the run's timings file, summarized at teardown). */
export function recordTiming(step: string, ms: number, note?: string): void {
  const entry: Timing = { step, seconds: Math.round(ms / 100) / 10, ...(note ? { note } : {}) };
  try {
    mkdirSync(REPORT_DIR, { recursive: true });
    appendFileSync(FILE, `${JSON.stringify(entry)}\n`);
  } catch {
    // Timings are a report, never a reason to fail a run.
  }
}

/** Runs `fn`, records its duration under `step`, returns its value. */
export async function timed<T>(step: string, fn: () => Promise<T>, note?: (value: T) => string | undefined): Promise<T> {
  const started = Date.now();
  const value = await fn();
  recordTiming(step, Date.now() - started, note?.(value));
  return value;
}

/** Starts a fresh timings file for this run. */
export function resetTimings(): void {
  try {
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(FILE, '');
  } catch {
    // As above.
  }
}

/** The steps measured in this run, in order. */
export function readTimings(): Timing[] {
  if (!existsSync(FILE)) return [];
  return readFileSync(FILE, 'utf-8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Timing);
}
