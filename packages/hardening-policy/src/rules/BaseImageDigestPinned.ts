import { Rule, verdict } from '../rule';
import { externalBases } from '../private/dockerfile';
import { imageParts } from '../private/image';

/** Every base image is pinned by digest: the bytes built on are the bytes reviewed. */
export const BaseImageDigestPinned: Rule = {
  name: 'BaseImageDigestPinned',
  scope: 'single-file',
  what: 'Every FROM of the Dockerfile pins its image by sha256 digest',
  evaluate: (input) => input.dockerfiles.flatMap(({ path, model }) => externalBases(model).map(({ stage, base }) =>
    verdict(imageParts(base).digest !== undefined, `${model.file}#stage/${stage.name}/FROM`, path, model.file,
      () => `stage '${stage.name}' is built FROM '${base}', a tag the registry can move to other content`))),
};
