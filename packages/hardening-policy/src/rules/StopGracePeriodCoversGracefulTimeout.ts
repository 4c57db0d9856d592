import { Rule, verdict } from '../rule';
import { durationSeconds, eachService, serviceTarget } from '../private/compose';
import { composeServer } from '../private/context';
import { describeWorkload, eachWorkload, isAppWorkload, kubernetesServer, workloadTarget } from '../private/kubernetes';

/** Docker's own stop timeout when a service sets none, seconds. */
const DOCKER_DEFAULT_STOP = 10;
/** Kubernetes' terminationGracePeriodSeconds when a pod sets none. */
const KUBERNETES_DEFAULT_GRACE = 30;

/**
 * Compose (stop_grace_period) and Kubernetes (terminationGracePeriodSeconds) wait longer than the app server's
 * graceful timeout before SIGKILL: otherwise in-flight requests are cut off on every deploy, whatever the server was
 * configured to allow them.
 */
export const StopGracePeriodCoversGracefulTimeout: Rule = {
  name: 'StopGracePeriodCoversGracefulTimeout',
  scope: 'cross-file',
  what: "Compose's stop_grace_period and Kubernetes' terminationGracePeriodSeconds of the app are longer than the app server's graceful timeout",
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, view, file, name, service, role }) => {
      if (role !== 'app') return [];
      const graceful = (composeServer(input, view)?.model.server ?? view.appServer)?.gracefulTimeoutSeconds;
      if (graceful === undefined) return [];
      const period = durationSeconds(service.stop_grace_period) ?? DOCKER_DEFAULT_STOP;
      return [verdict(period > graceful, serviceTarget(file, name, 'stop_grace_period'), path, file.path,
        () => `service '${name}' is killed ${period} s after SIGTERM in ${file.path}, but the app server gives in-flight requests ${graceful} s`)];
    }),
    ...eachWorkload(input.kubernetes).flatMap(({ path, view, workload }) => {
      if (!isAppWorkload(workload)) return [];
      const graceful = (kubernetesServer(input, view)?.model.server ?? view.appServer)?.gracefulTimeoutSeconds;
      if (graceful === undefined) return [];
      const period = workload.terminationGracePeriodSeconds ?? KUBERNETES_DEFAULT_GRACE;
      return [verdict(period > graceful, workloadTarget(workload, 'terminationGracePeriodSeconds'), path, workload.file,
        () => `the pods of ${describeWorkload(workload)} are killed ${period} s after SIGTERM (terminationGracePeriodSeconds`
          + `${workload.terminationGracePeriodSeconds === undefined ? ", Kubernetes' default" : ''}), but the app server gives in-flight requests ${graceful} s`)];
    }),
  ],
};
