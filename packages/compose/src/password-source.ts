import { ComposeValue } from './compose-value';
import { ServiceSecret } from './compose-service';

/**
 * Where a password comes from in one file: a variable compose fills in (required in production, with a
 * development-only default in development), or a compose secret file read by the container (`*_FILE`).
 */
export type PasswordSource =
  | { readonly kind: 'variable'; readonly value: ComposeValue }
  | { readonly kind: 'file'; readonly secret: ServiceSecret };

/** Where the production passwords come from. */
export type PasswordMode = 'variables' | 'files';

/** The directory secrets are mounted from inside a container. */
export const SECRETS_MOUNT_DIR = '/run/secrets';

/** The path a secret has inside the container. */
export function secretPath(secret: ServiceSecret): string {
  return `${SECRETS_MOUNT_DIR}/${secret.name}`;
}

/**
 * The sources of one password: `variable` (e.g. POSTGRES_PASSWORD) with a development-only default in development,
 * and, in production, that variable required or, with `mode: 'files'`, the secret file `<dir>/<secretName>`.
 */
export function passwordSources(variable: string, what: string, mode: PasswordMode, secretsDirectory: string)
  : { development: PasswordSource; production: PasswordSource } {
  const secretName = variable.toLowerCase();
  return {
    development: { kind: 'variable', value: ComposeValue.withDefault(variable, 'development-only') },
    production: mode === 'files'
      ? { kind: 'file', secret: { name: secretName, file: `./${secretsDirectory}/${secretName}` } }
      : { kind: 'variable', value: ComposeValue.required(variable, `set ${variable} (${what}) in the environment or in .env`) },
  };
}
