import { Rule, Verdict, verdict } from '../rule';
import { copyParts } from '../private/dockerfile';
import { isIgnored } from '../private/dockerignore';

/** Files a build context must never send to the builder, at any depth. */
export const SECRET_SAMPLES = ['.env', 'app/.env', '.env.production', 'tls/server.key', 'tls/server.pem', 'id_rsa', '.git/config'];

/**
 * The Dockerfile copies from the build context only through a .dockerignore that keeps secrets out (.env files, keys,
 * certificates, the git directory) at any depth: a `COPY app ./app` takes app/.env along otherwise.
 */
export const BuildContextExcludesSecrets: Rule = {
  name: 'BuildContextExcludesSecrets',
  scope: 'cross-file',
  what: 'A Dockerfile that copies from the build context has a .dockerignore that excludes .env files, keys and .git at any depth',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }): Verdict[] => {
    const copies = model.stages.flatMap((s) => s.instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !copyParts(i.args).flags.from));
    if (copies.length === 0) return [];
    const ignore = input.dockerignores[0]?.model;
    const leaked = ignore ? SECRET_SAMPLES.filter((sample) => !isIgnored(sample, ignore.patterns)) : SECRET_SAMPLES;
    return [verdict(leaked.length === 0, `${ignore?.file ?? '.dockerignore'}#secrets`, ignore ? input.dockerignores[0].path : path, ignore?.file ?? model.file,
      () => ignore
        ? `${ignore.file} lets ${leaked.join(', ')} into the build context that ${model.file} copies from`
        : `${model.file} copies from the build context, and the project has no .dockerignore: ${leaked.join(', ')} would be sent along`)];
  }),
};
