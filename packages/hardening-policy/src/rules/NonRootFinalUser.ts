import { Rule, verdict } from '../rule';
import { finalStage, last } from '../private/dockerfile';

/** The image's processes run as a non-root user: the final stage sets a non-root USER last. */
export const NonRootFinalUser: Rule = {
  name: 'NonRootFinalUser',
  scope: 'single-file',
  what: 'The final stage of the Dockerfile sets a non-root USER, and sets it last',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => {
    const stage = finalStage(model);
    if (!stage) return [];
    const user = last(stage, 'USER')?.args.trim();
    const root = user === undefined || /^(0|root)(:|$)/.test(user);
    return [verdict(!root, `${model.file}#stage/${stage.name}/USER`, path, model.file,
      () => `the final stage '${stage.name}' runs as ${user === undefined ? 'root (it has no USER instruction)' : `'${user}', which is root`}`)];
  }),
};
