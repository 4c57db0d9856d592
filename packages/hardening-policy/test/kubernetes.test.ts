import { KeelsonSynthError } from '@keelson/core';
import { Testing } from 'projen';
import { ALL_RULES, HardeningPolicyProps, PACKS, RULE_DOCS, evaluatePolicy } from '../src';
import { exampleService, inputOf } from './support';

const APP = 'fastapi-service';

/** The example service with its Kubernetes manifests (the real component, full stack), and the policy's baseline. */
function withKubernetes(policy: HardeningPolicyProps | false = {}) {
  const printed: string[] = [];
  const service = exampleService({ kubernetes: {}, policy: policy === false ? false : { print: (s) => printed.push(s), ...policy } });
  return { ...service, printed };
}

describe('the policy on Kubernetes manifests', () => {
  test('a full Kubernetes component passes the baseline with no error, no warning and no waiver; beat, which answers no probe, is reported as info', () => {
    const { project, policy } = withKubernetes();
    expect(() => Testing.synth(project)).not.toThrow();
    const result = policy!.evaluate();
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(result.waived).toEqual([]);
    expect(result.findings.filter((f) => f.file.startsWith('k8s/')).map((f) => `${f.level} ${f.id} ${f.target}`)).toEqual([
      `info KS-CO-014 k8s/beat.yaml#Deployment/${APP}-beat/containers/beat/probes`,
      // Not KS-X-011: the component sets gunicorn's FORWARDED_ALLOW_IPS to '*' on the app behind its Ingress.
    ]);
  });

  test("FORWARDED_ALLOW_IPS '*' in the ConfigMap trusts the ingress controller, the app's NetworkPolicy admitting nothing else", () => {
    const service = exampleService({ kubernetes: { environment: { FORWARDED_ALLOW_IPS: '*' } }, policy: false });
    const verdicts = ALL_RULES.find((r) => r.name === 'ForwardedHeadersTrusted')!.evaluate(inputOf(service)).filter((v) => v.target.startsWith('k8s/'));
    expect(verdicts).toEqual([{ status: 'compliant', target: `k8s/app.yaml#Deployment/${APP}/containers/app/forwarded_allow_ips` }]);
  });

  test('the rules that mean the same on Kubernetes check every workload of the manifests, each verdict on a stable k8s/ target', () => {
    const input = inputOf(exampleService({ kubernetes: {}, policy: false }));
    const checked = (name: string) => ALL_RULES.find((r) => r.name === name)!.evaluate(input).filter((v) => v.target.startsWith('k8s/'));
    const covering = ALL_RULES.filter((r) => checked(r.name).length > 0).map((r) => RULE_DOCS[r.name].id).sort();
    expect(covering).toEqual(['KS-CO-001', 'KS-CO-002', 'KS-CO-003', 'KS-CO-004', 'KS-CO-005', 'KS-CO-006', 'KS-CO-007', 'KS-CO-008', 'KS-CO-009',
      'KS-CO-010', 'KS-CO-011', 'KS-CO-012', 'KS-CO-013', 'KS-CO-014', 'KS-X-001', 'KS-X-002', 'KS-X-004', 'KS-X-005', 'KS-X-006', 'KS-X-007', 'KS-X-010', 'KS-X-011']);
    for (const rule of ALL_RULES) {
      for (const v of checked(rule.name)) expect(v.target).toMatch(/^k8s\/[a-z-]+\.yaml#(Deployment|StatefulSet|Job|Service|ConfigMap|Secret|Ingress)\/[a-z0-9-]+(\/\S+)?$/);
    }
    // Six workloads (app, worker, beat, migrate, postgres, redis), one container each: one verdict each for a per-container rule.
    expect(checked('NoPrivileged').map((v) => v.target)).toEqual([
      `k8s/app.yaml#Deployment/${APP}/containers/app/securityContext/privileged`,
      `k8s/worker.yaml#Deployment/${APP}-worker/containers/worker/securityContext/privileged`,
      `k8s/beat.yaml#Deployment/${APP}-beat/containers/beat/securityContext/privileged`,
      `k8s/migrate.yaml#Job/${APP}-migrate/containers/migrate/securityContext/privileged`,
      'k8s/postgres.yaml#StatefulSet/postgres/containers/postgres/securityContext/privileged',
      'k8s/redis.yaml#StatefulSet/redis/containers/redis/securityContext/privileged',
    ]);
    // The migration Job runs to completion: no probe is asked of it.
    expect(checked('HealthChecks').map((v) => v.target)).not.toContain(`k8s/migrate.yaml#Job/${APP}-migrate/containers/migrate/probes`);
  });

  test('an escape hatch that weakens a manifest stops the synth, naming the manifest, the workload and the value', () => {
    const { project, kubernetes } = withKubernetes();
    kubernetes!.model.find('Service', 'postgres').spec = { ...kubernetes!.model.find('Service', 'postgres').spec, clusterIP: undefined, type: 'LoadBalancer' };
    kubernetes!.model.find('Deployment', APP).spec.template.spec.containers[0].env[0] = { name: 'DATABASE_URL', value: 'postgresql://app:s3cret@postgres/app' };
    let error: unknown;
    try {
      Testing.synth(project);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    const message = (error as Error).message;
    expect(message).toContain('KS-CO-009 DataServicesNotExposed [fastapi-service/Kubernetes] data service StatefulSet \'postgres\' in k8s/postgres.yaml '
      + "is reachable from outside the cluster through Service 'postgres' in k8s/postgres.yaml (type LoadBalancer)");
    expect(message).toContain('Finding: k8s/postgres.yaml#Service/postgres/spec/type');
    expect(message).toContain(`KS-CO-013 SecretsNotInline [fastapi-service/Kubernetes] container 'app' of Deployment '${APP}' in k8s/app.yaml: `
      + 'DATABASE_URL holds a URL with its password written in the file');
  });

  test('a waiver names a Kubernetes finding by its target, as for compose', () => {
    const waiver = { id: 'KS-CO-005', finding: `k8s/worker.yaml#Deployment/${APP}-worker/containers/worker/resources/limits`,
      reason: 'the worker runs in a namespace whose LimitRange sets its limits, reviewed with the platform team' };
    const { project, kubernetes, policy } = withKubernetes({ waivers: [waiver] });
    delete kubernetes!.model.find('Deployment', `${APP}-worker`).spec.template.spec.containers[0].resources.limits;
    expect(() => Testing.synth(project)).not.toThrow();
    expect(policy!.evaluate().waived.map((f) => f.target)).toEqual([waiver.finding]);
  });

  test('the strict pack asks the cluster to pull every image by digest, the app image too', () => {
    const result = evaluatePolicy(inputOf(exampleService({ kubernetes: {}, policy: false })), [PACKS.strict]);
    const digests = result.findings.filter((f) => f.id === 'KS-CO-012' && f.file.startsWith('k8s/'));
    expect(digests.map((f) => f.message)).toContain(`container 'app' of Deployment '${APP}' in k8s/app.yaml pulls 'ghcr.io/acme/fastapi-service:1.0.0', `
      + 'a tag the registry can move to other content');
  });
});
