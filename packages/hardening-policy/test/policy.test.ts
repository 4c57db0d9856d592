import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import { KeelsonSynthError } from '@keelson/core';
import { Testing } from 'projen';
import { HardeningPolicy, PACKS, Pack, PolicyResult, nonCompliant } from '../src';
import { exampleService, serviceDir } from './support';

/** The example service with the policy, printing into `printed`. */
function withPolicy(props: ConstructorParameters<typeof HardeningPolicy>[1] = {}, outdir?: string) {
  const printed: string[] = [];
  const service = exampleService({ outdir, policy: { print: (summary) => printed.push(summary), ...props } });
  return { ...service, printed };
}

/** Every file under `dir` (but node_modules), with its content. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf-8');
    }
  };
  walk(dir);
  return files;
}

describe('HardeningPolicy', () => {
  test('passes the baseline on the example service with no waiver', () => {
    const { project, policy } = withPolicy();
    expect(() => Testing.synth(project)).not.toThrow();
    const result = policy!.evaluate();
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(result.packs).toEqual(['baseline']);
  });

  test('prints a summary grouped by severity, each finding with its construct path, target and fix', () => {
    const { project, printed } = withPolicy();
    Testing.synth(project);
    expect(printed).toHaveLength(1);
    const summary = printed[0];
    expect(summary).toMatch(/^Keelson hardening policy \(baseline\): 0 errors, 1 warning, 3 info, 0 waived; \d+ rules, \d+ checks\./);
    expect(summary).toContain(`; ${PACKS.baseline.entries.length} rules, `);
    expect(summary.indexOf('Warnings:')).toBeLessThan(summary.indexOf('Info:'));
    expect(summary).not.toContain('Errors');
    expect(summary).toContain('  KS-X-011 ForwardedHeadersTrusted  [fastapi-service/Compose]');
    expect(summary).toContain('    finding: compose.prod.yaml#services/app/forwarded_allow_ips');
    expect(summary).toMatch(/ {4}fix: Give the proxy a fixed address/);
    expect(summary).toContain('  KS-CO-014 HealthChecks  [fastapi-service/Compose]');
    // The worker has a health check of its own (a Celery ping); beat's is turned off, and reported.
    expect(summary).not.toContain('services/worker/healthcheck');
    expect(summary).toContain('compose.prod.yaml#services/beat/healthcheck');
  });

  test('prints through projen\'s logger by default: a warning when there are findings', () => {
    const { project } = exampleService({ policy: { print: undefined } });
    const warn = jest.spyOn(project.logger, 'warn').mockImplementation(() => undefined);
    Testing.synth(project);
    expect(warn.mock.calls.map((c) => String(c[0])).find((m) => m.startsWith('Keelson hardening policy'))).toBeDefined();
  });

  test('stops the synth on an error finding, naming the rule, the construct path, the finding and the fix', () => {
    const { project, gunicorn } = withPolicy();
    gunicorn.model.set({ name: 'bind', value: ['0.0.0.0:9000'] });
    expect(() => Testing.synth(project)).toThrow(new RegExp(
      'fastapi-service/HardeningPolicy: KS-X-001 HealthCheckProbesServedEndpoint \\[fastapi-service/Dockerfile\\] the image\'s HEALTHCHECK \\(Dockerfile\\) '
      + 'probes port 8000, but the server binds 9000: the container would never be healthy\\. Finding: Dockerfile#stage/runtime/HEALTHCHECK\\. Fix: Pass one ServiceEndpoint'));
  });

  test('reads the models when the synth runs: an escape hatch written after the policy is seen', () => {
    const { project, compose } = withPolicy();
    compose.production.service('app')!.privileged = true;
    expect(() => Testing.synth(project)).toThrow(/KS-CO-001 NoPrivileged \[fastapi-service\/Compose\] service 'app' runs privileged in compose.prod.yaml/);
  });

  test('leaves the previously generated files untouched when it stops a synth', () => {
    const outdir = serviceDir();
    withPolicy({}, outdir).project.synth();
    const before = snapshot(outdir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['Dockerfile', 'compose.prod.yaml', 'gunicorn.conf.py', 'nginx/nginx.conf',
      'hardening/report.json', 'hardening/report.sarif', 'hardening/docker-run.sh', '.projen/files.json']));

    // The same service, broken: another Python in the runtime stage, and the app scaled past the database's budget.
    const broken = withPolicy({}, outdir);
    broken.compose.production.service('app')!.deploy!.replicas = 4;
    broken.dockerfile.model.globalArgs.splice(1, 1, { keyword: 'ARG', args: 'RUNTIME_IMAGE=python:3.13.9-slim-bookworm' });
    expect(() => broken.project.synth()).toThrow(/KS-X-008 InterpreterMatchesVirtualenv[\s\S]*KS-X-009 DatabaseConnectionBudget/);
    expect(snapshot(outdir)).toEqual(before);
  });

  test('refuses an unknown pack, and no pack at all', () => {
    expect(() => withPolicy({ packs: ['paranoid'] })).toThrow(/fastapi-service\/HardeningPolicy: option 'packs' names 'paranoid', which is not a pack\. Fix: choose from 'baseline', 'strict'/);
    expect(() => withPolicy({ packs: [] })).toThrow(/option 'packs' is empty/);
  });

  test('runs every rule at error with the strict pack: the example service then fails on digests, health checks and forwarded headers', () => {
    const { project, policy } = withPolicy({ packs: ['strict'] });
    expect(() => Testing.synth(project)).toThrow(KeelsonSynthError);
    const ids = [...new Set((policy!.evaluate() as PolicyResult).findings.map((f) => f.id))].sort();
    expect(ids).toEqual(['KS-CO-012', 'KS-CO-014', 'KS-DF-003', 'KS-X-011']);
  });

  test('writes no reports and no script when told so', () => {
    const { project } = withPolicy({ reports: false, dockerRun: false });
    const out = Testing.synth(project);
    expect(Object.keys(out).filter((f) => f.startsWith('hardening/'))).toEqual([]);
  });

  test('writes its outputs where told', () => {
    const { project } = withPolicy({ outputDirectory: 'deploy/policy' });
    const out = Testing.synth(project);
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/policy/')).sort())
      .toEqual(['deploy/policy/docker-run.sh', 'deploy/policy/report.json', 'deploy/policy/report.sarif']);
    expect(existsSync(join(project.outdir, 'hardening'))).toBe(false);
  });
});

describe('a pack of your own', () => {
  test('runs its rules beside the baseline, with its ids and levels, and takes waivers for them', () => {
    const noMailpit: Pack = {
      name: 'house', description: 'our house rules',
      entries: [{
        id: 'HOUSE-001', level: 'error', why: 'we send mail through the relay only', fix: 'drop mailpit', references: [{ name: 'house handbook' }],
        rule: {
          name: 'NoMailpit', scope: 'single-file', what: 'no mail catcher',
          evaluate: (input) => input.composes.flatMap(({ path, model }) => model.files.filter((f) => f.document.services.mailpit)
            .map((f) => nonCompliant(`${f.path}#services/mailpit`, path, f.path, `${f.path} has mailpit`))),
        },
      }],
    };
    const { project } = withPolicy({ packs: ['baseline', noMailpit] });
    expect(() => Testing.synth(project)).toThrow(/HOUSE-001 NoMailpit \[fastapi-service\/Compose\] compose\.yaml has mailpit/);
    const waived = withPolicy({ packs: ['baseline', noMailpit], waivers: [{ id: 'HOUSE-001', finding: 'compose.yaml#services/mailpit', reason: 'development only: no mail leaves a laptop' }] });
    expect(() => Testing.synth(waived.project)).not.toThrow();
  });
});
