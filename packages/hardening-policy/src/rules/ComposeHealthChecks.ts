import { Rule, verdict } from '../rule';
import { eachService, hasHealthCheck, serviceTarget } from '../private/compose';

/** Every long-running service has a health check, so a hung process is seen (and restarted by an orchestrator). */
export const ComposeHealthChecks: Rule = {
  name: 'ComposeHealthChecks',
  scope: 'single-file',
  what: 'Every long-running compose service (not a one-shot job) has a health check',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
    if (role === 'migrations' || service.restart === 'no') return [];
    return [verdict(hasHealthCheck(service), serviceTarget(file, name, 'healthcheck'), path, file.path,
      () => `service '${name}' has no health check in ${file.path}: a hung process looks alive`)];
  }),
};
