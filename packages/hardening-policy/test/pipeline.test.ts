import { KeelsonSynthError } from '@keelson/core';
import { Testing } from 'projen';
import { PACKS, PolicyResult, Waiver, evaluatePolicy } from '../src';
import { jobsOf, pipelineService } from './pipeline-rule-cases';
import { inputOf } from './support';

const FILE = '.github/workflows/image.yml';
const PIN_REASON = 'upload-artifact is GitHub-owned and the repository ruleset forbids moving its v4 tag for our organisation';

/** The example service, its ImagePipeline and the policy (baseline unless told), printing into `printed`. */
function withPolicy(props: { packs?: string[]; waivers?: Waiver[] } = {}) {
  const printed: string[] = [];
  const service = pipelineService({ policy: { print: (summary) => printed.push(summary), ...props } });
  return { ...service, printed };
}

/** Testing.synth parses .json files itself, and leaves other files as text. */
const parsed = (content: unknown): Record<string, any> => (typeof content === 'string' ? JSON.parse(content) : content as Record<string, any>);

const pipelineFindings = (result: PolicyResult) => result.findings.filter((f) => f.id.startsWith('KS-PL-'));

describe('The policy and the image pipeline', () => {
  test('a real ImagePipeline passes the baseline pack with no pipeline finding and no error', () => {
    const { project, policy } = withPolicy();
    const out = Testing.synth(project);
    expect(out[FILE]).toBeDefined();
    const result = policy!.evaluate();
    expect(pipelineFindings(result)).toEqual([]);
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([]);
  });

  test.each([
    ['a registry cache', { cache: 'registry' as const }],
    ['two platforms', { platforms: ['linux/amd64', 'linux/arm64'] }],
    ['another registry with login secrets', { registry: 'registry.example.com/acme/app', login: { usernameSecret: 'REGISTRY_USER', passwordSecret: 'REGISTRY_TOKEN' } }],
    ['a CRITICAL-only gate on another branch', { failOn: 'CRITICAL', branch: 'release' }],
  ])('an ImagePipeline with %s has no pipeline finding in the strict pack', (_, props) => {
    const service = pipelineService({ policy: false }, props);
    const result = evaluatePolicy(inputOf(service), [PACKS.strict]);
    expect(pipelineFindings(result)).toEqual([]);
  });

  test('the strict pack finds nothing in the pipeline either', () => {
    const { project, policy } = withPolicy({ packs: ['strict'] });
    expect(() => Testing.synth(project)).toThrow(KeelsonSynthError); // digests and the like, not the pipeline
    expect(pipelineFindings(policy!.evaluate())).toEqual([]);
  });

  test('an action pinned to a tag by an escape hatch is an error naming the file, the job and the value', () => {
    const { project, pipeline } = withPolicy();
    (pipeline.workflow.jobs.lint.steps as any[])[0] = { ...pipeline.workflow.jobs.lint.steps[0], uses: 'actions/checkout@v4' };
    expect(() => Testing.synth(project)).toThrow(
      /KS-PL-002 ActionsPinnedBySha \[fastapi-service\/ImagePipeline\] step 0 of job 'lint' in \.github\/workflows\/image\.yml uses 'actions\/checkout@v4', a tag or branch its owner can move/);
  });

  test('a push job that no longer needs the scan is an error naming the job, its needs and the gate', () => {
    const { project, pipeline, policy } = withPolicy();
    jobsOf({ pipeline } as any).publish.needs = ['test'];
    expect(() => Testing.synth(project)).toThrow(
      /KS-PL-001 PushedImageScanned \[fastapi-service\/ImagePipeline\] job 'publish' of \.github\/workflows\/image\.yml pushes ghcr\.io\/acme\/fastapi-service at steps\/3 \('Push for linux\/amd64 with SBOM and provenance', docker\/build-push-action\) without waiting for the Trivy gate in job 'scan' \(it needs: test;/);
    expect(pipelineFindings(policy!.evaluate()).map((f) => [f.id, f.target, f.level])).toEqual([['KS-PL-001', `${FILE}#jobs/publish`, 'error']]);
  });

  test('a scan step removed is an error, and the pipeline does not report it a second time', () => {
    const { project, pipeline } = withPolicy();
    (pipeline.workflow.jobs.scan.steps as any[]).splice(3, 1);
    let error: unknown;
    try { Testing.synth(project); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    const problems = (error as KeelsonSynthError).problems;
    expect(problems.map((p) => p.path)).toEqual(['fastapi-service/HardeningPolicy']);
    expect(problems[0].message).toMatch(/no step of the workflow fails its job on a Trivy finding/);
  });

  test('a waiver with a reason silences the finding, and the synth completes with the workflow as changed', () => {
    const waiver = { id: 'KS-PL-002', finding: `${FILE}#jobs/test/steps/5`, reason: PIN_REASON };
    const { project, pipeline, policy, printed } = withPolicy({ waivers: [waiver] });
    (pipeline.workflow.jobs.test.steps as any[]).push({ name: 'Keep the report', uses: 'actions/upload-artifact@v4', with: { path: 'test-reports' } });
    const out = Testing.synth(project);
    expect(out[FILE]).toContain('uses: actions/upload-artifact@v4');
    const result = policy!.evaluate();
    expect(pipelineFindings(result)).toEqual([]);
    expect(result.waived).toEqual([expect.objectContaining({ id: 'KS-PL-002', target: waiver.finding, waiver: expect.objectContaining({ reason: PIN_REASON }) })]);
    expect(printed[0]).toContain(`KS-PL-002 ${waiver.finding}  [fastapi-service/ImagePipeline]: ${PIN_REASON}`);
  });

  test('a waiver covers the finding it names only', () => {
    const waiver = { id: 'KS-PL-002', finding: `${FILE}#jobs/test/steps/5`, reason: PIN_REASON };
    const { project, pipeline } = withPolicy({ waivers: [waiver] });
    (pipeline.workflow.jobs.test.steps as any[]).push({ uses: 'actions/upload-artifact@v4' });
    (pipeline.workflow.jobs.lint.steps as any[]).push({ uses: 'actions/cache@v4' });
    expect(() => Testing.synth(project)).toThrow(/step 2 of job 'lint' in \.github\/workflows\/image\.yml uses 'actions\/cache@v4'/);
    expect(() => Testing.synth(project)).not.toThrow(/upload-artifact/);
  });

  test('signing steps removed are warnings in the baseline (no signature, an id-token no step uses): reported, the synth goes on', () => {
    const { project, pipeline, policy, printed } = withPolicy();
    (pipeline.workflow.jobs.publish.steps as any[]).splice(4, 2);
    Testing.synth(project);
    expect(pipelineFindings(policy!.evaluate()).map((f) => [f.id, f.target, f.level])).toEqual([
      ['KS-PL-003', `${FILE}#jobs/publish`, 'warning'],
      ['KS-PL-004', `${FILE}#jobs/publish/permissions`, 'warning'],
    ]);
    expect(printed[0]).toMatch(/KS-PL-003 PushedImageSigned/);
  });

  test('the JSON and SARIF reports carry pipeline findings, located in the workflow file', () => {
    const { project, pipeline } = withPolicy();
    (pipeline.workflow.jobs as any).test.permissions = { contents: 'read', idToken: 'write' };
    const out = Testing.synth(project);
    const json = parsed(out['hardening/report.json']);
    expect(json.findings.find((f: any) => f.id === 'KS-PL-004')).toMatchObject({
      id: 'KS-PL-004', level: 'warning', path: 'fastapi-service/ImagePipeline', file: FILE, target: `${FILE}#jobs/test/permissions`,
      message: expect.stringMatching(/job 'test' of \.github\/workflows\/image\.yml has id-token: write, which none of its steps uses/),
    });
    expect(json.rules.map((r: any) => r.id)).toEqual(expect.arrayContaining(['KS-PL-001', 'KS-PL-002', 'KS-PL-003', 'KS-PL-004', 'KS-PL-005']));
    const sarif = parsed(out['hardening/report.sarif']);
    const result = sarif.runs[0].results.find((r: any) => r.ruleId === 'KS-PL-004');
    expect(result.level).toBe('warning');
    expect(JSON.stringify(result.locations)).toContain(FILE);
  });
});
