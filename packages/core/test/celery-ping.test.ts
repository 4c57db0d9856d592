import { spawnSync } from 'child_process';
import { CELERY_PING_TIMEOUT_SECONDS, IContainerImage, SecurityProfile, ServiceEndpoint, celeryPingCommand } from '../src';

const image = (pythonModuleEntrypoint: string[]): IContainerImage => ({
  dockerfile: 'Dockerfile', context: '.', target: 'runtime', buildArgs: {}, endpoint: new ServiceEndpoint(), security: new SecurityProfile(),
  healthCheck: { command: ['true'], intervalSeconds: 30, timeoutSeconds: 5, startPeriodSeconds: 30, retries: 3 },
  pythonModuleEntrypoint, workdir: '/app',
});

describe('celeryPingCommand', () => {
  test('runs the image\'s Python with -c, pinging only this host\'s worker node within the ping timeout', () => {
    const command = celeryPingCommand(image(['/opt/venv/bin/python', '-m']), 'app.tasks')!;
    expect(command.slice(0, 2)).toEqual(['/opt/venv/bin/python', '-c']);
    expect(command[2]).toContain(`find_app("app.tasks").control.ping(destination=["celery@" + socket.gethostname()], timeout=${CELERY_PING_TIMEOUT_SECONDS})`);
  });

  test('is valid Python, with the Celery API it calls present in Debian\'s Celery', () => {
    const [, , script] = celeryPingCommand(image(['/opt/venv/bin/python', '-m']), 'app.tasks')!;
    const result = spawnSync('/usr/bin/python3', ['-c', `import ast; ast.parse(${JSON.stringify(script)}); from celery.app.utils import find_app`],
      { encoding: 'utf-8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('is undefined for an image that does not run Python modules as `<python> -m`', () => {
    expect(celeryPingCommand(image(['/usr/local/bin/entrypoint']), 'app.tasks')).toBeUndefined();
  });
});
