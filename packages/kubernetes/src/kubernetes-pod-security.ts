import { KubernetesContainerView, KubernetesView, KubernetesWorkloadView } from '@keelson/core';

/** Kinds whose pod template is a workload. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'CronJob', 'Pod'];

/** The restricted Pod Security Standard's only capability that may be added back. */
export const RESTRICTED_ADDABLE_CAPABILITIES = ['NET_BIND_SERVICE'];

/** A workload as the policy reads it: core's view (one definition, in @keelson/core). */
export type KubernetesPodWorkloadView = KubernetesWorkloadView;

/** A container as the policy reads it: core's view. */
export type KubernetesPodContainerView = KubernetesContainerView;

/** The Kubernetes view the Kubernetes component registers: core's `KubernetesView`. */
export type KubernetesManifestsView = KubernetesView;

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

