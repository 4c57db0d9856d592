import { pushSteps, signSteps, stepRunsAfter } from '@keelson/core';
import { Rule, verdict } from '../rule';
import { byJob, describeStep, jobTarget } from '../private/pipeline';

/**
 * What an image pipeline pushes, it signs: a `cosign sign` step runs after every push, later in the same job or in a
 * job that waits for it, so a deployment can verify the image came from this workflow.
 */
export const PushedImageSigned: Rule = {
  name: 'PushedImageSigned',
  scope: 'single-file',
  what: 'Every image an image pipeline pushes is signed with cosign after the push',
  evaluate: (input) => input.pipelines.flatMap(({ path, model }) => {
    const signs = signSteps(model);
    return [...byJob(pushSteps(model))].map(([job, pushes]) => {
      const unsigned = pushes.filter((push) => !signs.some((sign) => stepRunsAfter(model, sign, push)));
      return verdict(unsigned.length === 0, jobTarget(model, job), path, model.file,
        () => `job '${job}' of ${model.file} pushes ${model.image} at ${unsigned.map((p) => describeStep(model, p)).join(', ')}, `
          + 'and no later step or job signs it (`cosign sign`): nothing lets a deployment verify where the image comes from');
    });
  }),
};
