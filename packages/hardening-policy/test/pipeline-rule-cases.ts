import { ImagePipeline, ImagePipelineProps } from '@keelson/pipeline';
import { PolicyInput } from '../src';
import type { RuleCase, RuleCases } from './rule-cases';
import { ExampleService, exampleService, inputOf } from './support';

/** The example service with the ImagePipeline its README declares. */
export interface PipelineService extends ExampleService {
  readonly pipeline: ImagePipeline;
}

/** The example service plus an ImagePipeline that builds its Dockerfile. */
export function pipelineService(overrides: Parameters<typeof exampleService>[0] = {}, props: Partial<ImagePipelineProps> = {}): PipelineService {
  const service = exampleService(overrides);
  const pipeline = new ImagePipeline(service.project, { image: service.dockerfile, registry: 'ghcr.io/acme/fastapi-service', ...props });
  return { ...service, pipeline };
}

/** The jobs of the workflow model, loosely typed for escape hatches. */
export const jobsOf = (s: PipelineService): Record<string, any> => s.pipeline.workflow.jobs as Record<string, any>;

function withPipeline(change: (s: PipelineService) => void = () => undefined): () => PolicyInput {
  return () => {
    const service = pipelineService({ policy: false });
    change(service);
    return inputOf(service);
  };
}

const PIPELINE: RuleCase = { name: 'the example service with its ImagePipeline', input: withPipeline() };
const FILE = '.github/workflows/image.yml';

/** The cases of the image pipeline rules, by rule name. */
export const PIPELINE_RULE_CASES: Readonly<Record<string, RuleCases>> = {
  PushedImageScanned: {
    compliant: [PIPELINE, {
      name: 'a push in the scan job itself, after the gate',
      input: withPipeline((s) => {
        const jobs = jobsOf(s);
        jobs.scan.steps.push({ name: 'Push', uses: jobs.publish.steps[3].uses, with: { push: true } });
      }),
    }],
    nonCompliant: [
      { name: 'a push job that no longer needs the scan job', input: withPipeline((s) => { jobsOf(s).publish.needs = ['test']; }), target: `${FILE}#jobs/publish` },
      { name: 'a scan that reports without failing', input: withPipeline((s) => { jobsOf(s).scan.steps[3].with['exit-code'] = '0'; }), target: `${FILE}#jobs/publish` },
      { name: 'a scan step removed', input: withPipeline((s) => { jobsOf(s).scan.steps.splice(3, 1); }), target: `${FILE}#jobs/publish` },
      { name: 'a scan step that may fail', input: withPipeline((s) => { jobsOf(s).scan.steps[3].continueOnError = true; }), target: `${FILE}#jobs/publish` },
      { name: 'a push job that runs always()', input: withPipeline((s) => { jobsOf(s).publish.if = 'always()'; }), target: `${FILE}#jobs/publish` },
    ],
  },
  ActionsPinnedBySha: {
    compliant: [PIPELINE, {
      name: 'a local action and a container action by digest',
      input: withPipeline((s) => jobsOf(s).lint.steps.push({ uses: './.github/actions/setup' }, { uses: `docker://alpine@sha256:${'a'.repeat(64)}` })),
    }],
    nonCompliant: [
      { name: 'a checkout pinned to a tag', input: withPipeline((s) => { jobsOf(s).lint.steps[0] = { ...jobsOf(s).lint.steps[0], uses: 'actions/checkout@v4' }; }), target: `${FILE}#jobs/lint/steps/0` },
      { name: 'an action on a branch', input: withPipeline((s) => { jobsOf(s).test.steps.push({ uses: 'actions/upload-artifact@main' }); }), target: `${FILE}#jobs/test/steps/5` },
      { name: 'a short SHA', input: withPipeline((s) => { jobsOf(s).lint.steps[1].uses = 'hadolint/hadolint-action@2332a7b'; }), target: `${FILE}#jobs/lint/steps/1` },
    ],
  },
  PushedImageSigned: {
    compliant: [PIPELINE],
    nonCompliant: [
      { name: 'a pipeline with signing turned off', input: () => {
        const service = exampleService({ policy: false });
        new ImagePipeline(service.project, { image: service.dockerfile, registry: 'ghcr.io/acme/fastapi-service', sign: false });
        return inputOf(service);
      }, target: `${FILE}#jobs/publish` },
      { name: 'the signing step removed', input: withPipeline((s) => { jobsOf(s).publish.steps.splice(5, 1); }), target: `${FILE}#jobs/publish` },
    ],
  },
  WorkflowTokenLeastPrivilege: {
    compliant: [PIPELINE],
    nonCompliant: [
      { name: 'write-all at the workflow level', input: withPipeline((s) => { (s.pipeline.workflow as any).permissions = 'write-all'; }), target: `${FILE}#permissions` },
      { name: 'no workflow-level permissions', input: withPipeline((s) => { (s.pipeline.workflow as any).permissions = undefined; }), target: `${FILE}#permissions` },
      { name: 'id-token: write on the test job', input: withPipeline((s) => { jobsOf(s).test.permissions = { contents: 'read', idToken: 'write' }; }), target: `${FILE}#jobs/test/permissions` },
      { name: 'write-all on the scan job', input: withPipeline((s) => { jobsOf(s).scan.permissions = 'write-all'; }), target: `${FILE}#jobs/scan/permissions` },
    ],
  },
  PipelineBuildsGeneratedDockerfile: {
    compliant: [PIPELINE],
    nonCompliant: [
      { name: 'a push that builds another Dockerfile', input: withPipeline((s) => { jobsOf(s).publish.steps[3].with.file = 'docker/Dockerfile.dev'; }), target: `${FILE}#jobs/publish/steps/3` },
    ],
  },
};
