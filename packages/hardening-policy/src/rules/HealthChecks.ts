import { Rule, verdict } from '../rule';
import { eachService, hasHealthCheck, serviceTarget } from '../private/compose';
import { containerTarget, describeContainer, eachContainer, isLongRunning } from '../private/kubernetes';

/**
 * Every long-running compose service has a health check, every container of a long-running Kubernetes workload a
 * readiness or liveness probe, so a hung process is seen (and restarted). One-shot jobs (compose's migrations, a
 * `restart: "no"` service, a Kubernetes Job or CronJob) and init containers run to completion: they need none.
 */
export const HealthChecks: Rule = {
  name: 'HealthChecks',
  scope: 'single-file',
  what: 'Every long-running compose service (not a one-shot job) has a health check; every container of a long-running Kubernetes workload (not a Job) a readiness or liveness probe',
  evaluate: (input) => [
    ...eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
      if (role === 'migrations' || service.restart === 'no') return [];
      const off = service.healthcheck?.disable === true || service.healthcheck?.disable === 'true';
      return [verdict(hasHealthCheck(service), serviceTarget(file, name, 'healthcheck'), path, file.path,
        () => `service '${name}' has ${off ? 'its health check turned off' : 'no health check'} in ${file.path}: a hung process looks alive`)];
    }),
    ...eachContainer(input.kubernetes).flatMap(({ path, workload, container }) => {
      if (!isLongRunning(workload) || container.init) return [];
      const ok = container.probes.some((p) => p.kind === 'readiness' || p.kind === 'liveness');
      return [verdict(ok, containerTarget(workload, container, 'probes'), path, workload.file,
        () => `${describeContainer(workload, container)} has no readiness or liveness probe`
          + `${container.probes.length > 0 ? ` (only a ${container.probes.map((p) => p.kind).join(', ')} probe)` : ''}: a hung process looks alive`)];
    }),
  ],
};
