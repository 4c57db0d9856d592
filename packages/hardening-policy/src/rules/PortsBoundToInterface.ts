import { Rule, Verdict, verdict } from '../rule';
import { eachService, isLoopback, portsOf, serviceTarget } from '../private/compose';
import {
  containerTarget, describeContainer, describeWorkload, eachWorkload, exposureOf, isDataWorkload, selects, serviceObjectTarget,
} from '../private/kubernetes';

/**
 * Only the reverse proxy is published on every interface; anything else is published on loopback, if at all. On
 * Kubernetes the ingress controller is the door: the service's own workloads are reached through ClusterIP Services.
 */
export const PortsBoundToInterface: Rule = {
  name: 'PortsBoundToInterface',
  scope: 'single-file',
  what: 'Only the reverse proxy publishes ports on every interface; other services publish on loopback, if at all; on Kubernetes, no workload is reached through a NodePort, LoadBalancer, externalIPs or hostPort (the Ingress is the door)',
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
      if (role === 'reverse-proxy' || role === 'database' || role === 'cache') return [];
      const exposed = portsOf(service).filter((p) => !isLoopback(p.hostIp));
      return [verdict(exposed.length === 0, serviceTarget(file, name, 'ports'), path, file.path,
        () => `service '${name}' is published on every interface in ${file.path} (${exposed.map((p) => `'${p.text}'`).join(', ')}), beside the proxy`)];
    }),
    ...eachWorkload(input.kubernetes).filter(({ workload }) => !isDataWorkload(workload)).flatMap(({ path, view, workload }): Verdict[] => [
      ...view.services.filter((s) => selects(s, workload)).map((service) => {
        const exposure = exposureOf(service);
        return verdict(exposure.length === 0, serviceObjectTarget(service, 'spec', 'type'), path, service.file,
          () => `${describeWorkload(workload)} is reachable from outside the cluster through Service '${service.name}' in ${service.file} `
            + `(${exposure.join(', ')}), beside the Ingress`);
      }),
      ...workload.containers.filter((c) => c.hostPorts.length > 0).map((container) =>
        verdict(false, containerTarget(workload, container, 'ports'), path, workload.file,
          () => `${describeContainer(workload, container)} is published on every address of its node (hostPort ${container.hostPorts.join(', ')})`)),
    ]),
  ],
};
