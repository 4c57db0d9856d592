import { pipelineActions, pipelineStepTarget } from '@keelson/core';
import { Rule, verdict } from '../rule';

/**
 * Every action an image pipeline uses is pinned to a full commit SHA (`owner/repo@<40 hex>`); a local action (`./`)
 * and a container action by digest (`docker://...@sha256:`) count as pinned. A tag or a branch is moved by whoever
 * controls the action's repository, and the next run executes their code with the job's token and secrets.
 */
export const ActionsPinnedBySha: Rule = {
  name: 'ActionsPinnedBySha',
  scope: 'single-file',
  what: 'Every `uses:` of an image pipeline is pinned to a full commit SHA (or is local, or a container image by digest)',
  evaluate: (input) => input.pipelines.flatMap(({ path, model }) => pipelineActions(model).map((action) =>
    verdict(action.pinned, pipelineStepTarget(model, action), path, model.file,
      () => `step ${action.step} of job '${action.job}' in ${model.file} uses '${action.uses}', `
        + `${/@[0-9a-f]{7,39}$/i.test(action.uses) ? 'a short SHA, which can collide' : 'a tag or branch its owner can move'}, not a full commit SHA`))),
};
