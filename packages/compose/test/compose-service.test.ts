import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { KeelsonSynthError, ResourceLimits, SecurityProfile, ServiceProject } from '@keelson/core';
import { Compose, ComposeService, ComposeServiceProps, ComposeValue, Service } from '../src';
import { FULL_STACK, FULL_STACK_FILES, containerImage, serviceProject } from './support';

function stack(files: Record<string, string> = FULL_STACK_FILES) {
  const project = serviceProject('svc', files);
  const compose = new Compose(project, { image: containerImage(), ...FULL_STACK });
  return { project, compose };
}

const FLOWER: ComposeServiceProps = {
  image: ComposeValue.withDefault('FLOWER_IMAGE', 'mher/flower:2.0.1'),
  command: ['celery', 'flower'],
  networks: ['data'],
  ports: [{ target: 5555, published: 5555 }],
  production: false,
};

describe('a service of your own', () => {
  test('is hardened and limited like Keelson\'s own: non-root, read-only, no capability, limits', () => {
    const { compose } = stack();
    const flower = new ComposeService(compose, 'flower', FLOWER);
    expect(flower.spec('development')).toEqual({
      image: '${FLOWER_IMAGE:-mher/flower:2.0.1}',
      command: ['celery', 'flower'],
      user: '65532:65532',
      init: true,
      read_only: true,
      tmpfs: ['/tmp'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      ports: ['127.0.0.1:5555:5555'],
      networks: ['data'],
      deploy: { resources: { limits: { cpus: 1, memory: '512M' } } },
      pids_limit: 256,
    });
    expect(flower.isIn('production')).toBe(false);
    expect(compose.production.service('flower')).toBeUndefined();
  });

  test('defaults to one replica, an init process, no one-shot, and ports on loopback', () => {
    const { compose } = stack();
    const service = new ComposeService(compose, 'tool', { image: 'busybox:1.37.0', ports: [{ target: 80, published: 8088 }] });
    expect(service.oneShot).toBe(false);
    expect(service.spec('production').init).toBe(true);
    expect(service.spec('production').deploy?.replicas).toBeUndefined();
    expect(service.spec('production').ports).toEqual(['127.0.0.1:8088:80']);
    expect(service.spec('production').restart).toBe('unless-stopped');
    expect(service.spec('development').restart).toBeUndefined();
  });

  test('takes profiles, a description, more tmpfs, secrets and per-file overrides', () => {
    const { compose, project } = stack();
    const tool = new ComposeService(compose, 'tool', {
      image: 'busybox:1.37.0',
      description: 'A debugging shell.',
      profiles: ['debug'],
      tmpfs: ['/var/cache/tool'],
      environment: { MODE: { development: 'verbose', production: 'quiet' } },
      secrets: [{ name: 'tool_token', file: './secrets/tool_token' }],
      development: { command: ['sh'], environment: { EXTRA: '1' } },
      production: { replicas: 2, restart: 'on-failure' },
    });
    expect(tool.spec('development')).toMatchObject({
      command: ['sh'], profiles: ['debug'], tmpfs: ['/tmp', '/var/cache/tool'], environment: { MODE: 'verbose', EXTRA: '1' }, secrets: ['tool_token'],
    });
    expect(tool.spec('production')).toMatchObject({ environment: { MODE: 'quiet' }, restart: 'on-failure', deploy: { replicas: 2 } });
    expect(compose.production.document.secrets.tool_token).toEqual({ file: './secrets/tool_token' });
    project.synth();
    expect(readFileSync(join(project.outdir, 'compose.prod.yaml'), 'utf-8')).toMatch(/  # A debugging shell\.\n  tool:/);
    expect(readFileSync(join(project.outdir, '.gitignore'), 'utf-8')).toMatch(/^\/secrets\/tool_token$/m);
  });

  test('can wait for a Keelson service to be healthy, or for the migrations to complete', () => {
    const { compose } = stack();
    const flower = new ComposeService(compose, 'flower', FLOWER).waitForHealthy(compose.redis!).startAfter(compose.app);
    expect(flower.spec('development').depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      app: { condition: 'service_started' },
    });
    const seed = new ComposeService(compose, 'seed', { image: 'busybox:1.37.0', oneShot: true, networks: ['data'] });
    expect(seed.spec('production').restart).toBe('no');
    if (seed.isOneShot()) compose.app.waitForCompletion(seed);
    expect(compose.app.spec('production').depends_on).toMatchObject({ seed: { condition: 'service_completed_successfully' } });
  });

  test('cannot be waited for until healthy without a health check: the type says so, and so does the runtime', () => {
    const { compose } = stack();
    const plain = new ComposeService(compose, 'plain', { image: 'busybox:1.37.0' });
    // @ts-expect-error a service without a health check is not a HealthCheckedService
    expect(() => compose.app.waitForHealthy(plain))
      .toThrow(/svc\/Compose\/app: option 'dependsOn' waits for 'plain' to be healthy, but 'plain' has no health check\. Fix: give 'plain' a healthCheck/);
    expect(plain.hasHealthCheck()).toBe(false);
  });

  test('cannot wait for a service that is not in one of its files', () => {
    const { compose } = stack();
    expect(() => compose.app.waitForHealthy(compose.mailpit!))
      .toThrow(/option 'dependsOn' names 'mailpit', which is not in compose\.prod\.yaml while 'app' is/);
  });

  test('cannot wait for a long-running service to complete', () => {
    const { compose } = stack();
    // @ts-expect-error the app is not a OneShotService
    expect(() => compose.worker!.waitForCompletion(compose.app)).toThrow(/waits for 'app' to complete, but 'app' is not a one-shot job/);
  });

  test.each<[string, ComposeServiceProps, RegExp]>([
    ['no image and no build', {}, /svc\/Compose\/tool: option 'image' is not set, and there is no build either/],
    ['an absolute host path', { image: 'busybox:1.37.0', mounts: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }] },
      /option 'mounts\.source' is '\/var\/run\/docker\.sock', neither a named volume nor a path inside the project/],
    ['a relative mount target', { image: 'busybox:1.37.0', mounts: [{ source: 'data', target: 'data' }] }, /option 'mounts\.target' is 'data', not a normalized absolute path/],
    ['a port out of range', { image: 'busybox:1.37.0', ports: [{ target: 80, published: 70000 }] }, /option 'ports\.published' must be an integer from 1 to 65535, got 70000/],
    ['a secret outside the project', { image: 'busybox:1.37.0', secrets: [{ name: 'key', file: '/etc/key' }] }, /option 'secrets' has 'key' from '\/etc\/key'/],
    ['zero replicas', { image: 'busybox:1.37.0', replicas: 0 }, /option 'replicas' must be a whole number from 1, got 0/],
    ['a relative tmpfs', { image: 'busybox:1.37.0', tmpfs: ['cache'] }, /option 'tmpfs' contains 'cache', not a normalized absolute path below \//],
    ['a stop grace period of 0', { image: 'busybox:1.37.0', stopGracePeriodSeconds: 0 }, /option 'stopGracePeriodSeconds' must be positive, got 0/],
    ['a capability without a reason', { image: 'busybox:1.37.0', security: new SecurityProfile({ addCapabilities: ['CHOWN'] }) },
      /option 'capabilityReasons' gives no reason for adding back CHOWN/],
  ])('refuses %s', (_name, props, message) => {
    const { compose } = stack();
    expect(() => new ComposeService(compose, 'tool', props)).toThrow(message);
  });

  test('refuses a name compose cannot use as a host name, or one already taken', () => {
    const { compose } = stack();
    expect(() => new ComposeService(compose, 'My Tool', { image: 'busybox:1.37.0' }))
      .toThrow(/svc\/Compose: option 'name' is 'My Tool', not a service name compose accepts as a host name/);
    expect(() => new ComposeService(compose, 'redis', { image: 'busybox:1.37.0' }))
      .toThrow(/svc\/Compose: option 'name' is 'redis', a service that already exists/);
  });

  test('asking for its model in a file it is not in is an error', () => {
    const { compose } = stack();
    expect(() => compose.nginx!.spec('development')).toThrow(/option 'environment' is 'development', a file service 'nginx' is not in/);
  });
});

