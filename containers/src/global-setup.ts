import { rmSync } from 'fs';
import { ENGINE_ERROR_ENV, Engine, engineRequired } from './engine';
import { log } from './log';
import { PATHS } from './paths';
import { recordTiming, resetTimings } from './timings';

declare global {
  // The engine, from the global setup to the global teardown (same process: the tests run in band).
  // eslint-disable-next-line no-var
  var __KEELSON_ENGINE__: Engine | undefined;
  // eslint-disable-next-line no-var
  var __KEELSON_RUN_STARTED__: number | undefined;
}

/**
 * Jest global setup: starts the harness's engine once for every container test file.
 *
 * An engine that cannot start is recorded for the tests, which then fail under CI (CI=true) and are skipped,
 * loudly, elsewhere; it never aborts jest without a report.
 */
export default async function globalSetup(): Promise<void> {
  globalThis.__KEELSON_RUN_STARTED__ = Date.now();
  resetTimings();
  rmSync(PATHS.engineInfo, { force: true });
  delete process.env[ENGINE_ERROR_ENV];
  const started = Date.now();
  try {
    globalThis.__KEELSON_ENGINE__ = await Engine.start();
    recordTiming('engine start', Date.now() - started);
  } catch (error) {
    const reason = (error as Error).message;
    process.env[ENGINE_ERROR_ENV] = reason;
    log(`${engineRequired() ? 'FAIL' : 'SKIP'}: the container engine did not start: ${reason}`);
  }
}
