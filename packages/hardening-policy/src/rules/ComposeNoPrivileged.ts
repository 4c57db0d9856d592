import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';

/** No service runs privileged: a privileged container has every capability and every host device. */
export const ComposeNoPrivileged: Rule = {
  name: 'ComposeNoPrivileged',
  scope: 'single-file',
  what: 'No compose service runs privileged',
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) =>
    verdict(!(service.privileged === true || service.privileged === 'true'), serviceTarget(file, name, 'privileged'), path, file.path,
      () => `service '${name}' runs privileged in ${file.path}: every capability, every device of the host`)),
};
