import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { validateWorkflow } from '@action-validator/core';
import { declarePolicyCoverage, findModels, KeelsonSynthError, pipelineActions, pushSteps, scanGateSteps, signSteps } from '@keelson/core';
import { Component } from 'projen';
import { findPipelines, ImagePipeline, ImagePipelineProps, PINNED_ACTIONS, pushesAfterScanGate } from '../src';
import { containerImage, serviceProject, synth, yamlOf } from './support';

const WORKFLOW = '.github/workflows/image.yml';

function pipeline(props: Partial<ImagePipelineProps> = {}) {
  const project = serviceProject();
  const p = new ImagePipeline(project, { image: containerImage(), registry: 'ghcr.io/acme/orders', ...props });
  return { project, pipeline: p };
}

function workflowOf(props: Partial<ImagePipelineProps> = {}) {
  const { project } = pipeline(props);
  const files = synth(project);
  return { text: files[WORKFLOW], doc: yamlOf(files, WORKFLOW), files };
}

const allUses = (doc: any): string[] =>
  Object.values(doc.jobs).flatMap((j: any) => j.steps.filter((s: any) => s.uses).map((s: any) => s.uses));

describe('ImagePipeline defaults', () => {
  test('it builds for linux/amd64, fails on HIGH, caches in GitHub, signs, publishes from main', () => {
    const { pipeline: p } = pipeline();
    expect(p.platforms).toEqual(['linux/amd64']);
    expect(p.failOn).toBe('HIGH');
    expect(p.cache).toBe('gha');
    expect(p.sign).toBe(true);
    expect(p.branch).toBe('main');
    expect(p.workflowFile).toBe('.github/workflows/image.yml');
    expect(p.ignore).toEqual([]);
  });

  test('the jobs run on ubuntu-24.04 with Node 20, npm ci and npx projen test', () => {
    const { doc } = workflowOf();
    for (const job of Object.values(doc.jobs) as any[]) expect(job['runs-on']).toEqual(['ubuntu-24.04']);
    const steps = doc.jobs.test.steps;
    expect(steps.find((s: any) => s.uses?.startsWith('actions/setup-node@')).with['node-version']).toBe('20');
    expect(steps.map((s: any) => s.run).filter(Boolean)).toEqual(['npm ci', 'npx projen\ngit add -A --intent-to-add\ngit diff --exit-code', 'npx projen test']);
  });

  test('the scan gate fails on fixable HIGH and CRITICAL vulnerabilities with the ignore file', () => {
    const { doc } = workflowOf();
    const trivy = doc.jobs.scan.steps.find((s: any) => s.uses.startsWith?.('aquasecurity/trivy-action@'));
    expect(trivy.with).toEqual({
      'image-ref': 'keelson-scan:${{ github.sha }}', 'severity': 'HIGH,CRITICAL', 'ignore-unfixed': true,
      'exit-code': '1', 'trivyignores': '.trivyignore.yaml', 'format': 'table',
    });
  });

  test('the push builds every platform with the GitHub cache, an SBOM and max provenance, then signs keyless by digest', () => {
    const { doc } = workflowOf({ platforms: ['linux/amd64', 'linux/arm64'] });
    const steps = doc.jobs.publish.steps;
    const push = steps.find((s: any) => s.id === 'push');
    expect(push.with).toMatchObject({
      context: '.', file: 'Dockerfile', target: 'runtime', platforms: 'linux/amd64,linux/arm64', push: true,
      'cache-from': 'type=gha,scope=image-linux-amd64\ntype=gha,scope=image-linux-arm64', 'sbom': true, 'provenance': 'mode=max',
    });
    expect(push.with['cache-to']).toBeUndefined();
    expect(steps.some((s: any) => s.uses?.startsWith('docker/setup-qemu-action@'))).toBe(true);
    expect(steps.find((s: any) => /cosign sign/.test(s.run ?? '')).run).toBe('cosign sign --yes "${IMAGE}@${DIGEST}"');
    expect(doc.jobs.publish.outputs).toEqual({ digest: '${{ steps.push.outputs.digest }}' });
    expect(steps[steps.length - 1].run).toMatch(/GITHUB_STEP_SUMMARY/);
  });

  test('every declared platform is built and scanned before the push, each with its own GitHub cache scope', () => {
    const { doc } = workflowOf({ platforms: ['linux/amd64', 'linux/arm64'] });
    expect(doc.jobs.scan.strategy).toEqual({
      'fail-fast': false,
      'matrix': { include: [{ platform: 'linux/amd64', scope: 'image-linux-amd64' }, { platform: 'linux/arm64', scope: 'image-linux-arm64' }] },
    });
    const build = doc.jobs.scan.steps.find((s: any) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build.with).toMatchObject({
      platforms: '${{ matrix.platform }}', load: true, push: false,
      'cache-from': 'type=gha,scope=${{ matrix.scope }}', 'cache-to': 'type=gha,scope=${{ matrix.scope }},mode=max',
    });
    expect(doc.jobs.scan.steps.some((s: any) => s.uses?.startsWith('docker/setup-qemu-action@'))).toBe(true);
  });

  test('a single amd64 platform needs no QEMU', () => {
    const { doc } = workflowOf();
    expect(allUses(doc).some((u) => u.startsWith('docker/setup-qemu-action@'))).toBe(false);
  });

  test('the runner, Node version, install and test commands and the workflow file are options', () => {
    const { project } = pipeline({ runsOn: 'self-hosted', nodeVersion: '22', installCommand: 'pnpm i --frozen-lockfile', testCommand: 'pytest', workflowFile: '.github/workflows/release-image.yml' });
    const doc = yamlOf(synth(project), '.github/workflows/release-image.yml');
    for (const job of Object.values(doc.jobs) as any[]) expect(job['runs-on']).toEqual(['self-hosted']);
    expect(doc.jobs.test.steps[1].with['node-version']).toBe('22');
    expect(doc.jobs.test.steps[2].run).toBe('pnpm i --frozen-lockfile');
    expect(doc.jobs.test.steps[4].run).toBe('pytest');
  });

  test('the Dockerfile lint fails on hadolint errors in the declared Dockerfile', () => {
    const { doc } = workflowOf();
    expect(doc.jobs.lint.steps[1].with).toEqual({ 'dockerfile': 'Dockerfile', 'failure-threshold': 'error' });
  });

  test('the push runs only on a push to the branch, never for a pull request', () => {
    const { doc } = workflowOf({ branch: 'release' });
    expect(doc.on).toEqual({ push: { branches: ['release'] }, pull_request: { branches: ['release'] }, workflow_dispatch: {} });
    expect(doc.jobs.publish.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/release'");
  });
});

describe('The generated workflow', () => {
  const cases: Array<[string, Partial<ImagePipelineProps>]> = [
    ['defaults', {}],
    ['multi-arch, registry cache, unsigned', { platforms: ['linux/amd64', 'linux/arm64'], cache: 'registry', sign: false }],
    ['another registry with login secrets', { registry: 'registry.example.com:5000/team/orders', login: { usernameSecret: 'REG_USER', passwordSecret: 'REG_PASSWORD' } }],
  ];

  test.each(cases)('validates against the GitHub Actions workflow schema (%s)', (_, props) => {
    const { text } = workflowOf(props);
    const state = validateWorkflow(text);
    expect(state.errors).toEqual([]);
  });

  test('the written file passes the action-validator command line too', () => {
    const { text } = workflowOf({ platforms: ['linux/amd64', 'linux/arm64'] });
    const file = join(mkdtempSync(join(tmpdir(), 'keelson-workflow-')), 'image.yml');
    writeFileSync(file, text);
    const cli = join(require.resolve('@action-validator/cli/package.json'), '..', 'cli.mjs');
    // Throws (non-zero exit) with the validator's report on any error.
    execFileSync(process.execPath, [cli, file], { encoding: 'utf-8' });
  });

  test('the validator rejects a broken workflow (it is really checking)', () => {
    const { text } = workflowOf();
    expect(validateWorkflow(text.replace('runs-on:', 'runs_on:')).errors.length).toBeGreaterThan(0);
  });

  test.each(cases)('the scan gate precedes every push (%s)', (_, props) => {
    const { doc } = workflowOf(props);
    const jobOf = (pred: (s: any) => boolean) => Object.entries(doc.jobs).filter(([, j]: any) => j.steps.some(pred)).map(([id]) => id);
    const gates = jobOf((s) => s.uses?.startsWith('aquasecurity/trivy-action@') && s.with['exit-code'] === '1');
    const pushes = jobOf((s) => s.uses?.startsWith('docker/build-push-action@') && s.with.push === true);
    expect(gates).toEqual(['scan']);
    expect(pushes).toEqual(['publish']);
    const upstream = (id: string): string[] => (doc.jobs[id].needs ?? []).flatMap((n: string) => [n, ...upstream(n)]);
    expect(upstream('publish')).toEqual(expect.arrayContaining(['scan', 'test', 'lint']));
    // The scan job itself never pushes, and the tests and drift check run before the scan.
    expect(doc.jobs.scan.steps.find((s: any) => s.uses?.startsWith('docker/build-push-action@')).with.push).toBe(false);
    expect(doc.jobs.scan.needs).toEqual(['test', 'lint']);
  });

  test('the workflow grants nothing and each job only what it uses', () => {
    const { doc } = workflowOf();
    expect(doc.permissions).toEqual({});
    expect(doc.jobs.test.permissions).toEqual({ contents: 'read' });
    expect(doc.jobs.lint.permissions).toEqual({ contents: 'read' });
    expect(doc.jobs.scan.permissions).toEqual({ contents: 'read' });
    expect(doc.jobs.publish.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write' });
  });

  test('without signing the push job gets no id-token, and another registry no packages permission', () => {
    const { doc } = workflowOf({ sign: false, registry: 'docker.io/acme/orders', login: { usernameSecret: 'U', passwordSecret: 'P' } });
    expect(doc.jobs.publish.permissions).toEqual({ contents: 'read' });
    const login = doc.jobs.publish.steps.find((s: any) => s.uses?.startsWith('docker/login-action@'));
    expect(login.with).toEqual({ registry: 'docker.io', username: '${{ secrets.U }}', password: '${{ secrets.P }}' });
    expect(doc.jobs.publish.steps.some((s: any) => /cosign/.test(s.run ?? '') || s.uses?.startsWith('sigstore/'))).toBe(false);
  });

  test('a registry cache reads in the scan job and writes only in the push job', () => {
    const { doc } = workflowOf({ cache: 'registry' });
    const scanBuild = doc.jobs.scan.steps.find((s: any) => s.uses?.startsWith('docker/build-push-action@'));
    expect(scanBuild.with['cache-from']).toBe('type=registry,ref=ghcr.io/acme/orders:buildcache');
    expect(scanBuild.with['cache-to']).toBeUndefined();
    expect(doc.jobs.scan.steps.some((s: any) => s.uses?.startsWith('docker/login-action@'))).toBe(true);
    expect(doc.jobs.scan.permissions).toEqual({ contents: 'read', packages: 'read' });
    expect(doc.jobs.publish.steps.find((s: any) => s.id === 'push').with['cache-to']).toBe('type=registry,ref=ghcr.io/acme/orders:buildcache,mode=max');
  });

  test.each(cases)('every uses: is pinned to a 40-character SHA with its version in a comment (%s)', (_, props) => {
    const { text, doc } = workflowOf(props);
    const table = Object.values(PINNED_ACTIONS);
    for (const uses of allUses(doc)) {
      expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      const pin = table.find((a) => uses === `${a.repository}@${a.sha}`);
      expect(pin).toBeDefined();
      expect(text).toContain(`uses: ${uses} # ${pin!.version}\n`);
    }
    expect(text.match(/uses: /g)!.length).toBe(allUses(doc).length);
  });

  test('checkouts keep no credentials', () => {
    const { doc } = workflowOf();
    for (const job of Object.values(doc.jobs) as any[]) {
      const checkout = job.steps.find((s: any) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout.with['persist-credentials']).toBe(false);
    }
  });
});

describe('ImagePipeline bad input', () => {
  test('an unknown severity is a synth error naming the choices', () => {
    expect(() => pipeline({ failOn: 'SEVERE' })).toThrow(
      /svc\/ImagePipeline: option 'failOn' is 'SEVERE', which is not a Trivy severity\. Fix: choose one of 'UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'/);
  });

  test('failOn sets the severities at or above it', () => {
    expect(workflowOf({ failOn: 'MEDIUM' }).doc.jobs.scan.steps[3].with.severity).toBe('MEDIUM,HIGH,CRITICAL');
    expect(workflowOf({ failOn: 'CRITICAL' }).doc.jobs.scan.steps[3].with.severity).toBe('CRITICAL');
  });

  test.each([
    ['orders', /it names no registry host/],
    ['acme/orders', /it names no registry host/],
    ['ghcr.io/acme/orders:1.0', /does not parse as a registry reference without tag or digest/],
    ['ghcr.io/acme/orders@sha256:abc', /does not parse as a registry reference without tag or digest/],
    ['ghcr.io/Acme/Orders', /'ghcr.io\/Acme\/Orders' does not parse as a registry reference\. Fix/],
    ['ghcr.io/', /does not parse as a registry reference\. Fix/],
  ])('a registry %s that does not parse is a synth error', (registry, message) => {
    expect(() => pipeline({ registry })).toThrow(message);
    expect(() => pipeline({ registry })).toThrow(/svc\/ImagePipeline: option 'registry' .* Fix: write it as '<registry host>\/<repository>', e\.g\. 'ghcr\.io\/acme\/orders'/);
  });

  test('a registry with a port parses', () => {
    expect(pipeline({ registry: 'localhost:5000/orders', login: { usernameSecret: 'U', passwordSecret: 'P' } }).pipeline.imageName).toBe('localhost:5000/orders');
  });

  test('a registry other than ghcr.io needs login secrets', () => {
    expect(() => pipeline({ registry: 'docker.io/acme/orders' })).toThrow(
      /svc\/ImagePipeline: option 'login' is required to push to docker\.io\. Fix: name the repository secrets/);
    expect(() => pipeline({ registry: 'docker.io/acme/orders', login: { usernameSecret: 'a b', passwordSecret: 'P' } })).toThrow(
      /option 'login\.usernameSecret' is 'a b', which is not a secret name/);
  });

  test('an unknown platform or none is a synth error', () => {
    expect(() => pipeline({ platforms: ['windows/amd64'] })).toThrow(/option 'platforms' contains 'windows\/amd64', which is not a Linux platform BuildKit builds\. Fix: write it as 'linux\/<arch>'/);
    expect(() => pipeline({ platforms: [] })).toThrow(/option 'platforms' is empty\. Fix: give at least one platform/);
  });

  test('an unknown cache is a synth error', () => {
    expect(() => pipeline({ cache: 's3' as any })).toThrow(/option 'cache' is 's3'\. Fix: choose 'gha' or 'registry'/);
  });

  test('an ignore entry without a reason is a synth error', () => {
    expect(() => pipeline({ ignore: [{ id: 'CVE-2024-6345', reason: ' ', expires: '2027-01-31' }] })).toThrow(
      /svc\/ImagePipeline: option 'ignore\[0\]\.reason' is missing for CVE-2024-6345\. Fix: say why the vulnerability is acceptable/);
  });

  test('an ignore entry without an expiry, or with a date that does not exist, is a synth error', () => {
    expect(() => pipeline({ ignore: [{ id: 'CVE-2024-6345', reason: 'r' } as any] })).toThrow(
      /option 'ignore\[0\]\.expires' is missing for CVE-2024-6345\. Fix: give the day the acceptance ends as 'YYYY-MM-DD'/);
    expect(() => pipeline({ ignore: [{ id: 'CVE-2024-6345', reason: 'r', expires: '2027-02-30' }] })).toThrow(
      /option 'ignore\[0\]\.expires' is '2027-02-30', which is not a date/);
    expect(() => pipeline({ ignore: [{ id: 'CVE-2024-6345', reason: 'r', expires: 'next year' }] })).toThrow(/is 'next year', which is not a date/);
  });

  test('an ignore entry with a bad id or a repeated id is a synth error', () => {
    expect(() => pipeline({ ignore: [{ id: 'cve 1', reason: 'r', expires: '2027-01-31' }] })).toThrow(
      /option 'ignore\[0\]\.id' is 'cve 1', which is not a vulnerability id/);
    const e = { id: 'CVE-2024-6345', reason: 'r', expires: '2027-01-31' };
    expect(() => pipeline({ ignore: [e, e] })).toThrow(/option 'ignore\[1\]\.id' repeats CVE-2024-6345/);
  });
});

describe('The resolved model the policy reads', () => {
  test("it is core's 'image-pipeline' model: the workflow as written, jobs, steps and permissions", () => {
    const { project } = pipeline();
    const [found] = findModels(project, 'image-pipeline');
    expect(found.path).toBe('svc/ImagePipeline');
    const view = found.resolve();
    expect(view).toMatchObject({ file: WORKFLOW, image: 'ghcr.io/acme/orders', dockerfile: 'Dockerfile', ignoreFile: '.trivyignore.yaml', permissions: {} });
    expect(view.jobs.map((j) => [j.id, j.needs])).toEqual([['test', []], ['lint', []], ['scan', ['test', 'lint']], ['publish', ['scan']]]);
    expect(view.jobs.find((j) => j.id === 'publish')!.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write' });
    expect(pipelineActions(view).every((a) => a.pinned)).toBe(true);
    expect(scanGateSteps(view)).toEqual([{ job: 'scan', step: 3 }]);
    expect(pushSteps(view)).toEqual([{ job: 'publish', step: 3 }]);
    expect(signSteps(view)).toEqual([{ job: 'publish', step: 5 }]);
    expect(pushesAfterScanGate(view)).toBe(true);
  });

  test('findPipelines still lists it, for code written against the first release', () => {
    const { project } = pipeline();
    const [found] = findPipelines(project);
    expect(found.path).toBe('svc/ImagePipeline');
    expect(found.resolve()).toEqual(findModels(project, 'image-pipeline')[0].resolve());
  });

  test('without a hardening policy, an unpinned action added to the model is seen by the view and stops the synth', () => {
    const { project, pipeline: p } = pipeline();
    (p.workflow.jobs.lint.steps as any[]).push({ uses: 'actions/upload-artifact@v4' });
    expect(pipelineActions(p.view()).find((a) => a.uses === 'actions/upload-artifact@v4')).toEqual({ job: 'lint', step: 2, uses: 'actions/upload-artifact@v4', pinned: false });
    let error: unknown;
    try { synth(project); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    expect(() => { throw error; }).toThrow(/\.github\/workflows\/image\.yml#jobs\/lint\/steps\/2: job 'lint' uses 'actions\/upload-artifact@v4', which is not pinned to a commit SHA\. Fix: pin it as owner\/repo@<40-hex sha>, or add a HardeningPolicy and waive KS-PL-002 with a reason/);
  });

  test('without a hardening policy, a push that no longer waits for the scan is seen by the view and stops the synth', () => {
    const { project, pipeline: p } = pipeline();
    (p.workflow.jobs as any).publish = { ...p.workflow.jobs.publish, needs: ['test'] };
    expect(pushesAfterScanGate(p.view())).toBe(false);
    expect(() => synth(project)).toThrow(/#jobs\/publish\/steps\/3: job 'publish' pushes the image without waiting for a Trivy scan gate\. Fix: keep the scan job before the push/);
  });

  test('a policy that runs the covering rules takes the checks over: the pipeline reports nothing itself', () => {
    const { project, pipeline: p } = pipeline();
    declarePolicyCoverage(new Component(project, 'Policy'), () => ['KS-PL-001', 'KS-PL-002']);
    (p.workflow.jobs.lint.steps as any[]).push({ uses: 'actions/upload-artifact@v4' });
    (p.workflow.jobs as any).publish = { ...p.workflow.jobs.publish, needs: ['test'] };
    expect(synth(project)[WORKFLOW]).toContain('uses: actions/upload-artifact@v4');
  });

  test('a policy that runs only one of them leaves the other check to the pipeline', () => {
    const { project, pipeline: p } = pipeline();
    declarePolicyCoverage(new Component(project, 'Policy'), () => ['KS-PL-002']);
    (p.workflow.jobs.lint.steps as any[]).push({ uses: 'actions/upload-artifact@v4' });
    (p.workflow.jobs as any).publish = { ...p.workflow.jobs.publish, needs: ['test'] };
    expect(() => synth(project)).toThrow(/pushes the image without waiting/);
    expect(() => synth(project)).not.toThrow(/not pinned/);
  });

  test('a pipeline without a gating Trivy step has no scan gate', () => {
    const { project, pipeline: p } = pipeline();
    (p.workflow.jobs.scan.steps as any[])[3] = { ...p.workflow.jobs.scan.steps[3], with: { 'exit-code': '0' } };
    const view = findModels(project, 'image-pipeline')[0].resolve();
    expect(scanGateSteps(view)).toEqual([]);
    expect(pushesAfterScanGate(view)).toBe(false);
  });
});
