import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/** Capabilities that amount to control of the host or of other containers. */
export const DANGEROUS_CAPABILITIES = ['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'SYS_RAWIO', 'DAC_READ_SEARCH',
  'SYS_BOOT', 'MAC_ADMIN', 'MAC_OVERRIDE', 'BPF', 'PERFMON', 'SYSLOG'];

const norm = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

/** Every compose service and Kubernetes container drops every capability and adds back none that controls the host. */
export const CapabilitiesDropped: Rule = {
  name: 'CapabilitiesDropped',
  scope: 'single-file',
  what: 'Every compose service and Kubernetes container drops ALL capabilities and adds back none that controls the host',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const dropsAll = (service.cap_drop ?? []).map(norm).includes('ALL');
      const dangerous = (service.cap_add ?? []).map(norm).filter((c) => DANGEROUS_CAPABILITIES.includes(c));
      return verdict(dropsAll && dangerous.length === 0, serviceTarget(file, name, 'cap_drop'), path, file.path, () => [
        dropsAll ? undefined : `service '${name}' keeps docker's default capabilities in ${file.path} (no cap_drop: [ALL])`,
        dangerous.length === 0 ? undefined : `service '${name}' adds back ${dangerous.join(', ')} in ${file.path}`,
      ].filter(Boolean).join('; '));
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) => {
      const dropsAll = container.capabilitiesDrop.map(norm).includes('ALL');
      const dangerous = container.capabilitiesAdd.map(norm).filter((c) => DANGEROUS_CAPABILITIES.includes(c));
      const where = describeContainer(workload, container);
      return verdict(dropsAll && dangerous.length === 0, containerTarget(workload, container, 'securityContext', 'capabilities'), path, workload.file, () => [
        dropsAll ? undefined : `${where} keeps the runtime's default capabilities (capabilities.drop ${container.capabilitiesDrop.length > 0
          ? `is [${container.capabilitiesDrop.join(', ')}], without ALL` : 'is not set'})`,
        dangerous.length === 0 ? undefined : `${where} adds back ${dangerous.join(', ')}`,
      ].filter(Boolean).join('; '));
    }),
  ],
};
