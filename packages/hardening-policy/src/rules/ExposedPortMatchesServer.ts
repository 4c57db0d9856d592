import { Rule, verdict } from '../rule';
import { imageArgv, imageEnvironment, serverViewFor, servedPort } from '../private/context';
import { all, finalStage } from '../private/dockerfile';

/** The image EXPOSEs the port its server binds: what `docker run -P` and readers of the image rely on. */
export const ExposedPortMatchesServer: Rule = {
  name: 'ExposedPortMatchesServer',
  scope: 'cross-file',
  what: 'The Dockerfile EXPOSEs the port the app server binds',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => {
    const stage = finalStage(model);
    if (!stage) return [];
    const served = servedPort(imageArgv(model), imageEnvironment(model), serverViewFor(input, model.appServer)?.model, model.image.endpoint.port);
    const exposed = all(stage, 'EXPOSE').flatMap((e) => e.args.trim().split(/\s+/)).map((p) => Number(p.replace(/\/(tcp|udp)$/, '')));
    return [verdict(served === undefined || exposed.includes(served), `${model.file}#stage/${stage.name}/EXPOSE`, path, model.file,
      () => `the image ${exposed.length > 0 ? `exposes ${exposed.join(', ')}` : 'exposes no port'}, but its server binds ${served}`)];
  }),
};
