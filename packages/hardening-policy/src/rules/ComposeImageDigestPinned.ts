import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, withDefaults } from '../private/compose';
import { imageParts } from '../private/image';

/** Every image compose pulls (not builds) is pinned by digest. */
export const ComposeImageDigestPinned: Rule = {
  name: 'ComposeImageDigestPinned',
  scope: 'single-file',
  what: 'Every image compose pulls (rather than builds) is pinned by sha256 digest',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service }) => {
    if (service.image === undefined || service.build !== undefined) return [];
    const image = withDefaults(String(service.image));
    return [verdict(imageParts(image).digest !== undefined, serviceTarget(file, name, 'image'), path, file.path,
      () => `service '${name}' pulls '${image}' in ${file.path}, a tag the registry can move to other content`)];
  }),
};
