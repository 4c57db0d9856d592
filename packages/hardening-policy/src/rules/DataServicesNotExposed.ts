import { ComposeServiceRole, KubernetesView, KubernetesWorkloadView } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { eachService, isLoopback, portsOf, serviceTarget, withDefaults } from '../private/compose';
import { DATA_IMAGES, imageParts } from '../private/image';
import {
  containerTarget, describeContainer, describeWorkload, eachWorkload, exposureOf, isDataWorkload, selects, serviceObjectTarget,
} from '../private/kubernetes';

const DATA_ROLES: readonly ComposeServiceRole[] = ['database', 'cache'];

/** Verdicts on how the data workloads of a Kubernetes model are reached: Services and host ports. */
function kubernetesVerdicts(path: string, view: KubernetesView, workload: KubernetesWorkloadView): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const service of view.services.filter((s) => selects(s, workload))) {
    const exposure = exposureOf(service);
    verdicts.push(verdict(exposure.length === 0, serviceObjectTarget(service, 'spec', 'type'), path, service.file,
      () => `data service ${describeWorkload(workload)} is reachable from outside the cluster through Service '${service.name}' `
        + `in ${service.file} (${exposure.join(', ')})`));
  }
  for (const container of workload.containers.filter((c) => !c.init)) {
    verdicts.push(verdict(container.hostPorts.length === 0, containerTarget(workload, container, 'ports'), path, workload.file,
      () => `data ${describeContainer(workload, container)} is published on every address of its node (hostPort ${container.hostPorts.join(', ')})`));
  }
  return verdicts;
}

/**
 * A data service is published on loopback at most (compose), reached through ClusterIP Services only (Kubernetes):
 * a database on the LAN is a database on the internet one day.
 */
export const DataServicesNotExposed: Rule = {
  name: 'DataServicesNotExposed',
  scope: 'single-file',
  what: 'Data services (databases, caches, brokers) are published on loopback only, or not at all; on Kubernetes, through no NodePort, LoadBalancer, externalIPs or hostPort',
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
      const image = service.image === undefined ? '' : imageParts(withDefaults(String(service.image))).repository;
      if (!DATA_ROLES.includes(role) && !(role === 'other' && DATA_IMAGES.test(image))) return [];
      const exposed = portsOf(service).filter((p) => !isLoopback(p.hostIp));
      return [verdict(exposed.length === 0, serviceTarget(file, name, 'ports'), path, file.path,
        () => `data service '${name}' is published on every interface in ${file.path} (${exposed.map((p) => `'${p.text}'`).join(', ')})`)];
    }),
    ...eachWorkload(input.kubernetes).filter(({ workload }) => isDataWorkload(workload))
      .flatMap(({ path, view, workload }) => kubernetesVerdicts(path, view, workload)),
  ],
};
