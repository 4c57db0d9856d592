import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/**
 * Every compose service runs with no-new-privileges, every Kubernetes container with allowPrivilegeEscalation: false
 * (the same no_new_privs flag): no setuid binary or file capability raises a process's privileges.
 */
export const NoNewPrivileges: Rule = {
  name: 'NoNewPrivileges',
  scope: 'single-file',
  what: 'Every compose service sets security_opt no-new-privileges; every Kubernetes container allowPrivilegeEscalation: false',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const set = (service.security_opt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(String(o)));
      return verdict(set, serviceTarget(file, name, 'security_opt'), path, file.path,
        () => `service '${name}' may gain privileges through setuid binaries in ${file.path} (no security_opt no-new-privileges:true)`);
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) =>
      verdict(container.allowPrivilegeEscalation === false, containerTarget(workload, container, 'securityContext', 'allowPrivilegeEscalation'), path, workload.file,
        () => `${describeContainer(workload, container)} may gain privileges through setuid binaries (allowPrivilegeEscalation is `
          + `${container.allowPrivilegeEscalation === undefined ? 'not set, so true' : String(container.allowPrivilegeEscalation)})`)),
  ],
};
