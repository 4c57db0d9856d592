import { Rule, Verdict, compliant, nonCompliant } from '../rule';
import { copyParts } from '../private/dockerfile';

/** Local files are copied with COPY: ADD also unpacks archives and fetches URLs, which a plain copy never should. */
export const NoAddForLocalFiles: Rule = {
  name: 'NoAddForLocalFiles',
  scope: 'single-file',
  what: 'The Dockerfile copies local files with COPY, never ADD',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }): Verdict[] => {
    const found = model.stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'ADD').flatMap((add, index) => {
      const local = copyParts(add.args).sources.filter((s) => !/^(https?:\/\/|git@)/.test(s));
      return local.length === 0 ? [] : [nonCompliant(`${model.file}#stage/${stage.name}/ADD/${index}`, path, model.file,
        `stage '${stage.name}' has 'ADD ${add.args}', which adds the local ${local.join(', ')} (and would unpack an archive)`)];
    }));
    return found.length > 0 ? found : [compliant(`${model.file}#ADD`)];
  }),
};
