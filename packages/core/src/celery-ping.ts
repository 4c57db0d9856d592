import { IContainerImage } from './container-image';

/** Seconds a worker's ping waits for the reply. */
export const CELERY_PING_TIMEOUT_SECONDS = 5;

/**
 * The health check (compose) and liveness probe (Kubernetes) command of a Celery worker run from `image`: the image's
 * Python asks, through the broker, the worker of this container or pod (`celery@<host name>`, Celery's default node
 * name) for a pong, and exits 1 without one. Exec form and Python only, so it runs in a shell-less image; addressed to
 * one node, so a healthy replica never answers for a hung one (`celery inspect ping` without a destination succeeds
 * when any worker answers). Undefined when the image does not run Python modules as `<python> -m`.
 */
export function celeryPingCommand(image: IContainerImage, celeryApp: string): string[] | undefined {
  const module = [...image.pythonModuleEntrypoint];
  if (module[module.length - 1] !== '-m') return undefined;
  const script = 'import socket, sys; from celery.app.utils import find_app; '
    + `sys.exit(0 if find_app(${JSON.stringify(celeryApp)}).control.ping(destination=["celery@" + socket.gethostname()], timeout=${CELERY_PING_TIMEOUT_SECONDS}) else 1)`;
  return [...module.slice(0, -1), '-c', script];
}
