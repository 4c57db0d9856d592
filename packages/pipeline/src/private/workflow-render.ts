import { github } from 'projen';
import { Document, isScalar, visit } from 'yaml';
import { versionOf } from '../pinned-actions';

/** A workflow in projen's GitHub workflow model (camelCase keys), as Keelson builds it. */
export interface WorkflowModel {
  name: string;
  on: github.workflows.Triggers;
  permissions: github.workflows.JobPermissions;
  concurrency?: { group: string; cancelInProgress: boolean };
  env?: Record<string, string>;
  jobs: Record<string, github.workflows.Job>;
}

const KEBAB: Record<string, string> = {
  runsOn: 'runs-on', timeoutMinutes: 'timeout-minutes', continueOnError: 'continue-on-error',
  workingDirectory: 'working-directory', cancelInProgress: 'cancel-in-progress',
  idToken: 'id-token', failFast: 'fail-fast', maxParallel: 'max-parallel', pullRequests: 'pull-requests', securityEvents: 'security-events',
  pullRequest: 'pull_request', workflowDispatch: 'workflow_dispatch', pullRequestTarget: 'pull_request_target',
};

// `with` and `env` hold the action's or the shell's own names: copied as written.
const VERBATIM = new Set(['with', 'env', 'outputs', 'include', 'exclude']);

/** projen's camelCase model to the workflow syntax GitHub reads, as projen's GithubWorkflow renders it. */
export function toWorkflowSyntax(value: unknown, verbatim = false): unknown {
  if (Array.isArray(value)) return value.map((v) => toWorkflowSyntax(v, verbatim));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const name = verbatim ? key : (KEBAB[key] ?? key);
    if (key === 'outputs' && !verbatim) {
      // projen's JobStepOutput: { stepId, outputName } is written as an expression.
      out[name] = Object.fromEntries(Object.entries(v as Record<string, { stepId: string; outputName: string }>)
        .map(([k, o]) => [k, `\${{ steps.${o.stepId}.outputs.${o.outputName} }}`]));
      continue;
    }
    out[name] = VERBATIM.has(key) && !verbatim ? toWorkflowSyntax(v, true) : toWorkflowSyntax(v, verbatim);
  }
  return out;
}

/** The workflow as YAML, each pinned `uses:` followed by `# <version>`. */
export function renderWorkflow(model: WorkflowModel): string {
  const doc = new Document(toWorkflowSyntax(model));
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        const version = versionOf(String(pair.value.value));
        if (version) pair.value.comment = ` ${version}`;
      }
    },
  });
  return doc.toString({ lineWidth: 0 });
}
