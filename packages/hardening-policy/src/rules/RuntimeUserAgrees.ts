import { Rule, Verdict, verdict } from '../rule';
import { APP_IMAGE_ROLES, eachService, serviceTarget } from '../private/compose';
import { dockerfileFor } from '../private/context';
import { finalStage, last, userOf } from '../private/dockerfile';
import { containerTarget, describeContainer } from '../private/kubernetes';

/**
 * One uid and gid for the app image everywhere: the Dockerfile's final USER (which owns the writable paths), the
 * security profile, compose's `user:` of every service that runs the image, and Kubernetes' runAsUser/runAsGroup.
 * A different uid runs the server as a user that owns nothing it must write.
 */
export const RuntimeUserAgrees: Rule = {
  name: 'RuntimeUserAgrees',
  scope: 'cross-file',
  what: "The app image's uid and gid agree across the Dockerfile's USER, the security profile, compose's user and Kubernetes' runAsUser/runAsGroup",
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    for (const { path, model } of input.dockerfiles) {
      const stage = finalStage(model);
      const user = stage ? last(stage, 'USER')?.args.trim() : undefined;
      if (!stage || !user) continue;
      const image = userOf(user);
      const expected = `${image.user}:${image.group ?? image.user}`;
      verdicts.push(verdict(expected === model.image.security.user, `${model.file}#stage/${stage.name}/USER`, path, model.file,
        () => `the image runs as ${expected}, but its security profile says ${model.image.security.user}`));
      for (const s of eachService(input.composes)) {
        if (!APP_IMAGE_ROLES.includes(s.role) || dockerfileFor(input, s.view.image)?.model !== model) continue;
        const given = s.service.user === undefined ? undefined : userOf(String(s.service.user));
        const actual = given ? `${given.user}:${given.group ?? given.user}` : expected;
        verdicts.push(verdict(actual === expected, serviceTarget(s.file, s.name, 'user'), s.path, s.file.path,
          () => `service '${s.name}' runs the image as ${actual} in ${s.file.path}, but the image runs as ${expected} and gives its writable paths to it`));
      }
      for (const { path: k8sPath, model: k8s } of input.kubernetes) {
        if (k8s.image && dockerfileFor(input, k8s.image)?.model !== model) continue;
        for (const workload of k8s.workloads) {
          for (const container of workload.containers.filter((c) => c.appImage)) {
            const uid = container.runAsUser ?? workload.podRunAsUser;
            const gid = container.runAsGroup ?? workload.podRunAsGroup;
            const actual = `${uid ?? image.user}:${gid ?? image.group ?? image.user}`;
            verdicts.push(verdict(actual === expected, containerTarget(workload, container, 'securityContext'), k8sPath, workload.file,
              () => `${describeContainer(workload, container)} runs as ${actual} (runAsUser:runAsGroup), but the image runs as ${expected}`));
          }
        }
      }
    }
    return verdicts;
  },
};
