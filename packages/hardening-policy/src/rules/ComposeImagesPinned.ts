import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, withDefaults } from '../private/compose';
import { hasFixedTag, isUnresolved } from '../private/image';

/** Every image compose pulls names a fixed tag (not `latest`, not none) or a digest. */
export const ComposeImagesPinned: Rule = {
  name: 'ComposeImagesPinned',
  scope: 'single-file',
  what: 'Every compose image names a fixed tag (not latest, not none) or a digest',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service }) => {
    if (service.image === undefined) return [];
    const image = withDefaults(String(service.image));
    const ok = !isUnresolved(image) && hasFixedTag(image);
    return [verdict(ok, serviceTarget(file, name, 'image'), path, file.path, () => isUnresolved(image)
      ? `service '${name}' runs '${service.image}' in ${file.path}, a variable without a default: the image is whatever the shell says`
      : `service '${name}' runs '${image}' in ${file.path}, which ${image.includes(':') ? "is the moving 'latest' tag" : 'has no tag (latest)'}`)];
  }),
};
