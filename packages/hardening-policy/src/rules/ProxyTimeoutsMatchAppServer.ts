import { IAppServer } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { composeServer } from '../private/context';

/**
 * The proxy closes idle upstream connections before the app server does (or it reuses one the app is closing: a 502),
 * and waits for a response at least as long as the app server lets a request run (or it answers 504 while the app
 * still works). Checked against every app server the deployment runs, not only the one the proxy was wired to.
 */
export const ProxyTimeoutsMatchAppServer: Rule = {
  name: 'ProxyTimeoutsMatchAppServer',
  scope: 'cross-file',
  what: "The proxy's upstream idle timeout is below the app server's keep-alive, and its read timeout at least the app server's timeout",
  evaluate: (input) => input.proxies.flatMap(({ path, model }) => {
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
  }),
};
