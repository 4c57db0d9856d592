import { ImagePipelineView, PipelineJobView, PipelinePermissionsView, pushSteps, signSteps } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { jobTarget } from '../private/pipeline';

const ATTEST = /^actions\/attest(-build-provenance|-sbom)?@/i;
const UPLOAD_SARIF = /^github\/codeql-action\/upload-sarif@/i;

/** The write scopes a job's own steps use: push to GHCR, sign or attest keyless, upload a SARIF report. */
function writesUsed(view: ImagePipelineView, job: PipelineJobView): Set<string> {
  const used = new Set<string>();
  const pushes = pushSteps(view).some((p) => p.job === job.id);
  const signs = signSteps(view).some((s) => s.job === job.id);
  const attests = job.steps.some((s) => ATTEST.test(s.uses ?? ''));
  if (pushes) used.add('packages');
  if (signs || attests) used.add('id-token');
  if (attests) used.add('attestations');
  if (job.steps.some((s) => UPLOAD_SARIF.test(s.uses ?? ''))) used.add('security-events');
  return used;
}

function writeScopes(permissions: PipelinePermissionsView): string[] {
  return typeof permissions === 'string' ? [] : Object.entries(permissions).filter(([, level]) => level === 'write').map(([scope]) => scope);
}

/**
 * An image pipeline's token can do only what each job needs: the workflow grants no write access (jobs inherit it);
 * no job has `write-all`; a job holds a write scope only when its own steps use it (`packages: write` where it pushes,
 * `id-token: write` where it signs or attests keyless, `attestations: write` where it attests, `security-events: write`
 * where it uploads SARIF).
 */
export const WorkflowTokenLeastPrivilege: Rule = {
  name: 'WorkflowTokenLeastPrivilege',
  scope: 'single-file',
  what: "An image pipeline's workflow grants no write access, and each job only the write scopes its own steps use",
  evaluate: (input) => input.pipelines.flatMap(({ path, model }): Verdict[] => {
    const top = model.permissions;
    const topWrites = top === undefined ? [] : top === 'write-all' ? ['write-all'] : writeScopes(top);
    const verdicts: Verdict[] = [verdict(top !== undefined && topWrites.length === 0, `${model.file}#permissions`, path, model.file,
      () => (top === undefined
        ? `${model.file} sets no workflow-level permissions: every job without its own gets the repository's default token, which may write`
        : `${model.file} grants ${topWrites.map((s) => (s === 'write-all' ? 'write-all' : `${s}: write`)).join(', ')} to the whole workflow: every job without its own permissions inherits it`))];
    for (const job of model.jobs.filter((j) => j.permissions !== undefined)) {
      const permissions = job.permissions!;
      const used = writesUsed(model, job);
      const excess = permissions === 'write-all' ? ['write-all'] : writeScopes(permissions).filter((scope) => !used.has(scope));
      verdicts.push(verdict(excess.length === 0, jobTarget(model, job.id, 'permissions'), path, model.file,
        () => `job '${job.id}' of ${model.file} has ${excess.map((s) => (s === 'write-all' ? 'permissions: write-all' : `${s}: write`)).join(', ')}, `
          + `which none of its steps uses${used.size > 0 ? ` (they use ${[...used].map((s) => `${s}: write`).join(', ')})` : ''}`));
    }
    return verdicts;
  }),
};
