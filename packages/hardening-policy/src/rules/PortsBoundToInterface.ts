import { Rule, verdict } from '../rule';
import { eachService, isLoopback, portsOf, serviceTarget } from '../private/compose';

/** Only the reverse proxy is published on every interface; anything else is published on loopback, if at all. */
export const PortsBoundToInterface: Rule = {
  name: 'PortsBoundToInterface',
  scope: 'single-file',
  what: 'Only the reverse proxy publishes ports on every interface; other services publish on loopback, if at all',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
    if (role === 'reverse-proxy' || role === 'database' || role === 'cache') return [];
    const exposed = portsOf(service).filter((p) => !isLoopback(p.hostIp));
    return [verdict(exposed.length === 0, serviceTarget(file, name, 'ports'), path, file.path,
      () => `service '${name}' is published on every interface in ${file.path} (${exposed.map((p) => `'${p.text}'`).join(', ')}), beside the proxy`)];
  }),
};
