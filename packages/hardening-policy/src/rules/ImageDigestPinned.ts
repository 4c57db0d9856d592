import { Rule, verdict } from '../rule';
import { eachService, serviceTarget, withDefaults } from '../private/compose';
import { imageParts } from '../private/image';
import { containerTarget, describeContainer, eachContainer } from '../private/kubernetes';

/** Every image compose pulls (not builds), and every image a Kubernetes container runs (all are pulled), is pinned by digest. */
export const ImageDigestPinned: Rule = {
  name: 'ImageDigestPinned',
  scope: 'single-file',
  what: 'Every image compose pulls (rather than builds) and every Kubernetes container image is pinned by sha256 digest',
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, file, name, service }) => {
      if (service.image === undefined || service.build !== undefined) return [];
      const image = withDefaults(String(service.image));
      return [verdict(imageParts(image).digest !== undefined, serviceTarget(file, name, 'image'), path, file.path,
        () => `service '${name}' pulls '${image}' in ${file.path}, a tag the registry can move to other content`)];
    }),
    ...eachContainer(input.kubernetes).map(({ path, workload, container }) => {
      const image = container.image ?? '';
      return verdict(imageParts(image).digest !== undefined, containerTarget(workload, container, 'image'), path, workload.file,
        () => `${describeContainer(workload, container)} pulls '${image}', a tag the registry can move to other content`);
    }),
  ],
};
