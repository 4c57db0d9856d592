import { Rule, Verdict, verdict } from '../rule';
import { addressOn, eachService, environmentOf, networksOf, portsOf, serviceTarget, subnetsOf } from '../private/compose';
import { composeServer, proxyFor } from '../private/context';
import {
  admittedPorts, containerEnvironment, containerTarget, describeContainer, exposureOf, ingressesOf, kubernetesServer, selects,
} from '../private/kubernetes';
import { inNetwork, networkInside } from '../private/net';

/**
 * The app server trusts the X-Forwarded-* headers the proxy sets, and only those: in compose the proxy is another
 * container, which reaches the app from its address on a shared network, not from 127.0.0.1. Trusting nobody, the app
 * sees the proxy's address as every client's and `http` as the scheme (wrong redirects, logs and rate limits);
 * trusting everybody while the app is published, any client forges its address. On Kubernetes the proxy is the
 * ingress controller, whose pods reach the app from addresses of the pod network: the app behind an Ingress trusts
 * '*' (or a network), and '*' only while NetworkPolicies restrict who reaches it and nothing exposes it outside the
 * cluster.
 */
export const ForwardedHeadersTrusted: Rule = {
  name: 'ForwardedHeadersTrusted',
  scope: 'cross-file',
  what: "The app server's forwarded_allow_ips covers the address the proxy (a Kubernetes ingress controller) reaches it from, and '*' only when the app is not published",
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    const all = eachService(input.composes);
    for (const proxySide of all.filter((s) => s.role === 'reverse-proxy')) {
      const proxy = proxyFor(input, proxySide.service)?.model;
      if (!proxy || !proxy.forwardsClientAddress) continue;
      const server = composeServer(input, proxySide.view)?.model;
      if (!server) continue;
      for (const upstream of proxy.upstreams) {
        const app = all.find((s) => s.file === proxySide.file && s.name === upstream.host);
        if (!app) continue;
        const env = environmentOf(app.service);
        const overridden = server.forwardedAllowIpsVariable ? env[server.forwardedAllowIpsVariable] : undefined;
        const trusted = overridden !== undefined ? overridden.split(',').map((a) => a.trim()).filter((a) => a !== '') : [...server.forwardedAllowIps];
        const shared = networksOf(app.service).filter((n) => networksOf(proxySide.service).includes(n));
        const addresses = shared.map((n) => addressOn(proxySide.service, n)).filter((a): a is string => a !== undefined);
        const subnets = shared.flatMap((n) => subnetsOf(proxySide.file, n));
        const published = portsOf(app.service).length > 0;
        const wildcard = trusted.includes('*');
        const covered = wildcard
          || addresses.some((address) => trusted.some((t) => inNetwork(address, t)))
          || subnets.some((subnet) => trusted.some((t) => t.includes('/') && networkInside(subnet, t)));
        const where = `${server.file}${overridden !== undefined ? ` (${server.forwardedAllowIpsVariable} in ${app.file.path})` : ''}`;
        verdicts.push(verdict(covered && !(wildcard && published), serviceTarget(app.file, app.name, 'forwarded_allow_ips'), app.path, app.file.path, () =>
          wildcard
            ? `service '${app.name}' trusts X-Forwarded-* from every client (${where}: '*') and is published on a host port in ${app.file.path}: any client can forge its address and scheme`
            : `the app server trusts X-Forwarded-* only from ${trusted.join(', ') || 'nobody'} (${where}), but '${proxySide.name}' reaches '${app.name}' `
              + `from ${addresses.length > 0 ? addresses.join(', ') : `an address docker assigns on ${shared.map((n) => `'${n}'`).join(', ') || 'its network'}`} in ${app.file.path}: `
              + 'the app sees the proxy as every client and http as the scheme'));
      }
    }
    for (const { path, model: view } of input.kubernetes) {
      const server = kubernetesServer(input, view)?.model;
      if (!server) continue;
      const behindIngress = view.services.filter((svc) => ingressesOf(view).some((i) => i.backends.some((b) => b.service === svc.name)));
      for (const workload of view.workloads) {
        const services = behindIngress.filter((svc) => selects(svc, workload));
        if (services.length === 0) continue;
        for (const container of workload.containers.filter((c) => c.appImage && !c.init)) {
          const env = containerEnvironment(input, view, container);
          const overridden = server.forwardedAllowIpsVariable ? env[server.forwardedAllowIpsVariable] : undefined;
          const trusted = overridden !== undefined ? overridden.split(',').map((a) => a.trim()).filter((a) => a !== '') : [...server.forwardedAllowIps];
          const wildcard = trusted.includes('*');
          const network = trusted.some((t) => t.includes('/') && !/^(127\.|::1)/.test(t));
          const exposed = view.services.filter((svc) => selects(svc, workload)).flatMap(exposureOf);
          const restricted = admittedPorts(view, workload) !== undefined;
          const where = `${server.file}${overridden !== undefined ? ` (${server.forwardedAllowIpsVariable} in ${workload.file})` : ''}`;
          verdicts.push(verdict((wildcard || network) && !(wildcard && (exposed.length > 0 || !restricted)), containerTarget(workload, container, 'forwarded_allow_ips'),
            path, workload.file, () => !(wildcard || network)
              ? `the app server trusts X-Forwarded-* only from ${trusted.join(', ') || 'nobody'} (${where}), but the ingress controller reaches `
                + `${describeContainer(workload, container)} from its pod address: the app sees the controller as every client and http as the scheme`
              : `${describeContainer(workload, container)} trusts X-Forwarded-* from every client (${where}: '*'), but `
                + (exposed.length > 0 ? `it is exposed outside the cluster (${exposed.join(', ')})` : 'no NetworkPolicy restricts who reaches it')
                + ': any client can forge its address and scheme'));
        }
      }
    }
    return verdicts;
  },
};
