import { Rule, verdict } from '../rule';
import { all, copyParts, finalStage, last, userOf } from '../private/dockerfile';

/** Directories every user may write to in the images Keelson builds on (sticky, mode 1777), or that docker mounts. */
export const WORLD_WRITABLE = ['/tmp', '/var/tmp', '/dev/shm'];

/**
 * Every path the service writes is owned by the user the image runs as. On a tmpfs docker makes it writable to
 * all, but on a named volume (initialized from the image) or without a read-only root, a root-owned directory
 * leaves the server nowhere to write.
 */
export const WritablePathsOwnedByRuntimeUser: Rule = {
  name: 'WritablePathsOwnedByRuntimeUser',
  scope: 'cross-file',
  what: "Every writable path of the security profile is owned, in the image, by the user the image's final stage runs as",
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => {
    const stage = finalStage(model);
    if (!stage) return [];
    const runtime = userOf(last(stage, 'USER')?.args ?? '0');
    return model.image.security.writablePaths.filter((p) => !WORLD_WRITABLE.includes(p)).map((writable) => {
      const owners = [
        ...all(stage, 'COPY').map((c) => copyParts(c.args)).filter((c) => c.destination.replace(/\/$/, '') === writable && c.flags.chown)
          .map((c) => userOf(c.flags.chown)),
        ...all(stage, 'RUN').flatMap((r) => {
          const chown = new RegExp(`chown\\s+(?:-\\S+\\s+)*(\\S+)\\s+(?:\\S+\\s+)*${writable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).exec(r.args);
          return chown ? [userOf(chown[1])] : [];
        }),
      ];
      const owner = owners[owners.length - 1];
      const same = owner !== undefined && owner.user === runtime.user && (owner.group ?? owner.user) === (runtime.group ?? runtime.user);
      return verdict(same, `${model.file}#writable${writable}`, path, model.file, () => owner === undefined
        ? `${writable} is a writable path of the security profile, but the image never gives it to ${runtime.user}${runtime.group ? `:${runtime.group}` : ''}, `
          + 'the user it runs as: on a volume or a writable root, the server cannot write there'
        : `${writable} is owned by ${owner.user}:${owner.group ?? owner.user} in the image, but the image runs as ${runtime.user}:${runtime.group ?? runtime.user}`);
    });
  }),
};
