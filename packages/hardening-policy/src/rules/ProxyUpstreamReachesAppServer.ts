import { Rule, Verdict, nonCompliant, verdict } from '../rule';
import { eachService, networksOf } from '../private/compose';
import { dockerfileFor, composeServer, proxyFor, serverViewFor, serviceArgv, serviceEnvironment, servedPort } from '../private/context';
import { bindPort } from '../private/probe';

/**
 * The proxy's upstream is the app server: in compose, a service of that name on a network the proxy shares, whose
 * server binds the upstream's port; without compose, the port the app server the proxy was wired to binds.
 */
export const ProxyUpstreamReachesAppServer: Rule = {
  name: 'ProxyUpstreamReachesAppServer',
  scope: 'cross-file',
  what: "The proxy's upstream names a service it shares a network with, on the port that service's app server binds",
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
    return verdicts;
  },
};
