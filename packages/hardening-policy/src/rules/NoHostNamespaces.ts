import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { describeWorkload, eachWorkload, workloadTarget } from '../private/kubernetes';

/** No compose service or Kubernetes pod shares the host's network, process, IPC (compose: UTS, user) namespace. */
export const NoHostNamespaces: Rule = {
  name: 'NoHostNamespaces',
  scope: 'single-file',
  what: "No compose service shares the host's network, PID, IPC, UTS or user namespace; no Kubernetes pod sets hostNetwork, hostPID or hostIPC",
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const shared = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode'].filter((key) => service[key] === 'host');
      return verdict(shared.length === 0, serviceTarget(file, name, shared[0] ?? 'network_mode'), path, file.path,
        () => `service '${name}' shares the host's namespace in ${file.path}: ${shared.map((k) => `${k}: host`).join(', ')}`);
    }),
    ...eachWorkload(input.kubernetes).map(({ path, workload }) => {
      const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((key) => workload[key]);
      return verdict(shared.length === 0, workloadTarget(workload, shared[0] ?? 'hostNetwork'), path, workload.file,
        () => `${describeWorkload(workload)} shares the node's namespace: ${shared.map((k) => `${k}: true`).join(', ')}`);
    }),
  ],
};
