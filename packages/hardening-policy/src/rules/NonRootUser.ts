import { Rule, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/**
 * Every compose service and Kubernetes container says it runs as a non-root user, whatever its image defaults to:
 * compose's `user:`; Kubernetes' runAsUser (not 0) or runAsNonRoot: true (the kubelet then refuses a root image).
 */
export const NonRootUser: Rule = {
  name: 'NonRootUser',
  scope: 'single-file',
  what: 'Every compose service sets a non-root user; every Kubernetes container a non-zero runAsUser or runAsNonRoot: true',
  evaluate: (input) => [
    ...eachService(input.composes).map(({ path, file, name, service }) => {
      const user = service.user === undefined ? undefined : String(service.user);
      const root = user === undefined || /^(0|root)(:|$)/.test(user);
      return verdict(!root, serviceTarget(file, name, 'user'), path, file.path,
        () => `service '${name}' ${user === undefined ? "sets no user, so it runs as its image's default user, often root," : `runs as '${user}', which is root,`} in ${file.path}`);
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) => {
      const uid = container.runAsUser ?? workload.podRunAsUser;
      const nonRoot = container.runAsNonRoot ?? workload.podRunAsNonRoot;
      return verdict(uid !== 0 && (uid !== undefined || nonRoot === true), containerTarget(workload, container, 'securityContext', 'runAsUser'), path, workload.file,
        () => `${describeContainer(workload, container)} ${uid === 0 ? 'runs as uid 0 (runAsUser: 0), which is root'
          : "sets neither runAsUser nor runAsNonRoot: true, so it runs as its image's default user, often root"}`);
    }),
  ],
};
