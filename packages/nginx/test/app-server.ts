import { IAppServer, ServiceEndpoint } from '@keelson/core';
import { Started, appServer } from './support';

/**
 * gunicorn serving the example app on loopback, and the IAppServer that describes it.
 *
 * Debian's gunicorn 20.1 with uvicorn 0.17.6's `uvicorn.workers.UvicornWorker`, started with the flags the app
 * server contract describes: keep-alive 75 s, timeout 30 s, nginx on 127.0.0.1 trusted for X-Forwarded-*.
 */
export function startAppServer(gunicorn: string, appDir: string, port: number): { process: Started; appServer: IAppServer } {
  const server = appServer({ endpoint: new ServiceEndpoint({ port }), keepAliveSeconds: 75, timeoutSeconds: 30 });
  const process = new Started('gunicorn', gunicorn, [
    '--worker-class', 'uvicorn.workers.UvicornWorker', '--workers', '1',
    '--bind', `127.0.0.1:${port}`, '--keep-alive', String(server.keepAliveSeconds), '--timeout', String(server.timeoutSeconds),
    '--forwarded-allow-ips', '127.0.0.1', '--chdir', appDir, 'app.main:app',
  ], { cwd: appDir });
  return { process, appServer: server };
}
