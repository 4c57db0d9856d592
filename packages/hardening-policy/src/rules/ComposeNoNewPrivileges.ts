import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';

/** Every service runs with no-new-privileges: no setuid binary or file capability raises a process's privileges. */
export const ComposeNoNewPrivileges: Rule = {
  name: 'ComposeNoNewPrivileges',
  scope: 'single-file',
  what: 'Every compose service sets security_opt no-new-privileges',
  evaluate: (input) => eachService(input.composes).map(({ path, file, name, service }) => {
    const set = (service.security_opt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(String(o)));
    return verdict(set, serviceTarget(file, name, 'security_opt'), path, file.path,
      () => `service '${name}' may gain privileges through setuid binaries in ${file.path} (no security_opt no-new-privileges:true)`);
  }),
};
