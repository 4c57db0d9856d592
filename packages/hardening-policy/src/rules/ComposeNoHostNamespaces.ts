import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';

/** No service shares the host's network, process, IPC, UTS or user namespace. */
export const ComposeNoHostNamespaces: Rule = {
  name: 'ComposeNoHostNamespaces',
  scope: 'single-file',
  what: "No compose service shares the host's network, PID, IPC, UTS or user namespace",
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) => {
    const shared = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode'].filter((key) => service[key] === 'host');
    return verdict(shared.length === 0, serviceTarget(file, name, shared[0] ?? 'network_mode'), path, file.path,
      () => `service '${name}' shares the host's namespace in ${file.path}: ${shared.map((k) => `${k}: host`).join(', ')}`);
  }),
};
