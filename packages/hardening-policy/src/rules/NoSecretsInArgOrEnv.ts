import { Rule, Verdict, compliant, nonCompliant } from '../rule';
import { argDeclarations, parseEnv } from '../private/dockerfile';
import { isSecretName } from '../private/secrets';

/**
 * No secret in ARG or ENV: build arguments are kept in the image's history and ENV in its config, readable by anyone
 * who can pull the image. A secret reaches a build through a secret mount and a container through its runtime.
 */
export const NoSecretsInArgOrEnv: Rule = {
  name: 'NoSecretsInArgOrEnv',
  scope: 'single-file',
  what: 'No ARG or ENV of the Dockerfile carries a secret (password, token, key)',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }): Verdict[] => {
    const found = [{ name: 'global', instructions: model.globalArgs }, ...model.stages].flatMap((stage) => [
      ...argDeclarations(stage.instructions).filter((a) => isSecretName(a.name)).map((a) => nonCompliant(
        `${model.file}#stage/${stage.name}/ARG/${a.name}`, path, model.file,
        `${stage.name === 'global' ? 'a global' : `stage '${stage.name}' has an`} ARG ${a.name}: build arguments are kept in the image's history`)),
      ...stage.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => Object.entries(parseEnv(i.args)))
        .filter(([name, value]) => isSecretName(name) && value !== '').map(([name]) => nonCompliant(
          `${model.file}#stage/${stage.name}/ENV/${name}`, path, model.file,
          `stage '${stage.name}' sets ENV ${name} to a value, which every container of the image and its config carry`)),
    ]);
    return found.length > 0 ? found : [compliant(`${model.file}#ARG,ENV`)];
  }),
};
