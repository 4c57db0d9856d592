import { Rule, verdict } from '../rule';
import { durationSeconds, eachService, serviceTarget } from '../private/compose';
import { composeServer } from '../private/context';

/** Docker's own stop timeout when a service sets none, seconds. */
const DOCKER_DEFAULT_STOP = 10;

/**
 * Compose waits longer than the app server's graceful timeout before SIGKILL: otherwise in-flight requests are cut
 * off on every deploy, whatever the server was configured to allow them.
 */
export const StopGracePeriodCoversGracefulTimeout: Rule = {
  name: 'StopGracePeriodCoversGracefulTimeout',
  scope: 'cross-file',
  what: "Compose's stop_grace_period of the app is longer than the app server's graceful timeout",
  evaluate: (input) => eachService(input.composes).flatMap(({ path, view, file, name, service, role }) => {
    if (role !== 'app') return [];
    const graceful = (composeServer(input, view)?.model.server ?? view.appServer)?.gracefulTimeoutSeconds;
    if (graceful === undefined) return [];
    const period = durationSeconds(service.stop_grace_period) ?? DOCKER_DEFAULT_STOP;
    return [verdict(period > graceful, serviceTarget(file, name, 'stop_grace_period'), path, file.path,
      () => `service '${name}' is killed ${period} s after SIGTERM in ${file.path}, but the app server gives in-flight requests ${graceful} s`)];
  }),
};
