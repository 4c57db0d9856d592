import { Rule, verdict } from '../rule';
import { finalStage, last } from '../private/dockerfile';

/** The image says how to tell it is healthy: every runtime (docker run, compose, swarm) can then act on it. */
export const ImageHealthCheckPresent: Rule = {
  name: 'ImageHealthCheckPresent',
  scope: 'single-file',
  what: 'The final stage of the Dockerfile has a HEALTHCHECK (not NONE)',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => {
    const stage = finalStage(model);
    if (!stage) return [];
    const check = last(stage, 'HEALTHCHECK')?.args.trim();
    return [verdict(check !== undefined && check !== 'NONE', `${model.file}#stage/${stage.name}/HEALTHCHECK`, path, model.file,
      () => `the final stage '${stage.name}' ${check === 'NONE' ? 'disables the health check (HEALTHCHECK NONE)' : 'has no HEALTHCHECK'}`)];
  }),
};
