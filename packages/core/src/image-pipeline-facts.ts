import { ImagePipelineView, PipelineJobView, PipelineStepView } from './resolved-model';

/*
 * What an image pipeline's workflow does, read from its resolved model: which steps push, which gate on a scan,
 * which sign, which actions are pinned, and which step runs only after another succeeded. The hardening policy's
 * rules and the pipeline component's own fallback check both read these, so the two never disagree.
 */

/** A step of a pipeline: its job and its index in the job's steps (from 0). */
export interface PipelineStepRef {
  readonly job: string;
  readonly step: number;
}

/** An action step and whether its `uses:` is pinned. */
export interface PipelineActionView extends PipelineStepRef {
  readonly uses: string;
  /** `owner/repo@<40 hex>`; local `./` actions and `docker://...@sha256:<64 hex>` count as pinned. */
  readonly pinned: boolean;
}

/** Whether a `uses:` value is pinned to a full commit SHA (or is a local action, or a docker image by digest). */
export function isPinned(uses: string): boolean {
  if (uses.startsWith('./')) return true;
  if (uses.startsWith('docker://')) return /@sha256:[a-f0-9]{64}$/.test(uses);
  return /^[^@\s]+@[a-f0-9]{40}$/.test(uses);
}

/** The workflow-syntax target of a step, e.g. `.github/workflows/image.yml#jobs/scan/steps/3`. */
export function pipelineStepTarget(view: ImagePipelineView, ref: PipelineStepRef): string {
  return `${view.file}#jobs/${ref.job}/steps/${ref.step}`;
}

function stepsWhere(view: ImagePipelineView, test: (s: PipelineStepView, j: PipelineJobView) => boolean): PipelineStepRef[] {
  return view.jobs.flatMap((j) => j.steps.flatMap((s, step) => (test(s, j) ? [{ job: j.id, step }] : [])));
}

const isTrue = (value: unknown) => value === true || String(value).trim() === 'true';
const usesAction = (s: PipelineStepView, repository: string) => s.uses?.toLowerCase().startsWith(`${repository}@`) ?? false;

/** Every `uses:` of every job. */
export function pipelineActions(view: ImagePipelineView): PipelineActionView[] {
  return view.jobs.flatMap((j) => j.steps.flatMap((s, step) => (s.uses ? [{ job: j.id, step, uses: s.uses, pinned: isPinned(s.uses) }] : [])));
}

const PUSH_COMMAND = /\b(docker|podman)\s+(image\s+)?push\b|\bbuildx\s+build\b[^\n]*\s--push\b|\bcrane\s+(push|copy|cp)\b|\bskopeo\s+copy\b/;

/** Steps that push an image: docker/build-push-action with `push: true`, or a `docker push`-like command. */
export function pushSteps(view: ImagePipelineView): PipelineStepRef[] {
  return stepsWhere(view, (s) => (usesAction(s, 'docker/build-push-action') && isTrue(s.with?.push))
    || PUSH_COMMAND.test(s.run ?? ''));
}

/** Steps that build an image with docker/build-push-action (pushed or not). */
export function buildSteps(view: ImagePipelineView): PipelineStepRef[] {
  return stepsWhere(view, (s) => usesAction(s, 'docker/build-push-action'));
}

/**
 * Trivy steps that fail their job on a finding: aquasecurity/trivy-action with a non-zero `exit-code` (its default
 * is 0, report only), or a `trivy image ... --exit-code <n>` command; neither with `continue-on-error`.
 */
export function scanGateSteps(view: ImagePipelineView): PipelineStepRef[] {
  return stepsWhere(view, (s, j) => {
    if (isTrue(s.continueOnError) || isTrue(j.continueOnError)) return false;
    if (usesAction(s, 'aquasecurity/trivy-action')) return String(s.with?.['exit-code'] ?? '0').trim() !== '0';
    return /\btrivy\s+(image|i)\b[^\n]*--exit-code[= ]+[1-9]/.test(s.run ?? '');
  });
}

/** Steps that sign an image with cosign (`cosign sign`). */
export function signSteps(view: ImagePipelineView): PipelineStepRef[] {
  return stepsWhere(view, (s) => /\bcosign\s+sign\b/.test(s.run ?? ''));
}

// `always()`, `failure()`, `cancelled()` (and `!cancelled()`) make a job or step run although what it waits for failed.
const RUNS_ON_FAILURE = /\b(always|failure|cancelled)\s*\(/;

/** Whether a job or step runs even when what it waits for failed. */
export function runsOnFailure(condition: string | undefined): boolean {
  return RUNS_ON_FAILURE.test(condition ?? '');
}

/**
 * Whether job `later` runs only after job `earlier` succeeded: a chain of `needs:` leads from one to the other, and
 * no job on it (`earlier` excepted) runs on failure (`if: always()` and the like).
 */
export function jobWaitsFor(view: ImagePipelineView, later: string, earlier: string): boolean {
  const byId = new Map(view.jobs.map((j) => [j.id, j]));
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    const job = byId.get(id);
    if (!job || seen.has(id) || runsOnFailure(job.if)) return false;
    seen.add(id);
    return job.needs.some((n) => n === earlier || walk(n));
  };
  return walk(later);
}

/**
 * Whether step `later` runs only after step `earlier` succeeded: later in the same job, or in a job that waits for
 * its job, and in neither case marked to run on failure.
 */
export function stepRunsAfter(view: ImagePipelineView, later: PipelineStepRef, earlier: PipelineStepRef): boolean {
  const job = view.jobs.find((j) => j.id === later.job);
  const step = job?.steps[later.step];
  if (!job || !step || runsOnFailure(step.if)) return false;
  if (later.job === earlier.job) {
    return earlier.step < later.step;
  }
  return jobWaitsFor(view, later.job, earlier.job);
}
