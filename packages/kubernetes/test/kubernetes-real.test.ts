/**
 * The manifests through what reads them: Kubernetes' OpenAPI schema (kubernetes-models 5.1, whose schemas are of a
 * newer Kubernetes than 1.33 — the nearest it ships — and a superset of the 1.33 fields cdk8s-plus-33 targets),
 * and the restricted Pod Security Standard's requirements as assertions. Then semantic assertions.
 */
import { spawnSync } from 'child_process';
import { KubernetesManifest } from '../src';
import { FULL_STACK, find, schemaProblems, synthKubernetes } from './support';

const full = synthKubernetes(FULL_STACK);
const external = synthKubernetes({ ...FULL_STACK, postgres: {}, redis: {} });
const minimal = synthKubernetes();

function podSpecs(manifests: KubernetesManifest[]): Array<[string, any]> {
  return manifests.filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind)).map((m) => [`${m.kind}/${m.metadata.name}`, m.spec.template.spec]);
}

describe('every manifest validates against the Kubernetes OpenAPI schema', () => {
  test.each([['the full in-cluster stack', full], ['the full stack with external services', external], ['the app alone', minimal]])('%s', (_, result) => {
    expect(result.manifests.length).toBeGreaterThan(0);
    expect(schemaProblems(result.manifests)).toEqual([]);
  });

  test('the validator does reject a manifest the API server would reject', () => {
    const broken = JSON.parse(JSON.stringify(find(full.manifests, 'Deployment', 'svc')));
    delete broken.spec.selector;
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eight thousand';
    const problems = schemaProblems([broken]);
    expect(problems).toHaveLength(1);
    expect(problems[0].error).toMatch(/selector|containerPort/);
  });
});

describe('every pod meets the restricted Pod Security Standard', () => {
  const pods = [...podSpecs(full.manifests), ...podSpecs(external.manifests)];
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

  test('there are pods to check: app, worker, beat, migrate, postgres, redis', () => {
    expect(podSpecs(full.manifests).map(([n]) => n).sort()).toEqual(
      ['Deployment/svc', 'Deployment/svc-beat', 'Deployment/svc-worker', 'Job/svc-migrate', 'StatefulSet/postgres', 'StatefulSet/redis']);
  });

  test.each(pods)('%s runs non-root with RuntimeDefault seccomp, no host namespaces and allowed volumes only', (_, spec) => {
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.hostPID ?? false).toBe(false);
    expect(spec.hostIPC ?? false).toBe(false);
    expect(spec.automountServiceAccountToken).toBe(false);
    for (const volume of spec.volumes ?? []) {
      const type = Object.keys(volume).find((k) => k !== 'name');
      expect(allowedVolumes).toContain(type);
    }
  });

  test.each(pods)('%s: every container drops ALL capabilities, cannot escalate and has a read-only root', (_, spec) => {
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const sc = c.securityContext;
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.privileged).toBe(false);
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.capabilities.drop).toEqual(['ALL']);
      for (const added of sc.capabilities.add ?? []) expect(added).toBe('NET_BIND_SERVICE');
      expect(['RuntimeDefault', 'Localhost']).toContain(sc.seccompProfile.type);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(c.resources.limits).toBeDefined();
      if (c.securityContext.runAsUser !== undefined) expect(c.securityContext.runAsUser).not.toBe(0);
    }
  });

  test('the app pods run as the image profile\'s uid and gid, with an emptyDir for each writable path', () => {
    const spec = find(full.manifests, 'Deployment', 'svc').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
    expect(spec.volumes).toEqual([{ name: 'writable-0', emptyDir: {} }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'writable-0', mountPath: '/tmp' }]);
  });
});