describe('escape hatches act on the model that is checked and written', () => {
  test('a change to a service\'s model is what the file says', () => {
    const { project, compose } = stack();
    compose.app.spec('production').environment = { ...(compose.app.spec('production').environment as object), FEATURE_X: 'on' };
    compose.production.document['x-keelson-note'] = 'kept';
    project.synth();
    const prod = readFileSync(join(project.outdir, 'compose.prod.yaml'), 'utf-8');
    expect(prod).toMatch(/^\s+FEATURE_X: "on"$/m);
    expect(prod).toMatch(/^x-keelson-note: "kept"$/m);
  });

  test('the model is typed by the Compose Specification: a misspelt key does not compile', () => {
    const service: Service = {
      image: 'busybox:1.37.0',
      // @ts-expect-error 'imagee' is not a key of a compose service
      imagee: 'busybox',
    };
    const extension: Service = { image: 'busybox:1.37.0', 'x-note': 'extensions are allowed' };
    expect([service.image, extension['x-note']]).toEqual(['busybox:1.37.0', 'extensions are allowed']);
  });
});

describe('whole-file checks stop the synth, naming both ends', () => {
  function synthError(change: (ctx: ReturnType<typeof stack>) => void, files = FULL_STACK_FILES): string {
    const ctx = stack(files);
    change(ctx);
    try {
      ctx.project.synth();
    } catch (error) {
      expect(error).toBeInstanceOf(KeelsonSynthError);
      return (error as Error).message;
    }
    throw new Error('the synth did not fail');
  }

  test('a dependency on an unknown service', () => {
    const message = synthError(({ compose }) => {
      new ComposeService(compose, 'flower', { ...FLOWER, dependsOn: { rabbitmq: 'healthy' } });
    });
    expect(message).toMatch(/svc\/Compose: service 'flower' depends on 'rabbitmq', which is not a service of compose\.yaml \(services: postgres, redis, mailpit, migrate, app, worker, beat, flower\)\. Fix: add 'rabbitmq' to compose\.yaml, or remove the dependency from 'flower'/);
  });

  test('a wait for health on a service whose health check is off (beat)', () => {
    const message = synthError(({ compose }) => {
      new ComposeService(compose, 'flower', { ...FLOWER, dependsOn: { beat: 'healthy' } });
    });
    expect(message).toMatch(/service 'flower' waits for 'beat' to be healthy, but 'beat' has no health check in compose\.yaml, so 'flower' would never start/);
  });

  test('a health check disabled by hand on a service others wait for', () => {
    const message = synthError(({ compose }) => { compose.postgres!.spec('production').healthcheck = { disable: true }; });
    expect(message).toMatch(/service 'migrate' waits for 'postgres' to be healthy, but 'postgres' has no health check in compose\.prod\.yaml/);
    expect(message).toMatch(/service 'app' waits for 'postgres' to be healthy/);
  });

  test('a wait for completion of a service that restarts', () => {
    const message = synthError(({ compose }) => { compose.migrations!.spec('production').restart = 'always'; });
    expect(message).toMatch(/service 'app' waits for 'migrate' to complete, but 'migrate' restarts \('restart: always'\) and never completes/);
  });

  test('a port clash', () => {
    const message = synthError(({ compose }) => {
      new ComposeService(compose, 'docs', { image: 'busybox:1.37.0', ports: [{ target: 80, published: 8000 }], production: false });
    });
    expect(message).toMatch(/services 'app' and 'docs' both publish host port 8000 in compose\.yaml \('127\.0\.0\.1:8000:8000' and '127\.0\.0\.1:8000:80'\)/);
  });

  test('a port on every interface clashes with the same port on loopback', () => {
    const message = synthError(({ compose }) => {
      new ComposeService(compose, 'proxy', { image: 'busybox:1.37.0', ports: [{ target: 80, published: 5432, hostIp: '0.0.0.0' }], production: false });
    });
    expect(message).toMatch(/services 'postgres' and 'proxy' both publish host port 5432 in compose\.yaml/);
  });

  test('a mounted project file that neither exists nor is generated', () => {
    const message = synthError(({ compose }) => {
      new ComposeService(compose, 'tool', { image: 'busybox:1.37.0', mounts: [{ source: './conf/tool.ini', target: '/etc/tool.ini' }] });
    });
    expect(message).toMatch(/service 'tool' mounts '\.\/conf\/tool\.ini', which neither exists in the project nor is generated by a component of it/);
  });

  test('a variable that would be blank when unset', () => {
    const message = synthError(({ compose }) => { compose.production.service('app')!.environment = { TOKEN: '${TOKEN}' }; });
    expect(message).toMatch(/services\.app\.environment\.TOKEN in compose\.prod\.yaml uses '\$\{TOKEN\}', which compose replaces with an empty string when TOKEN is unset\. Fix: require it/);
  });

  test('a fixed container name', () => {
    const message = synthError(({ compose }) => { compose.app.spec('production').container_name = 'fastapi_app'; });
    expect(message).toMatch(/service 'app' has a fixed container_name \('fastapi_app'\): '--scale app=2' fails/);
  });

  test('a replicated service that publishes a host port', () => {
    const message = synthError(({ compose }) => { compose.app.spec('production').ports = ['0.0.0.0:8000:8000']; compose.app.spec('production').deploy!.replicas = 3; });
    expect(message).toMatch(/service 'app' runs 3 replicas and publishes a host port: only one replica can bind it/);
  });

  test('a production service without limits', () => {
    const message = synthError(({ compose }) => { compose.production.document.services.extra = { image: 'busybox:1.37.0' }; });
    expect(message).toMatch(/service 'extra' has no CPU, memory, pids limit in compose\.prod\.yaml/);
  });

  test('an obsolete version key', () => {
    const message = synthError(({ compose }) => { compose.development.document.version = '3.8'; });
    expect(message).toMatch(/compose\.yaml has a 'version' key, obsolete in the Compose Specification/);
  });

  test('a network, a volume or a secret the file does not define', () => {
    const message = synthError(({ compose }) => {
      const spec = compose.worker!.spec('production');
      spec.networks = ['backend'];
      spec.volumes = ['cache:/cache'];
      spec.secrets = ['api_key'];
    });
    expect(message).toMatch(/service 'worker' joins the network 'backend', which compose\.prod\.yaml does not define/);
    expect(message).toMatch(/service 'worker' mounts the volume 'cache', which compose\.prod\.yaml does not define/);
    expect(message).toMatch(/service 'worker' mounts the secret 'api_key', which compose\.prod\.yaml does not define/);
  });

  test('every problem is reported at once, and a failed synth leaves the previous files untouched', () => {
    const first = stack();
    first.project.synth();
    const before = readFileSync(join(first.project.outdir, 'compose.prod.yaml'), 'utf-8');
    const again = new ServiceProject({ name: 'svc', outdir: first.project.outdir });
    const compose = new Compose(again, { image: containerImage(), ...FULL_STACK, app: { limits: new ResourceLimits({ cpus: 2 }) } });
    compose.app.spec('production').container_name = 'app';
    compose.worker!.spec('production').networks = ['backend'];
    let message = '';
    try { again.synth(); } catch (error) { message = (error as Error).message; }
    expect(message).toMatch(/Keelson stopped the synth before writing any file \(2 problems\)/);
    expect(readFileSync(join(first.project.outdir, 'compose.prod.yaml'), 'utf-8')).toBe(before);
    expect(existsSync(join(first.project.outdir, 'compose.yaml'))).toBe(true);
  });
});
