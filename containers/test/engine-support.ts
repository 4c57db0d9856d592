import { DockerClient } from '../src/docker-client';
import { EngineInfo, engineRequired, engineStatus } from '../src/engine';

/** The engine the global setup started, for a test file. */
export interface TestEngine {
  readonly docker: DockerClient;
  readonly info: EngineInfo;
}

/**
 * `describe` for tests that need the engine: under CI (CI=true) an engine that did not start fails every test of
 * the block with the reason; on a developer machine without one (no root, no docker.io) they are skipped, and the
 * reason was printed by the global setup.
 */
export function describeWithEngine(name: string, body: (engine: () => TestEngine) => void): void {
  const status = engineStatus();
  const block = status.ok || engineRequired() ? describe : describe.skip;
  block(name, () => {
    beforeAll(() => {
      if (!status.ok) throw new Error(`the container engine did not start: ${status.reason}`);
    });
    body(() => {
      if (!status.ok) throw new Error(`the container engine did not start: ${status.reason}`);
      return { docker: status.docker, info: status.info };
    });
  });
}
