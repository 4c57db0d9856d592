import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { REPORT_DIR } from './paths';

const FILE = join(REPORT_DIR, 'harness.log');

/** Logs one harness line to stderr (jest passes stderr through) and to .keelson-tmp/containers/harness.log. */
export function log(message: string): void {
  const line = `[containers ${new Date().toISOString().slice(11, 19)}] ${message}`;
  process.stderr.write(`${line}\n`);
  try {
    mkdirSync(REPORT_DIR, { recursive: true });
    appendFileSync(FILE, `${line}\n`);
  } catch {
    // The log file is a convenience; stderr has the line.
  }
}