describe('semantics', () => {
  test('the probes hit the health path on the container port', () => {
    const container = find(full.manifests, 'Deployment', 'svc').spec.template.spec.containers[0];
    const port = container.ports.find((p: any) => p.name === 'http');
    expect(port.containerPort).toBe(8000);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    }
  });

  test('the worker\'s probe script is Python that /usr/bin/python3 parses, addressed to this pod\'s node name', () => {
    const command: string[] = find(full.manifests, 'Deployment', 'svc-worker').spec.template.spec.containers[0].livenessProbe.exec.command;
    const parse = spawnSync('/usr/bin/python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: command[2], encoding: 'utf-8' });
    expect(parse.stderr).toBe('');
    expect(parse.status).toBe(0);
    expect(command[2]).toMatch(/destination=\["celery@" \+ socket\.gethostname\(\)\]/);
  });

  test('the Service targets the app pods\' http port', () => {
    const service = find(full.manifests, 'Service', 'svc');
    expect(service.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
    expect(service.spec.selector).toEqual(find(full.manifests, 'Deployment', 'svc').spec.selector.matchLabels);
  });

  test('the HPA targets the app Deployment', () => {
    const hpa = find(full.manifests, 'HorizontalPodAutoscaler', 'svc');
    const app = full.manifests.find((m) => m.kind === hpa.spec.scaleTargetRef.kind && m.metadata.name === hpa.spec.scaleTargetRef.name)!;
    expect(hpa.spec.scaleTargetRef.apiVersion).toBe(app.apiVersion);
    expect(app.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('app');
  });

  test('the PodDisruptionBudget selects the app pods', () => {
    const pdb = find(full.manifests, 'PodDisruptionBudget', 'svc');
    expect(pdb.spec.selector.matchLabels).toEqual(find(full.manifests, 'Deployment', 'svc').spec.selector.matchLabels);
  });

  describe('the NetworkPolicies allow app -> db and deny everything else to db', () => {
    const policies = full.manifests.filter((m) => m.kind === 'NetworkPolicy');
    const pods = podSpecs(full.manifests).map(([name]) => {
      const m = full.manifests.find((x) => `${x.kind}/${x.metadata.name}` === name)!;
      return { name, labels: m.spec.template.metadata.labels as Record<string, string> };
    });
    const selects = (selector: any, labels: Record<string, string>) =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    /** Whether a pod with `from` labels (same namespace) may open `port` on a pod with `to` labels. */
    const allowed = (from: Record<string, string>, to: Record<string, string>, port: number) => {
      const applying = policies.filter((p) => selects(p.spec.podSelector, to) && p.spec.policyTypes.includes('Ingress'));
      if (applying.length === 0) return true;
      return applying.some((p) => (p.spec.ingress ?? []).some((rule: any) =>
        (rule.from ?? []).some((peer: any) => peer.podSelector && !peer.namespaceSelector && selects(peer.podSelector, from))
        && (rule.ports ?? []).some((p2: any) => p2.port === port)));
    };
    const labelsOf = (name: string) => pods.find((p) => p.name === name)!.labels;

    test('app, worker and migrate reach postgres on 5432', () => {
      for (const client of ['Deployment/svc', 'Deployment/svc-worker', 'Job/svc-migrate']) {
        expect(allowed(labelsOf(client), labelsOf('StatefulSet/postgres'), 5432)).toBe(true);
      }
    });

    test('beat, redis and any other pod of the namespace do not reach postgres', () => {
      for (const client of ['Deployment/svc-beat', 'StatefulSet/redis']) {
        expect(allowed(labelsOf(client), labelsOf('StatefulSet/postgres'), 5432)).toBe(false);
      }
      expect(allowed({ app: 'intruder' }, labelsOf('StatefulSet/postgres'), 5432)).toBe(false);
    });

    test('app, worker and beat reach redis; migrate and strangers do not', () => {
      for (const client of ['Deployment/svc', 'Deployment/svc-worker', 'Deployment/svc-beat']) {
        expect(allowed(labelsOf(client), labelsOf('StatefulSet/redis'), 6379)).toBe(true);
      }
      expect(allowed(labelsOf('Job/svc-migrate'), labelsOf('StatefulSet/redis'), 6379)).toBe(false);
      expect(allowed({ app: 'intruder' }, labelsOf('StatefulSet/redis'), 6379)).toBe(false);
    });

    test('only the ingress controller\'s namespace reaches the app, on the app port', () => {
      expect(allowed(labelsOf('Deployment/svc-worker'), labelsOf('Deployment/svc'), 8000)).toBe(false);
      const app = find(full.manifests, 'NetworkPolicy', 'svc-app');
      expect(app.spec.ingress).toEqual([{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ protocol: 'TCP', port: 8000 }],
      }]);
    });

    test('a default-deny policy selects every pod of the service', () => {
      const deny = find(full.manifests, 'NetworkPolicy', 'svc-default-deny');
      expect(deny.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'svc' } }, policyTypes: ['Ingress'] });
      for (const pod of pods) expect(selects(deny.spec.podSelector, pod.labels)).toBe(true);
    });
  });

  test('secrets are referenced, never written', () => {
    expect(full.manifests.some((m) => m.kind === 'Secret')).toBe(false);
    const env = find(full.manifests, 'Deployment', 'svc').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'svc-database', key: 'DATABASE_URL' } } },
      { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'svc-redis', key: 'REDIS_URL' } } },
    ]);
    const postgres = find(full.manifests, 'StatefulSet', 'postgres').spec.template.spec.containers[0];
    expect(postgres.env[0]).toEqual({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'svc-postgres', key: 'POSTGRES_PASSWORD' } } });
  });

  test('external PostgreSQL and Redis add no StatefulSet and no policy for them', () => {
    expect(external.manifests.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    expect(external.manifests.filter((m) => m.kind === 'NetworkPolicy').map((m) => m.metadata.name)).toEqual(['svc-default-deny', 'svc-app']);
    expect(Object.keys(external.text).sort()).toEqual(['k8s/app.yaml', 'k8s/beat.yaml', 'k8s/ingress.yaml', 'k8s/migrate.yaml', 'k8s/network-policies.yaml', 'k8s/worker.yaml']);
  });
});
