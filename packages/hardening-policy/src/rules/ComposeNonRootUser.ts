import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';

/** Every service says which non-root user it runs as, whatever its image defaults to. */
export const ComposeNonRootUser: Rule = {
  name: 'ComposeNonRootUser',
  scope: 'single-file',
  what: 'Every compose service sets a non-root user',
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) => {
    const user = service.user === undefined ? undefined : String(service.user);
    const root = user === undefined || /^(0|root)(:|$)/.test(user);
    return verdict(!root, serviceTarget(file, name, 'user'), path, file.path,
      () => `service '${name}' ${user === undefined ? "sets no user, so it runs as its image's default user, often root," : `runs as '${user}', which is root,`} in ${file.path}`);
  }),
};
