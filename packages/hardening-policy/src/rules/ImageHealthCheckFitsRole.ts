import { ComposeServiceRole, ComposeServiceView } from '@keelson/core';
import { Rule, Verdict, verdict } from '../rule';
import { eachService, serviceTarget } from '../private/compose';
import { dockerfileFor } from '../private/context';
import { finalStage, last } from '../private/dockerfile';

/** The roles of the app image that run no app server: the image's HEALTHCHECK probes a port nothing answers in them. */
const SERVERLESS_ROLES: readonly ComposeServiceRole[] = ['worker', 'scheduler', 'migrations'];

/** Whether compose runs the image's HEALTHCHECK for this service: no `healthcheck`, or one without `test` that is not off. */
function inheritsImageCheck(service: ComposeServiceView): boolean {
  const check = service.healthcheck;
  if (!check) return true;
  const off = check.disable === true || check.disable === 'true';
  return !off && check.test === undefined;
}

/**
 * A role of the app image that runs no app server (the Celery worker, beat, the migration job) sets a health check
 * of its own or turns the image's off. Compose otherwise runs the image's HEALTHCHECK, an HTTP probe of the app
 * server's port, in a container where nothing listens: Docker reports it unhealthy, and whatever waits for it to be
 * healthy never starts. Compose only: Kubernetes ignores an image's HEALTHCHECK.
 */
export const ImageHealthCheckFitsRole: Rule = {
  name: 'ImageHealthCheckFitsRole',
  scope: 'cross-file',
  what: "Compose services that run the app image without its server (worker, beat, migrations) do not inherit the image's HEALTHCHECK",
  evaluate: (input) => eachService(input.composes).flatMap(({ path, view, file, name, service, role }): Verdict[] => {
    if (!SERVERLESS_ROLES.includes(role)) return [];
    const dockerfile = dockerfileFor(input, view.image)?.model;
    const stage = dockerfile ? finalStage(dockerfile) : undefined;
    const imageCheck = stage ? last(stage, 'HEALTHCHECK') : undefined;
    // An image without a HEALTHCHECK (or with HEALTHCHECK NONE) leaves nothing to inherit.
    if (!dockerfile || !imageCheck || /^NONE\b/i.test(imageCheck.args.trim())) return [];
    return [verdict(!inheritsImageCheck(service), serviceTarget(file, name, 'healthcheck'), path, file.path,
      () => `service '${name}' (${role}) runs the app image, which serves nothing there, but inherits the image's HEALTHCHECK `
        + `(${dockerfile.file}, a probe of port ${view.image.endpoint.port}) in ${file.path}: Docker reports it unhealthy`)];
  }),
};
