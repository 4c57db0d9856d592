import { Rule, Verdict, nonCompliant, verdict } from '../rule';
import { eachService, networksOf } from '../private/compose';
import { dockerfileFor, composeServer, proxyFor, serverViewFor, serviceArgv, serviceEnvironment, servedPort } from '../private/context';
import {
  admittedPorts, containerArgv, containerEnvironment, describeContainer, describeWorkload, ingressesOf, kubernetesServer, selects,
} from '../private/kubernetes';
import { bindPort } from '../private/probe';

/**
 * The proxy's upstream is the app server: in compose, a service of that name on a network the proxy shares, whose
 * server binds the upstream's port; without compose, the port the app server the proxy was wired to binds. On
 * Kubernetes the proxy is the ingress controller: each Ingress backend is a Service of the manifests, on a port it
 * has, selecting pods whose targetPort is the port their server binds and that their NetworkPolicies admit.
 */
export const ProxyUpstreamReachesAppServer: Rule = {
  name: 'ProxyUpstreamReachesAppServer',
  scope: 'cross-file',
  what: "The proxy's upstream (a Kubernetes Ingress's backend) names a service it shares a network with (NetworkPolicies admit), on the port that service's app server binds",
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    const proxyServices = eachService(input.composes).filter((s) => s.role === 'reverse-proxy');
    for (const { path, model } of input.proxies) {
      const target = (host: string, port: number) => `${model.file}#upstream/${host}:${port}`;
      const deployments = proxyServices.filter((s) => proxyFor(input, s.service)?.model === model);
      if (deployments.length === 0) {
        const server = serverViewFor(input, model.appServer)?.model;
        const bound = server ? server.binds.map(bindPort).find((p) => p !== undefined) : model.appServer.endpoint.port;
        for (const upstream of model.upstreams) {
          verdicts.push(verdict(bound === undefined || upstream.port === bound, target(upstream.host, upstream.port), path, model.file,
            () => `${model.file} proxies to port ${upstream.port}, but the app server binds ${bound}`));
        }
        continue;
      }
      for (const { view, file, name: proxyName, service: proxyService } of deployments) {
        const proxyNetworks = networksOf(proxyService);
        for (const upstream of model.upstreams) {
          const app = file.document.services[upstream.host];
          if (!app) {
            verdicts.push(nonCompliant(target(upstream.host, upstream.port), path, model.file,
              `${model.file} proxies to '${upstream.host}', which is not a service of ${file.path} (services: ${Object.keys(file.document.services).join(', ')})`));
            continue;
          }
          const shared = networksOf(app).filter((n) => proxyNetworks.includes(n));
          const dockerfile = dockerfileFor(input, view.image)?.model;
          const served = servedPort(serviceArgv(app, dockerfile), serviceEnvironment(app, dockerfile), composeServer(input, view)?.model, view.image.endpoint.port);
          const problems = [
            shared.length === 0 ? `'${proxyName}' and '${upstream.host}' share no network in ${file.path} (${proxyNetworks.join(', ') || 'none'} / ${networksOf(app).join(', ') || 'none'})` : undefined,
            served !== undefined && served !== upstream.port ? `'${upstream.host}' binds ${served} in ${file.path}, not ${upstream.port}` : undefined,
          ].filter((p): p is string => p !== undefined);
          verdicts.push(verdict(problems.length === 0, target(upstream.host, upstream.port), path, model.file,
            () => `${model.file} proxies to ${upstream.host}:${upstream.port}, but ${problems.join(', and ')}`));
        }
      }
    }
    for (const { path, model: view } of input.kubernetes) {
      const server = kubernetesServer(input, view)?.model;
      for (const ingress of ingressesOf(view)) {
        for (const backend of ingress.backends) {
          const target = `${ingress.file}#Ingress/${ingress.name}/backend/${backend.service}:${backend.port ?? ''}`;
          const where = `Ingress '${ingress.name}' in ${ingress.file} routes to Service '${backend.service}'${backend.port === undefined ? '' : ` port ${backend.port}`}`;
          const service = view.services.find((s) => s.name === backend.service);
          if (!service) {
            verdicts.push(nonCompliant(target, path, ingress.file, `${where}, which is not in the manifests (Services: ${view.services.map((s) => s.name).join(', ') || 'none'})`));
            continue;
          }
          const port = service.ports.find((p) => p.name === backend.port || p.port === backend.port) ?? (backend.port === undefined ? service.ports[0] : undefined);
          if (!port) {
            verdicts.push(nonCompliant(target, path, ingress.file, `${where}, which has no such port in ${service.file} (${service.ports.map((p) => p.name ?? p.port).join(', ')})`));
            continue;
          }
          const pods = view.workloads.filter((w) => selects(service, w));
          if (pods.length === 0) {
            verdicts.push(nonCompliant(target, path, ingress.file, `${where}, which selects no pod of the manifests in ${service.file}`));
            continue;
          }
          for (const w of pods) {
            for (const c of w.containers.filter((x) => x.appImage && !x.init)) {
              const targetPort = port.targetPort ?? port.port;
              const resolved = typeof targetPort === 'number' ? targetPort : c.ports.find((p) => p.name === targetPort)?.containerPort;
              const served = servedPort(containerArgv(input, view, c), containerEnvironment(input, view, c), server, view.image?.endpoint.port);
              const admitted = admittedPorts(view, w);
              const problems = [
                resolved === undefined ? `its targetPort '${targetPort}' names no port of ${describeContainer(w, c)}` : undefined,
                resolved !== undefined && served !== undefined && resolved !== served ? `its targetPort reaches port ${resolved} of ${describeContainer(w, c)}, whose server binds ${served}` : undefined,
                served !== undefined && admitted !== undefined && !admitted.includes(served) ? `the NetworkPolicies of ${describeWorkload(w)} admit port ${admitted.join(', ') || 'none'}, not ${served}` : undefined,
              ].filter((p): p is string => p !== undefined);
              verdicts.push(verdict(problems.length === 0, target, path, ingress.file, () => `${where}, but ${problems.join(', and ')}: a 502 or 503 on every request`));
            }
          }
        }
      }
    }
    return verdicts;
  },
};
