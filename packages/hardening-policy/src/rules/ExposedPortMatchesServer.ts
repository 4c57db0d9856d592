import { Rule, verdict } from '../rule';
import { imageArgv, imageEnvironment, serverViewFor, servedPort } from '../private/context';
import { all, finalStage } from '../private/dockerfile';
import {
  containerArgv, containerEnvironment, containerTarget, describeContainer, eachContainer, isAppWorkload, kubernetesServer,
} from '../private/kubernetes';

/**
 * The image EXPOSEs the port its server binds (what `docker run -P` and readers of the image rely on), and the
 * Kubernetes app container declares it as a containerPort (what its Service's targetPort and probes resolve).
 */
export const ExposedPortMatchesServer: Rule = {
  name: 'ExposedPortMatchesServer',
  scope: 'cross-file',
  what: 'The Dockerfile EXPOSEs, and the Kubernetes app container declares as a containerPort, the port the app server binds',
  evaluate: (input) => [
    ...input.dockerfiles.flatMap(({ path, model }) => {
      const stage = finalStage(model);
      if (!stage) return [];
      const served = servedPort(imageArgv(model), imageEnvironment(model), serverViewFor(input, model.appServer)?.model, model.image.endpoint.port);
      const exposed = all(stage, 'EXPOSE').flatMap((e) => e.args.trim().split(/\s+/)).map((p) => Number(p.replace(/\/(tcp|udp)$/, '')));
      return [verdict(served === undefined || exposed.includes(served), `${model.file}#stage/${stage.name}/EXPOSE`, path, model.file,
        () => `the image ${exposed.length > 0 ? `exposes ${exposed.join(', ')}` : 'exposes no port'}, but its server binds ${served}`)];
    }),
    ...eachContainer(input.kubernetes).flatMap(({ path, view, workload, container }) => {
      if (!container.appImage || container.init || !isAppWorkload(workload)) return [];
      const served = servedPort(containerArgv(input, view, container), containerEnvironment(input, view, container),
        kubernetesServer(input, view)?.model, view.image?.endpoint.port);
      if (served === undefined) return [];
      const declared = container.ports.map((p) => p.containerPort);
      return [verdict(declared.includes(served), containerTarget(workload, container, 'ports'), path, workload.file,
        () => `${describeContainer(workload, container)} ${declared.length > 0 ? `declares containerPort ${declared.join(', ')}` : 'declares no containerPort'}, `
          + `but its server binds ${served}: a Service or probe that names the port reaches nothing`)];
    }),
  ],
};
