import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';

/** Every service runs on a read-only root: what it may write is listed (tmpfs, volumes), nothing else changes. */
export const ComposeReadOnlyRoot: Rule = {
  name: 'ComposeReadOnlyRoot',
  scope: 'single-file',
  what: 'Every compose service has a read-only root filesystem',
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) =>
    verdict(service.read_only === true || service.read_only === 'true', serviceTarget(file, name, 'read_only'), path, file.path,
      () => `service '${name}' has a writable root filesystem in ${file.path}`)),
};
