import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Component } from 'projen';
import {
  ImagePipelineView, PipelineJobView, RESOLVED_MODEL_KINDS, ServiceProject, declarePolicyCoverage, findModels, isPinned, jobWaitsFor,
  pipelineActions, pipelineStepTarget, policyCovers, pushSteps, registerModel, runsOnFailure, scanGateSteps, signSteps, stepRunsAfter,
} from '../src';

const SHA = 'a'.repeat(40);
const job = (id: string, needs: string[], steps: PipelineJobView['steps'], more: Partial<PipelineJobView> = {}): PipelineJobView => ({ id, needs, steps, ...more });

/** build -> scan (Trivy gate) -> publish (push, sign). */
function view(change: (jobs: PipelineJobView[]) => PipelineJobView[] = (j) => j): ImagePipelineView {
  return {
    file: '.github/workflows/image.yml', image: 'ghcr.io/acme/orders', dockerfile: 'Dockerfile', permissions: {},
    jobs: change([
      job('build', [], [{ uses: `actions/checkout@${SHA}` }]),
      job('scan', ['build'], [{ uses: `docker/build-push-action@${SHA}`, with: { push: false } }, { uses: `aquasecurity/trivy-action@${SHA}`, with: { 'exit-code': '1' } }]),
      job('publish', ['scan'], [{ uses: `docker/build-push-action@${SHA}`, with: { push: true } }, { run: 'cosign sign --yes "$IMAGE@$DIGEST"' }]),
    ]),
  };
}

describe('image pipeline facts', () => {
  test("the image pipeline is a resolved model kind like the others", () => {
    expect(RESOLVED_MODEL_KINDS).toContain('image-pipeline');
    const project = new ServiceProject({ name: 'svc', outdir: mkdtempSync(join(tmpdir(), 'keelson-core-')) });
    registerModel(new Component(project, 'ImagePipeline'), 'image-pipeline', () => view());
    expect(findModels(project, 'image-pipeline').map((m) => [m.path, m.resolve().file])).toEqual([['svc/ImagePipeline', '.github/workflows/image.yml']]);
  });

  test('a tag, a branch or a short SHA is not pinned; a full SHA, a local action and a docker digest are', () => {
    expect(['actions/checkout@v4', 'actions/checkout@main', 'actions/checkout@3d3c42e', 'actions/checkout', 'docker://alpine:3.20'].map(isPinned)).toEqual([false, false, false, false, false]);
    expect([`actions/checkout@${SHA}`, './.github/actions/setup', `docker://alpine@sha256:${'b'.repeat(64)}`].map(isPinned)).toEqual([true, true, true]);
  });

  test('the steps that push, gate, sign and use actions are found with their job and index', () => {
    const v = view();
    expect(pushSteps(v)).toEqual([{ job: 'publish', step: 0 }]);
    expect(scanGateSteps(v)).toEqual([{ job: 'scan', step: 1 }]);
    expect(signSteps(v)).toEqual([{ job: 'publish', step: 1 }]);
    expect(pipelineActions(v).map((a) => pipelineStepTarget(v, a))).toEqual([
      '.github/workflows/image.yml#jobs/build/steps/0', '.github/workflows/image.yml#jobs/scan/steps/0',
      '.github/workflows/image.yml#jobs/scan/steps/1', '.github/workflows/image.yml#jobs/publish/steps/0',
    ]);
  });

  test('a docker push, a buildx --push and a trivy command with an exit code count too', () => {
    const v = view(() => [job('all', [], [{ run: 'trivy image --exit-code 1 --severity HIGH,CRITICAL app' }, { run: 'docker push "$IMAGE"' },
      { run: 'docker buildx build --platform linux/amd64 --push -t "$IMAGE" .' }])]);
    expect(scanGateSteps(v)).toEqual([{ job: 'all', step: 0 }]);
    expect(pushSteps(v)).toEqual([{ job: 'all', step: 1 }, { job: 'all', step: 2 }]);
    expect(stepRunsAfter(v, { job: 'all', step: 1 }, { job: 'all', step: 0 })).toBe(true);
    expect(stepRunsAfter(v, { job: 'all', step: 0 }, { job: 'all', step: 1 })).toBe(false);
  });

  test('a Trivy step that reports only, or may fail, is no gate', () => {
    expect(scanGateSteps(view((jobs) => { (jobs[1].steps[1] as any).with = {}; return jobs; }))).toEqual([]);
    expect(scanGateSteps(view((jobs) => { (jobs[1].steps[1] as any).continueOnError = true; return jobs; }))).toEqual([]);
    expect(scanGateSteps(view((jobs) => { (jobs[1] as any).continueOnError = true; return jobs; }))).toEqual([]);
  });

  test('a job waits for another through a chain of needs, unless a job on it runs on failure', () => {
    expect(jobWaitsFor(view(), 'publish', 'build')).toBe(true);
    expect(jobWaitsFor(view(), 'build', 'publish')).toBe(false);
    expect(jobWaitsFor(view((jobs) => { (jobs[2] as any).if = 'always()'; return jobs; }), 'publish', 'scan')).toBe(false);
    expect(jobWaitsFor(view((jobs) => { (jobs[1] as any).if = '${{ !cancelled() }}'; return jobs; }), 'publish', 'build')).toBe(false);
    expect(jobWaitsFor(view((jobs) => { (jobs[2] as any).if = "github.ref == 'refs/heads/main'"; return jobs; }), 'publish', 'scan')).toBe(true);
    expect(['always()', 'failure()', '!cancelled()', "github.event_name == 'push'", undefined].map(runsOnFailure)).toEqual([true, true, true, false, false]);
  });

  test('a policy declares the rules it runs, and a component anywhere in the tree reads it', () => {
    const project = new ServiceProject({ name: 'svc', outdir: mkdtempSync(join(tmpdir(), 'keelson-core-')) });
    const component = new Component(project, 'ImagePipeline');
    expect(policyCovers(component, 'KS-PL-001')).toBe(false);
    const ids = ['KS-PL-002'];
    declarePolicyCoverage(new Component(project, 'HardeningPolicy'), () => ids);
    expect(policyCovers(component, 'KS-PL-001')).toBe(false);
    expect(policyCovers(component, 'KS-PL-002')).toBe(true);
    ids.push('KS-PL-001');
    expect(policyCovers(component, 'KS-PL-001')).toBe(true);
  });
});
