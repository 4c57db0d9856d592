import { Rule, verdict } from '../rule';
import { eachService, limitsOf, serviceTarget } from '../private/compose';

/** Every service has a CPU, a memory and a process limit: one runaway container cannot starve the host. */
export const ComposeLimitsSet: Rule = {
  name: 'ComposeLimitsSet',
  scope: 'single-file',
  what: 'Every compose service has a CPU, a memory and a pids limit',
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) => {
    const limits = limitsOf(service);
    const missing = [limits.cpus === undefined ? 'CPU' : '', limits.memoryMiB === undefined ? 'memory' : '', limits.pids === undefined ? 'pids' : '']
      .filter((m) => m !== '');
    return verdict(missing.length === 0, serviceTarget(file, name, 'deploy/resources/limits'), path, file.path,
      () => `service '${name}' has no ${missing.join(', ')} limit in ${file.path}`);
  }),
};
