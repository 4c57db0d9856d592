import { existsSync, readFileSync } from 'fs';
import { Engine, EngineInfo, leftoverProcesses } from './engine';
import { log } from './log';
import { PATHS } from './paths';
import { readTimings, recordTiming } from './timings';

/**
 * Jest global teardown: removes what the tests left in the engine, then stops the engine by its PID, whatever
 * happened in the tests and even if the cleanup fails. Prints the run's measured durations.
 */
export default async function globalTeardown(): Promise<void> {
  const engine = globalThis.__KEELSON_ENGINE__ ?? engineFromInfoFile();
  if (!engine) return;
  try {
    await engine.cleanup();
  } catch (error) {
    log(`cleanup failed (the engine is stopped anyway): ${(error as Error).message}`);
  } finally {
    await engine.stop();
    globalThis.__KEELSON_ENGINE__ = undefined;
  }
  const left = leftoverProcesses(engine.info);
  if (left.length > 0) throw new Error(`engine processes still running after stop: ${left.join(', ')}`);
  if (globalThis.__KEELSON_RUN_STARTED__) recordTiming('container tests, total', Date.now() - globalThis.__KEELSON_RUN_STARTED__);
  const timings = readTimings();
  if (timings.length > 0) {
    log(`durations:\n${timings.map((t) => `  ${t.step.padEnd(52)} ${t.seconds.toFixed(1).padStart(6)} s${t.note ? `  (${t.note})` : ''}`).join('\n')}`);
  }
}

function engineFromInfoFile(): Engine | undefined {
  if (!existsSync(PATHS.engineInfo)) return undefined;
  return new Engine(JSON.parse(readFileSync(PATHS.engineInfo, 'utf-8')) as EngineInfo);
}
