import {
  IAppServer, IContainerImage, KubernetesContainerView, KubernetesEnvVarView, KubernetesProbeView, KubernetesServiceView, KubernetesView,
  KubernetesWorkloadView,
} from '@keelson/core';
import { KubernetesManifest } from './kubernetes-model';
import { WORKLOAD_KINDS } from './kubernetes-pod-security';

const PROBE_KINDS = ['startup', 'readiness', 'liveness'] as const;
const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

/** What the view needs besides the manifests. */
export interface KubernetesViewContext {
  /** The app image as the cluster pulls it: containers that run it are `appImage`. */
  readonly imageName: string;
  readonly image?: IContainerImage;
  readonly appServer?: IAppServer;
}

/** The pod spec of a workload manifest, if it has one. */
export function podSpecOf(m: KubernetesManifest): any {
  if (m.kind === 'Pod') return m.spec;
  if (m.kind === 'CronJob') return m.spec?.jobTemplate?.spec?.template?.spec;
  return m.spec?.template?.spec;
}

function podLabelsOf(m: KubernetesManifest): Record<string, string> {
  if (m.kind === 'Pod') return { ...(m.metadata.labels ?? {}) };
  if (m.kind === 'CronJob') return { ...(m.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {}) };
  return { ...(m.spec?.template?.metadata?.labels ?? {}) };
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

function container(c: any, writableVolumes: Set<string>, init: boolean, imageName: string): KubernetesContainerView {
  const sc = c.securityContext ?? {};
  const ports = (c.ports ?? []) as any[];
  const probes: KubernetesProbeView[] = PROBE_KINDS.filter((k) => c[`${k}Probe`] !== undefined).map((k) => {
    const probe = c[`${k}Probe`] ?? {};
    const handler = PROBE_HANDLERS.find((h) => probe[h] !== undefined) ?? 'unknown';
    const spec = probe[handler] ?? {};
    const port = typeof spec.port === 'string' ? ports.find((p) => p.name === spec.port)?.containerPort ?? spec.port : spec.port;
    return {
      kind: k,
      handler,
      ...(handler === 'httpGet' ? { path: spec.path ?? '/' } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(handler === 'exec' ? { command: strings(spec.command) ?? [] } : {}),
    };
  });
  const env: KubernetesEnvVarView[] = (c.env ?? []).map((e: any): KubernetesEnvVarView => {
    const from = e.valueFrom ?? {};
    const secret = from.secretKeyRef;
    const other = ['configMapKeyRef', 'fieldRef', 'resourceFieldRef'].find((k) => from[k] !== undefined);
    return {
      name: String(e.name),
      ...(e.value !== undefined ? { value: String(e.value) } : {}),
      ...(secret ? { secretRef: { name: String(secret.name), key: String(secret.key) } } : {}),
      ...(other ? { from: other } : {}),
    };
  });
  const mounts = ((c.volumeMounts ?? []) as any[]).map((v) => ({ name: String(v.name), mountPath: String(v.mountPath), readOnly: v.readOnly === true }));
  return {
    name: c.name,
    image: c.image,
    init,
    appImage: imageName !== '' && c.image === imageName,
    command: strings(c.command),
    args: strings(c.args),
    runAsUser: sc.runAsUser,
    runAsGroup: sc.runAsGroup,
    runAsNonRoot: sc.runAsNonRoot,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
    privileged: sc.privileged,
    allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
    capabilitiesDrop: strings(sc.capabilities?.drop) ?? [],
    capabilitiesAdd: strings(sc.capabilities?.add) ?? [],
    seccompProfileType: sc.seccompProfile?.type,
    limits: { ...(c.resources?.limits?.cpu !== undefined ? { cpu: String(c.resources.limits.cpu) } : {}),
      ...(c.resources?.limits?.memory !== undefined ? { memory: String(c.resources.limits.memory) } : {}) },
    requests: { ...(c.resources?.requests?.cpu !== undefined ? { cpu: String(c.resources.requests.cpu) } : {}),
      ...(c.resources?.requests?.memory !== undefined ? { memory: String(c.resources.requests.memory) } : {}) },
    probes,
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), containerPort: p.containerPort,
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}) })),
    hostPorts: ports.map((p) => p.hostPort).filter((p): p is number => p !== undefined && p !== 0),
    env,
    envFromConfigMaps: ((c.envFrom ?? []) as any[]).map((e) => e.configMapRef?.name).filter((n): n is string => typeof n === 'string'),
    volumeMounts: mounts,
    writablePaths: mounts.filter((v) => writableVolumes.has(v.name) && !v.readOnly).map((v) => v.mountPath),
  };
}

