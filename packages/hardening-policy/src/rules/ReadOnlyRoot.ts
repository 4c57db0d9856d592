import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/** Every compose service and Kubernetes container runs on a read-only root: what it may write is listed, nothing else changes. */
export const ReadOnlyRoot: Rule = {
  name: 'ReadOnlyRoot',
  scope: 'single-file',
  what: 'Every compose service and Kubernetes container has a read-only root filesystem',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) =>
      verdict(service.read_only === true || service.read_only === 'true', serviceTarget(file, name, 'read_only'), path, file.path,
        () => `service '${name}' has a writable root filesystem in ${file.path}`)),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) =>
      verdict(container.readOnlyRootFilesystem === true, containerTarget(workload, container, 'securityContext', 'readOnlyRootFilesystem'), path, workload.file,
        () => `${describeContainer(workload, container)} has a writable root filesystem (readOnlyRootFilesystem is `
          + `${container.readOnlyRootFilesystem === undefined ? 'not set' : String(container.readOnlyRootFilesystem)})`)),
  ],
};
