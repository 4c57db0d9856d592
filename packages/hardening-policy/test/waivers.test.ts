import { Testing } from 'projen';
import { Waiver } from '../src';
import { exampleService } from './support';

const TARGET = 'compose.prod.yaml#services/app/forwarded_allow_ips';
const REASON = 'nginx fixes the scheme with its own redirect; the app never builds absolute URLs or trusts client addresses';

function withWaivers(waivers: Waiver[], packs?: string[]) {
  const printed: string[] = [];
  const service = exampleService({ policy: { waivers, packs, print: (s) => printed.push(s) } });
  return { ...service, printed };
}

describe('waivers', () => {
  test('acknowledge one finding with a reason: it is listed as waived, with the reason, not as a finding', () => {
    const { project, policy, printed } = withWaivers([{ id: 'KS-X-011', finding: TARGET, reason: REASON }]);
    Testing.synth(project);
    const result = policy!.evaluate();
    expect(result.findings.map((f) => f.id)).not.toContain('KS-X-011');
    expect(result.waived).toEqual([expect.objectContaining({ id: 'KS-X-011', target: TARGET, waiver: expect.objectContaining({ reason: REASON }) })]);
    expect(printed[0]).toContain(`Waived:\n  KS-X-011 ${TARGET}  [fastapi-service/Compose]: ${REASON}`);
  });

  test('let an error finding through only where they name it', () => {
    const broken = (waivers: Waiver[]) => {
      const service = withWaivers(waivers);
      // Two findings of one rule: the worker and beat both privileged; the waiver names the worker's only.
      service.compose.production.service('worker')!.privileged = true;
      service.compose.production.service('beat')!.privileged = true;
      return service;
    };
    const waiver = { id: 'KS-CO-001', finding: 'compose.prod.yaml#services/worker/privileged', reason: 'the worker drives a USB token reader that needs raw device access' };
    expect(() => Testing.synth(broken([waiver]).project)).toThrow(/KS-CO-001 NoPrivileged \[fastapi-service\/Compose\] service 'beat' runs privileged/);
    expect(() => Testing.synth(broken([waiver]).project)).not.toThrow(/service 'worker' runs privileged/);
  });

  test('are reported when unused: the finding they name no longer exists', () => {
    const stale = { id: 'KS-CO-007', finding: 'compose.prod.yaml#services/app/read_only', reason: 'the app wrote its sessions to /app/sessions until release 1.4' };
    const { project, policy, printed } = withWaivers([stale]);
    Testing.synth(project);
    expect(policy!.evaluate().unusedWaivers).toEqual([stale]);
    expect(printed[0]).toContain('Unused waivers (no such finding any more: remove them):\n  KS-CO-007 compose.prod.yaml#services/app/read_only');
  });

  test('without a reason are a synth error', () => {
    expect(() => withWaivers([{ id: 'KS-X-011', finding: TARGET, reason: '' }]))
      .toThrow(/fastapi-service\/HardeningPolicy: option 'waivers\[0\]\.reason' is missing for KS-X-011 at compose\.prod\.yaml#services\/app\/forwarded_allow_ips\. Fix: write why/);
    expect(() => withWaivers([{ id: 'KS-X-011', finding: TARGET } as Waiver])).toThrow(/option 'waivers\[0\]\.reason' is missing/);
  });

  test.each(['n/a', 'todo: check later with the team', 'false positive', 'ok', 'short reason'])('with a placeholder or too short a reason (%s) are a synth error', (reason) => {
    expect(() => withWaivers([{ id: 'KS-X-011', finding: TARGET, reason }])).toThrow(/option 'waivers\[0\]\.reason' is '.*', which does not say why KS-X-011 is acceptable/);
  });

  test('for a rule id that does not exist are a synth error', () => {
    expect(() => withWaivers([{ id: 'KS-X-999', finding: TARGET, reason: REASON }]))
      .toThrow(/option 'waivers\[0\]\.id' is 'KS-X-999', which is not a rule id\. Fix: name one of the rule ids of RULES\.md/);
    expect(() => withWaivers([{ id: 'ForwardedHeadersTrusted', finding: TARGET, reason: REASON }])).toThrow(/is not a rule id/);
  });

  test('for a rule no active pack runs are a synth error', () => {
    expect(() => withWaivers([{ id: 'KS-DF-003', finding: 'Dockerfile#stage/runtime/FROM', reason: 'the registry is ours and immutable tags are enforced' }]))
      .toThrow(/option 'waivers\[0\]\.id' is 'KS-DF-003', a rule none of the active packs runs/);
    expect(() => withWaivers([{ id: 'KS-DF-003', finding: 'Dockerfile#stage/runtime/FROM', reason: 'the registry is ours and immutable tags are enforced' }], ['strict']))
      .not.toThrow();
  });

  test('for a whole rule (no finding), or twice for one finding, are a synth error', () => {
    expect(() => withWaivers([{ id: 'KS-X-011', finding: '*', reason: REASON }])).toThrow(/option 'waivers\[0\]\.finding' is '\*', not a finding's target.*never a whole rule/);
    expect(() => withWaivers([{ id: 'KS-X-011', finding: TARGET, reason: REASON }, { id: 'KS-X-011', finding: TARGET, reason: REASON }]))
      .toThrow(/option 'waivers\[1\]' waives KS-X-011 at .* again \(waivers\[0\] already does\)/);
  });
});
