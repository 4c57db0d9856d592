import { Rule, verdict } from '../rule';
import { eachService, limitsOf, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/**
 * Every compose service has a CPU, a memory and a process limit, every Kubernetes container a CPU and a memory limit
 * (the kubelet's podPidsLimit bounds processes per pod): one runaway container cannot starve the host.
 */
export const LimitsSet: Rule = {
  name: 'LimitsSet',
  scope: 'single-file',
  what: 'Every compose service has a CPU, a memory and a pids limit; every Kubernetes container a CPU and a memory limit',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const limits = limitsOf(service);
      const missing = [limits.cpus === undefined ? 'CPU' : '', limits.memoryMiB === undefined ? 'memory' : '', limits.pids === undefined ? 'pids' : '']
        .filter((m) => m !== '');
      return verdict(missing.length === 0, serviceTarget(file, name, 'deploy/resources/limits'), path, file.path,
        () => `service '${name}' has no ${missing.join(', ')} limit in ${file.path}`);
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) => {
      const missing = [container.limits.cpu === undefined ? 'CPU' : '', container.limits.memory === undefined ? 'memory' : ''].filter((m) => m !== '');
      return verdict(missing.length === 0, containerTarget(workload, container, 'resources', 'limits'), path, workload.file,
        () => `${describeContainer(workload, container)} has no ${missing.join(', ')} limit (resources.limits)`);
    }),
  ],
};
