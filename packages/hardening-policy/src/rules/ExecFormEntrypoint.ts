import { Rule, verdict } from '../rule';
import { execArgs, finalStage } from '../private/dockerfile';

/**
 * ENTRYPOINT and CMD in exec form: in shell form /bin/sh is PID 1, never forwards SIGTERM, and the server is killed
 * without a graceful shutdown (and a shell-less image cannot start at all).
 */
export const ExecFormEntrypoint: Rule = {
  name: 'ExecFormEntrypoint',
  scope: 'single-file',
  what: 'ENTRYPOINT and CMD of the final stage use the exec (JSON) form',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => {
    const stage = finalStage(model);
    if (!stage) return [];
    return stage.instructions.filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD').map((i) =>
      verdict(execArgs(i.args) !== undefined, `${model.file}#stage/${stage.name}/${i.keyword}`, path, model.file,
        () => `the final stage '${stage.name}' has '${i.keyword} ${i.args}' in shell form: /bin/sh becomes PID 1 and does not pass SIGTERM on`));
  }),
};
