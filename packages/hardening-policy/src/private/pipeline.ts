import { ImagePipelineView, PipelineStepRef, PipelineStepView } from '@keelson/core';

/** `.github/workflows/image.yml#jobs/publish` and the like. */
export function jobTarget(view: ImagePipelineView, job: string, ...rest: Array<string | number>): string {
  return `${view.file}#${['jobs', job, ...rest].join('/')}`;
}

/** The step a reference names. */
export function stepOf(view: ImagePipelineView, ref: PipelineStepRef): PipelineStepView {
  return view.jobs.find((j) => j.id === ref.job)!.steps[ref.step];
}

/** How a step reads in a message: `steps/3 ('Push ...', docker/build-push-action)`. */
export function describeStep(view: ImagePipelineView, ref: PipelineStepRef): string {
  const step = stepOf(view, ref);
  const what = step.uses ? step.uses.split('@')[0] : 'run';
  return `steps/${ref.step} (${step.name ? `'${step.name}', ` : ''}${what})`;
}

/** The references grouped by job, in job order. */
export function byJob(refs: readonly PipelineStepRef[]): Map<string, PipelineStepRef[]> {
  const grouped = new Map<string, PipelineStepRef[]>();
  for (const ref of refs) grouped.set(ref.job, [...(grouped.get(ref.job) ?? []), ref]);
  return grouped;
}
