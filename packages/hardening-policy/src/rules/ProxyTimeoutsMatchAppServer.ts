import { IAppServer } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { composeServer } from '../private/context';
import { ingressesOf, kubernetesServer } from '../private/kubernetes';

/** ingress-nginx's proxy-read-timeout when an Ingress sets none, seconds. */
const INGRESS_NGINX_DEFAULT_READ_TIMEOUT = 60;
const READ_TIMEOUT = 'nginx.ingress.kubernetes.io/proxy-read-timeout';

/**
 * The proxy closes idle upstream connections before the app server does (or it reuses one the app is closing: a 502),
 * and waits for a response at least as long as the app server lets a request run (or it answers 504 while the app
 * still works). Checked against every app server the deployment runs, not only the one the proxy was wired to. On
 * Kubernetes the ingress controller is the proxy: an Ingress's ingress-nginx read timeout is checked the same way (its
 * idle upstream timeout is the controller's own setting, not the manifests').
 */
export const ProxyTimeoutsMatchAppServer: Rule = {
  name: 'ProxyTimeoutsMatchAppServer',
  scope: 'cross-file',
  what: "The proxy's upstream idle timeout is below the app server's keep-alive, and its read timeout (a Kubernetes Ingress's too) at least the app server's timeout",
  evaluate: (input) => [...input.proxies.flatMap(({ path, model }) => {
    const servers = new Set<IAppServer>([model.appServer]);
    for (const { model: compose } of input.composes) {
      const server = composeServer(input, compose)?.model.server ?? compose.appServer;
      if (server) servers.add(server);
    }
    return [...servers].map((server): Verdict => {
      const idle = model.proxy.upstreamIdleTimeoutSeconds;
      const read = model.proxy.upstreamReadTimeoutSeconds;
      const problems = [
        idle > 0 && !(idle < server.keepAliveSeconds) ? `keeps idle upstream connections ${idle} s, not less than the app server's keep-alive of ${server.keepAliveSeconds} s (502s)` : undefined,
        !(read >= server.timeoutSeconds) ? `waits ${read} s for a response, less than the app server's timeout of ${server.timeoutSeconds} s (504s)` : undefined,
      ].filter((p): p is string => p !== undefined);
      return verdict(problems.length === 0, `${model.file}#upstream/timeouts`, path, model.file, () => `${model.file} ${problems.join(', and ')}`);
    });
  }), ...input.kubernetes.flatMap(({ path, model: view }) => {
    const server = kubernetesServer(input, view)?.model.server ?? view.appServer;
    if (!server) return [];
    return ingressesOf(view).map((ingress): Verdict => {
      const given = ingress.annotations[READ_TIMEOUT];
      const read = given === undefined ? INGRESS_NGINX_DEFAULT_READ_TIMEOUT : Number(given);
      return verdict(read >= server.timeoutSeconds, `${ingress.file}#Ingress/${ingress.name}/annotations/proxy-read-timeout`, path, ingress.file,
        () => `Ingress '${ingress.name}' in ${ingress.file} waits ${given === undefined ? `${read} s (ingress-nginx's default)` : `'${given}' s (${READ_TIMEOUT})`} `
          + `for a response, less than the app server's timeout of ${server.timeoutSeconds} s (504s)`);
    });
  })],
};
