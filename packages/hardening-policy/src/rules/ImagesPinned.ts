import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, withDefaults } from '../private/compose';
import { hasFixedTag, isUnresolved } from '../private/image';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/** Every image compose or Kubernetes runs names a fixed tag (not `latest`, not none) or a digest. */
export const ImagesPinned: Rule = {
  name: 'ImagesPinned',
  scope: 'single-file',
  what: 'Every compose and Kubernetes image names a fixed tag (not latest, not none) or a digest',
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, file, name, service }) => {
      if (service.image === undefined) return [];
      const image = withDefaults(String(service.image));
      const ok = !isUnresolved(image) && hasFixedTag(image);
      return [verdict(ok, serviceTarget(file, name, 'image'), path, file.path, () => isUnresolved(image)
        ? `service '${name}' runs '${service.image}' in ${file.path}, a variable without a default: the image is whatever the shell says`
        : `service '${name}' runs '${image}' in ${file.path}, which ${image.includes(':') ? "is the moving 'latest' tag" : 'has no tag (latest)'}`)];
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) => {
      const image = container.image ?? '';
      return verdict(image !== '' && hasFixedTag(image), containerTarget(workload, container, 'image'), path, workload.file, () => image === ''
        ? `${describeContainer(workload, container)} names no image`
        : `${describeContainer(workload, container)} runs '${image}', which ${/:latest$/.test(image) ? "is the moving 'latest' tag" : 'has no tag (latest)'}`);
    }),
  ],
};
