import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/** No compose service or Kubernetes container runs privileged: it would have every capability and every host device. */
export const NoPrivileged: Rule = {
  name: 'NoPrivileged',
  scope: 'single-file',
  what: 'No compose service or Kubernetes container runs privileged',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) =>
      verdict(!(service.privileged === true || service.privileged === 'true'), serviceTarget(file, name, 'privileged'), path, file.path,
        () => `service '${name}' runs privileged in ${file.path}: every capability, every device of the host`)),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) =>
      verdict(container.privileged !== true, containerTarget(workload, container, 'securityContext', 'privileged'), path, workload.file,
        () => `${describeContainer(workload, container)} runs privileged (securityContext.privileged: true): every capability, every device of the node`)),
  ],
};
