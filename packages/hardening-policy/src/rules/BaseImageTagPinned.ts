import { Rule, verdict } from '../rule';
import { externalBases } from '../private/dockerfile';
import { hasFixedTag, isUnresolved } from '../private/image';

/** Every base image names a fixed tag (not `latest`, not none) or a digest. */
export const BaseImageTagPinned: Rule = {
  name: 'BaseImageTagPinned',
  scope: 'single-file',
  what: 'Every FROM of the Dockerfile names a fixed tag (not latest, not none) or a digest',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => externalBases(model).map(({ stage, base }) =>
    verdict(!isUnresolved(base) && hasFixedTag(base), `${model.file}#stage/${stage.name}/FROM`, path, model.file, () => isUnresolved(base)
      ? `stage '${stage.name}' is built FROM '${stage.from}', a build argument without a default: the image is whatever the build passes`
      : `stage '${stage.name}' is built FROM '${base}', which ${base.includes(':') ? "is the moving 'latest' tag" : 'has no tag (latest)'}`))),
};
