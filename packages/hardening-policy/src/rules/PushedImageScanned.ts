import { pushSteps, runsOnFailure, scanGateSteps, stepRunsAfter } from '@keelson/core';
import { Rule, verdict } from '../rule';
import { byJob, describeStep, jobTarget, stepOf } from '../private/pipeline';

/**
 * An image pipeline pushes only what passed a Trivy gate: every step that pushes the image runs after a Trivy step
 * that fails its job on a finding, later in the same job or in a job it waits for through `needs:` (none of them
 * running on failure with `if: always()` or the like).
 */
export const PushedImageScanned: Rule = {
  name: 'PushedImageScanned',
  scope: 'single-file',
  what: 'Every job of an image pipeline that pushes the image runs after a Trivy scan gate that fails on findings',
  evaluate: (input) => input.pipelines.flatMap(({ path, model }) => {
    const gates = scanGateSteps(model);
    return [...byJob(pushSteps(model))].map(([job, pushes]) => {
      const ungated = pushes.filter((push) => !gates.some((gate) => stepRunsAfter(model, push, gate)));
      return verdict(ungated.length === 0, jobTarget(model, job), path, model.file, () => {
        const jobView = model.jobs.find((j) => j.id === job)!;
        const pushing = `job '${job}' of ${model.file} pushes ${model.image} at ${ungated.map((p) => describeStep(model, p)).join(', ')}`;
        if (gates.length === 0) return `${pushing}, and no step of the workflow fails its job on a Trivy finding (a trivy-action with a non-zero exit-code, without continue-on-error)`;
        if (runsOnFailure(jobView.if)) return `${pushing} with \`if: ${jobView.if}\`, so it runs even when the Trivy gate (job '${gates[0].job}') failed`;
        const eager = ungated.map((p) => stepOf(model, p)).find((s) => runsOnFailure(s.if));
        if (eager) return `${pushing} with a push step under \`if: ${eager.if}\`, so it runs even when the Trivy gate failed`;
        const sameJob = gates.filter((g) => g.job === job);
        if (sameJob.length > 0 && !gates.some((g) => g.job !== job)) {
          return `${pushing}, before its own Trivy gate at ${sameJob.map((g) => `steps/${g.step}`).join(', ')} runs`;
        }
        const gateJobs = [...new Set(gates.filter((g) => g.job !== job).map((g) => `'${g.job}'`))];
        return `${pushing} without waiting for the Trivy gate in job ${gateJobs.join(', ')} (it needs: ${jobView.needs.join(', ') || 'nothing'}; `
          + 'a job on the way that runs on failure does not count)';
      });
    });
  }),
};
