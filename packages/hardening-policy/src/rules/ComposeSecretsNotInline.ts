import { Rule, verdict } from '../rule';
import { argvOf, eachService, environmentOf, serviceTarget } from '../private/compose';
import { isInterpolated, isSecretName, literalUrlPassword } from '../private/secrets';

/**
 * No secret is written in a production compose file: each comes from the environment of whoever runs compose
 * (`${NAME:?message}`, required) or from a secret file. A default (`${NAME:-x}`) is a password in the file.
 */
export const ComposeSecretsNotInline: Rule = {
  name: 'ComposeSecretsNotInline',
  scope: 'single-file',
  what: 'No password, token or key is written in a production compose file (environment, URLs, command flags)',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service }) => {
    if (file.environment !== 'production') return [];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(environmentOf(service))) {
      if (isSecretName(key) && value !== '' && !isInterpolated(value)) problems.push(`${key} is written in the file`);
      const password = literalUrlPassword(value);
      if (password !== undefined) problems.push(`${key} holds a URL with its password written in the file`);
    }
    const argv = argvOf(service.command);
    argv.forEach((arg, i) => {
      const next = argv[i + 1];
      if (/^--?[a-z-]*(pass|secret|token)[a-z-]*$/i.test(arg) && next !== undefined && !isInterpolated(next)) {
        problems.push(`the command passes ${arg} a value written in the file`);
      }
    });
    return [verdict(problems.length === 0, serviceTarget(file, name, 'environment'), path, file.path,
      () => `service '${name}' in ${file.path}: ${problems.join('; ')}`)];
  }),
};
