import { validateWorkflow } from '@action-validator/core';
import { PINNED_ACTIONS, RENOVATE_FILE, RESYNTH_WORKFLOW_FILE, UpdateAutomation } from '../src';
import { serviceProject, synth, yamlOf } from './support';

function automation(props: ConstructorParameters<typeof UpdateAutomation>[1] = {}) {
  const project = serviceProject();
  const u = new UpdateAutomation(project, props);
  const files = synth(project);
  return { u, files };
}

/** renovate.json5 as written: `//` header lines, then JSON (a JSON5 subset). */
function renovateOf(files: Record<string, unknown>): any {
  const raw = files[RENOVATE_FILE];
  if (typeof raw !== 'string') return raw; // projen's Testing.synth parses JSON-like files itself
  expect(raw.split('\n').slice(0, 3).every((l) => l.startsWith('// '))).toBe(true);
  return JSON.parse(raw.split('\n').filter((l) => !l.startsWith('//')).join('\n'));
}

/** Renovate's regex managers run RE2 over the file; these patterns use only what RE2 and JS share. */
function matches(config: any, text: string): Array<Record<string, string>> {
  return config.customManagers.flatMap((m: any) => m.matchStrings.flatMap((s: string) =>
    [...text.matchAll(new RegExp(s, 'g'))].map((x) => ({ ...x.groups, ...(m.depNameTemplate ? { depName: m.depNameTemplate } : {}), datasource: m.datasourceTemplate }))));
}

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const PROJENRC = `
new Dockerfile(project, {
  builderImage: 'python:3.12.12-slim-bookworm',
  builderImageDigest: '${DIGEST_A}',
  runtimeImage: "gcr.io/distroless/python3-debian12:nonroot", runtimeImageDigest: "${DIGEST_B}",
  serverRequirements: { gunicorn: '23.0.0', uvicornWorker: '0.3.0' },
});
new Compose(project, { postgres: { image: 'postgres:17.2-bookworm@${DIGEST_A}' } });
`;

describe('UpdateAutomation', () => {
  test('defaults: weekly before 6am on monday, one group named "keelson pins", Node 20, npm ci', () => {
    const { files } = automation();
    const config = renovateOf(files);
    expect(config.schedule).toEqual(['before 6am on monday']);
    expect(config.packageRules.map((r: any) => r.groupName)).toEqual(['keelson pins', 'keelson pins']);
    expect(config.postUpgradeTasks.commands).toEqual(['npm ci', 'npx projen']);
    const wf = yamlOf(files as Record<string, string>, RESYNTH_WORKFLOW_FILE);
    expect(wf.jobs.resynth['runs-on']).toEqual(['ubuntu-24.04']);
    expect(wf.jobs.resynth.steps[1].with['node-version']).toBe('20');
    expect(wf.jobs.resynth.steps[2].run).toBe('npm ci');
  });

  test('Renovate reads the pins in .projenrc.ts, never the generated files, and the Keelson packages', () => {
    const config = renovateOf(automation().files);
    expect(config.$schema).toBe('https://docs.renovatebot.com/renovate-schema.json');
    expect(config.enabledManagers).toEqual(['npm', 'custom.regex']);
    for (const m of config.customManagers) {
      expect(m.customType).toBe('regex');
      expect(m.managerFilePatterns).toEqual(['/^\\.projenrc\\.ts$/']);
    }
    expect(config.packageRules[0].matchPackageNames).toEqual(['@keelson/**', 'projen']);
  });

  test('the regex managers find base image digests and server package versions in a .projenrc.ts', () => {
    const config = renovateOf(automation().files);
    expect(matches(config, PROJENRC)).toEqual([
      { depName: 'python', currentValue: '3.12.12-slim-bookworm', currentDigest: DIGEST_A, datasource: 'docker' },
      { depName: 'gcr.io/distroless/python3-debian12', currentValue: 'nonroot', currentDigest: DIGEST_B, datasource: 'docker' },
      { depName: 'postgres', currentValue: '17.2-bookworm', currentDigest: DIGEST_A, datasource: 'docker' },
      { depName: 'gunicorn', currentValue: '23.0.0', datasource: 'pypi' },
      { depName: 'uvicorn-worker', currentValue: '0.3.0', datasource: 'pypi' },
    ]);
  });

  test('the re-synthesis workflow validates against the GitHub Actions workflow schema', () => {
    const { files } = automation();
    expect(validateWorkflow(files[RESYNTH_WORKFLOW_FILE] as string).errors).toEqual([]);
  });

  test('the re-synthesis job runs only on Renovate branches of this repository, may only write contents, and pins its actions', () => {
    const { files } = automation();
    const text = files[RESYNTH_WORKFLOW_FILE] as string;
    const wf = yamlOf(files as Record<string, string>, RESYNTH_WORKFLOW_FILE);
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.resynth.permissions).toEqual({ contents: 'write' });
    expect(wf.jobs.resynth.if).toBe("github.event.pull_request.head.repo.full_name == github.repository && startsWith(github.head_ref, 'renovate/')");
    const uses = wf.jobs.resynth.steps.filter((s: any) => s.uses).map((s: any) => s.uses);
    expect(uses).toEqual([
      `actions/checkout@${PINNED_ACTIONS.checkout.sha}`, `actions/setup-node@${PINNED_ACTIONS.setupNode.sha}`,
    ]);
    expect(text).toContain(`actions/checkout@${PINNED_ACTIONS.checkout.sha} # ${PINNED_ACTIONS.checkout.version}`);
    expect(wf.jobs.resynth.steps.map((s: any) => s.run).filter(Boolean)).toEqual([
      'npm ci', 'npx projen', expect.stringMatching(/^git add -A\n.*git push$/s),
    ]);
  });

  test('the options reach the files', () => {
    const { files } = automation({ schedule: ['every weekend'], groupName: 'base images', nodeVersion: '22', installCommand: 'pnpm i --frozen-lockfile', runsOn: 'self-hosted' });
    const config = renovateOf(files);
    expect(config.schedule).toEqual(['every weekend']);
    expect(config.packageRules[1].groupName).toBe('base images');
    const wf = yamlOf(files as Record<string, string>, RESYNTH_WORKFLOW_FILE);
    expect(wf.jobs.resynth['runs-on']).toEqual(['self-hosted']);
    expect(wf.jobs.resynth.steps[1].with['node-version']).toBe('22');
    expect(wf.jobs.resynth.steps[2].run).toBe('pnpm i --frozen-lockfile');
  });

  test('an empty schedule is a synth error', () => {
    expect(() => automation({ schedule: [] })).toThrow(
      /svc\/UpdateAutomation: option 'schedule' is empty or has an empty entry\. Fix: give Renovate schedules/);
  });
});
