import { KubernetesContainerView, KubernetesWorkloadView } from '@keelson/core';

/** Kinds whose pod template is a workload. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'CronJob', 'Pod'];

/** The restricted Pod Security Standard's only capability that may be added back. */
export const RESTRICTED_ADDABLE_CAPABILITIES = ['NET_BIND_SERVICE'];

/** A workload as the policy reads it: core's view plus the pod-security fields of the restricted standard. */
export interface KubernetesPodWorkloadView extends KubernetesWorkloadView {
  readonly kind: string;
  /** The `app.kubernetes.io/component` label: `app`, `worker`, `beat`, `migrate`, `postgres`, `redis`, or what a user set. */
  readonly role?: string;
  /** Seconds between SIGTERM and SIGKILL (Kubernetes' default is 30). */
  readonly terminationGracePeriodSeconds?: number;
  readonly podRunAsNonRoot?: boolean;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly automountServiceAccountToken?: boolean;
  readonly seccompProfileType?: string;
  /** Volume types (`emptyDir`, `configMap`, ...), one per volume. */
  readonly volumeTypes: readonly string[];
  readonly containers: readonly KubernetesPodContainerView[];
}

/** A container as the policy reads it. */
export interface KubernetesPodContainerView extends KubernetesContainerView {
  readonly runAsNonRoot?: boolean;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilitiesDrop: readonly string[];
  readonly capabilitiesAdd: readonly string[];
  readonly seccompProfileType?: string;
  readonly hasResourceLimits: boolean;
  readonly hasProbes: boolean;
  /** Ports bound on the node (`hostPort`), which the baseline standard already forbids. */
  readonly hostPorts: readonly number[];
  /** Container ports, by name when named. */
  readonly ports: readonly { readonly name?: string; readonly containerPort: number }[];
  /** HTTP probes, with the port resolved to a number when it names a container port. */
  readonly httpProbes: readonly { readonly kind: 'startup' | 'readiness' | 'liveness'; readonly path?: string; readonly port?: number | string }[];
  /** Environment variables: literal values, or where they are read from (never a secret value: those are references). */
  readonly env: readonly { readonly name: string; readonly value?: string; readonly secretRef?: { readonly name: string; readonly key: string } }[];
  /** Where writable volumes are mounted (emptyDir, persistentVolumeClaim). */
  readonly writablePaths: readonly string[];
}

/** The Kubernetes view the Kubernetes component registers: workloads, and every manifest as it will be written. */
export interface KubernetesManifestsView {
  readonly workloads: readonly KubernetesPodWorkloadView[];
  /** Every object by file, a copy of the model at the time of reading (Services, Ingress, NetworkPolicies, ...). */
  readonly manifests: readonly { readonly file: string; readonly manifest: Readonly<Record<string, any>> }[];
}

/** The restricted Pod Security Standard (Kubernetes 1.33), as problems of one workload. */
export function restrictedViolations(w: KubernetesPodWorkloadView): string[] {
  const problems: string[] = [];
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  if (w.hostNetwork || w.hostPID || w.hostIPC) problems.push('shares a host namespace (hostNetwork, hostPID or hostIPC)');
  for (const type of w.volumeTypes) {
    if (!allowedVolumes.includes(type)) problems.push(`mounts a '${type}' volume, which the restricted standard forbids`);
  }
  for (const c of w.containers) {
    const at = `container '${c.name}'`;
    if (c.privileged) problems.push(`${at} is privileged`);
    if (c.hostPorts.length > 0) problems.push(`${at} binds host port ${c.hostPorts.join(', ')}`);
    if (c.allowPrivilegeEscalation !== false) problems.push(`${at} does not set allowPrivilegeEscalation: false`);
    if (!(c.runAsNonRoot ?? w.podRunAsNonRoot)) problems.push(`${at} does not set runAsNonRoot: true`);
    if ((c.runAsUser ?? w.podRunAsUser) === 0) problems.push(`${at} runs as uid 0`);
    if (!c.capabilitiesDrop.includes('ALL')) problems.push(`${at} does not drop ALL capabilities`);
    const extra = c.capabilitiesAdd.filter((cap) => !RESTRICTED_ADDABLE_CAPABILITIES.includes(cap));
    if (extra.length > 0) problems.push(`${at} adds ${extra.join(', ')}; only NET_BIND_SERVICE is allowed`);
    const seccomp = c.seccompProfileType ?? w.seccompProfileType;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at} has no RuntimeDefault or Localhost seccomp profile`);
  }
  return problems;
}