function workload(file: string, m: KubernetesManifest, imageName: string): KubernetesWorkloadView | undefined {
  const pod = podSpecOf(m);
  if (!pod) return undefined;
  const psc = pod.securityContext ?? {};
  const volumes = ((pod.volumes ?? []) as any[]).map((v) => {
    const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    return { name: String(v.name), type, ...(type === 'hostPath' ? { hostPath: String(v.hostPath?.path ?? '') } : {}) };
  });
  const writableVolumes = new Set([
    ...volumes.filter((v) => ['emptyDir', 'persistentVolumeClaim', 'ephemeral'].includes(v.type)).map((v) => v.name),
    ...((m.spec?.volumeClaimTemplates ?? []) as any[]).map((t) => t.metadata?.name),
  ]);
  return {
    file,
    kind: m.kind,
    name: m.metadata.name,
    role: m.metadata.labels?.['app.kubernetes.io/component'],
    podLabels: podLabelsOf(m),
    restartPolicy: pod.restartPolicy,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    podRunAsUser: psc.runAsUser,
    podRunAsGroup: psc.runAsGroup,
    podRunAsNonRoot: psc.runAsNonRoot,
    seccompProfileType: psc.seccompProfile?.type,
    hostNetwork: pod.hostNetwork === true,
    hostPID: pod.hostPID === true,
    hostIPC: pod.hostIPC === true,
    automountServiceAccountToken: pod.automountServiceAccountToken,
    volumes,
    volumeTypes: volumes.map((v) => v.type),
    containers: [
      ...((pod.initContainers ?? []) as any[]).map((c) => container(c, writableVolumes, true, imageName)),
      ...((pod.containers ?? []) as any[]).map((c) => container(c, writableVolumes, false, imageName)),
    ],
  };
}

function service(file: string, m: KubernetesManifest): KubernetesServiceView {
  const spec = m.spec ?? {};
  return {
    file,
    name: m.metadata.name,
    type: spec.type ?? 'ClusterIP',
    headless: spec.clusterIP === 'None',
    selector: { ...(spec.selector ?? {}) },
    ports: ((spec.ports ?? []) as any[]).map((p) => ({
      ...(p.name !== undefined ? { name: p.name } : {}), port: p.port,
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}), ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    })),
    externalIPs: strings(spec.externalIPs) ?? [],
  };
}

/** The resolved view of manifests by file: workloads, Services and a copy of every object, as they are now. */
export function kubernetesView(files: Readonly<Record<string, readonly KubernetesManifest[]>>, context: KubernetesViewContext): KubernetesView {
  const workloads: KubernetesWorkloadView[] = [];
  const services: KubernetesServiceView[] = [];
  for (const [file, manifests] of Object.entries(files)) {
    for (const m of manifests) {
      if (WORKLOAD_KINDS.includes(m.kind)) {
        const w = workload(file, m, context.imageName);
        if (w) workloads.push(w);
      } else if (m.kind === 'Service' && m.apiVersion === 'v1') {
        services.push(service(file, m));
      }
    }
  }
  const manifests = Object.entries(files).flatMap(([file, list]) => list.map((m) => ({ file, manifest: JSON.parse(JSON.stringify(m)) })));
  return {
    workloads, services, manifests,
    ...(context.image ? { image: context.image } : {}),
    ...(context.appServer ? { appServer: context.appServer } : {}),
  };
}
