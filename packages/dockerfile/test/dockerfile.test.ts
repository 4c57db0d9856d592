import { readFileSync, rmSync, writeFileSync, chmodSync, existsSync, statSync } from 'fs';
import { join } from 'path';
import { IAppServer, KeelsonSynthError, SecurityProfile, ServiceEndpoint } from '@keelson/core';
import { Testing } from 'projen';
import { Dockerfile, DockerfileProps, ServerRequirements } from '../src';
import { serviceProject } from './support';

function dockerfileOf(props: DockerfileProps = {}) {
  return new Dockerfile(serviceProject(), props);
}

describe('Dockerfile defaults', () => {
  const dockerfile = dockerfileOf();
  const text = Testing.synth(dockerfile.project).Dockerfile as string;

  test('the flavour is slim with Python 3.12 from a patch-pinned bookworm tag', () => {
    expect(dockerfile.flavour.name).toBe('slim');
    expect(dockerfile.pythonVersion).toBe('3.12');
    expect(dockerfile.builderImage.toString()).toBe('python:3.12.12-slim-bookworm');
    expect(dockerfile.runtimeImage.toString()).toBe('python:3.12.12-slim-bookworm');
    expect(dockerfile.interpreter).toBe('/usr/local/bin/python3.12');
  });

  test('the endpoint is port 8000 with /health, exposed and exported as PORT', () => {
    expect(dockerfile.endpoint.port).toBe(8000);
    expect(dockerfile.endpoint.healthPath).toBe('/health');
    expect(text).toMatch(/^EXPOSE 8000$/m);
    expect(text).toMatch(/^\s+PORT=8000$/m);
  });

  test('the user is uid and gid 65532, created in the slim runtime', () => {
    expect(dockerfile.security.user).toBe('65532:65532');
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).toContain('useradd --system --uid 65532 --gid 65532');
  });

  test('the app module is app.main:app served by the maintained uvicorn worker', () => {
    expect(dockerfile.appModule).toBe('app.main:app');
    expect(text).toContain('CMD ["--worker-class", "uvicorn_worker.UvicornWorker", "app.main:app"]');
  });

  test('the app paths are [app] and the requirements file is requirements.txt', () => {
    expect(dockerfile.appPaths).toEqual(['app']);
    expect(dockerfile.requirementsFile).toBe('requirements.txt');
    expect(text).toContain('COPY requirements.txt requirements-server.txt /tmp/requirements/');
  });

  test('the health check runs every 30 s with a 5 s timeout, a 30 s start period and 3 retries', () => {
    expect(text).toContain('HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3');
  });

  test('the Python environment is unbuffered, writes no bytecode and dumps tracebacks', () => {
    for (const env of ['PYTHONUNBUFFERED=1', 'PYTHONDONTWRITEBYTECODE=1', 'PYTHONFAULTHANDLER=1']) expect(text).toContain(env);
  });

  test('the OCI title label is the project name', () => {
    expect(text).toContain('org.opencontainers.image.title="svc"');
    expect(text).toContain('org.opencontainers.image.base.name="${RUNTIME_IMAGE}"');
  });

  test('the server requirements pin gunicorn 27.0.1 and uvicorn-worker 0.4.0', () => {
    expect(dockerfile.serverRequirements.pins).toEqual([
      { name: 'gunicorn', version: '27.0.1' },
      { name: 'uvicorn-worker', version: '0.4.0' },
    ]);
  });
});

describe('the distroless and chainguard flavours', () => {
  test('distroless builds on Debian 12 with python3.11 at /usr/bin, the path distroless has', () => {
    const d = dockerfileOf({ flavour: 'distroless' });
    expect(d.pythonVersion).toBe('3.11');
    expect(d.builderImage.toString()).toBe('debian:12.12-slim');
    expect(d.runtimeImage.toString()).toBe('gcr.io/distroless/python3-debian12:nonroot');
    expect(d.interpreter).toBe('/usr/bin/python3.11');
  });

  test('chainguard takes both stages from one tag, -dev for the builder', () => {
    const d = dockerfileOf({ flavour: 'chainguard', pythonVersion: '3.13' });
    expect(d.builderImage.toString()).toBe('cgr.dev/chainguard/python:3.13-dev');
    expect(d.runtimeImage.toString()).toBe('cgr.dev/chainguard/python:3.13');
    expect(d.builder.find('USER').map((u) => u.args)).toEqual(['root']);
  });

  test('shell-less runtimes get no RUN instruction at all', () => {
    for (const flavour of ['distroless', 'chainguard'] as const) {
      expect(dockerfileOf({ flavour }).runtime.find('RUN')).toEqual([]);
    }
  });

  test('digests pin the base-image ARGs', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const text = Testing.synth(dockerfileOf({ runtimeImageDigest: digest }).project).Dockerfile as string;
    expect(text).toContain(`ARG RUNTIME_IMAGE=python:3.12.12-slim-bookworm@${digest}`);
  });

  test('extra writable paths are created in the builder and copied, owned by the user, in every flavour', () => {
    const d = dockerfileOf({ flavour: 'distroless', security: new SecurityProfile({ writablePaths: ['/tmp', '/app/uploads'] }) });
    expect(d.builder.find('RUN').map((r) => r.args)).toContain('mkdir -p /keelson-rootfs/app/uploads');
    const copies = d.runtime.find('COPY').map((c) => c.args);
    expect(copies).toContain('--from=builder --chown=65532:65532 /keelson-rootfs/app/uploads /app/uploads');
    // /app exists (WORKDIR, root-owned) before the writable path is copied, so no parent becomes the user's.
    const order = d.runtime.instructions.map((i) => `${i.keyword} ${i.args}`);
    expect(order.indexOf('WORKDIR /app')).toBeLessThan(order.findIndex((i) => i.includes('/app/uploads')));
    expect(copies.filter((c) => c.includes('--chown'))).toEqual(['--from=builder --chown=65532:65532 /keelson-rootfs/app/uploads /app/uploads']);
  });

  test('the endpoint and security profile flow into EXPOSE, PORT, the health check and USER', () => {
    const d = dockerfileOf({
      endpoint: new ServiceEndpoint({ port: 9000, healthPath: '/livez' }),
      security: new SecurityProfile({ uid: 1234, gid: 5678 }),
    });
    const text = Testing.synth(d.project).Dockerfile as string;
    expect(text).toMatch(/^EXPOSE 9000$/m);
    expect(text).toMatch(/^USER 1234:5678$/m);
    expect(d.healthCheckCommand().join(' ')).toContain("os.environ.get('PORT', '9000') + '/livez'");
  });
});

describe('bad input is refused at construction, naming the construct, the option and the fix', () => {
  test.each<[string, DockerfileProps, RegExp]>([
    ['an unknown flavour', { flavour: 'alpine' as never }, /svc\/Dockerfile: option 'flavour' is 'alpine', which is not a runtime flavour\. Fix: choose one of 'slim', 'distroless', 'chainguard'/],
    ['a digest that is not sha256', { runtimeImageDigest: 'md5:abc' }, /svc\/Dockerfile: option 'runtimeImageDigest' is not a sha256 digest: 'md5:abc'\. Fix: give 'sha256:'/],
    ['a Python the flavour does not ship', { flavour: 'distroless', pythonVersion: '3.12' }, /option 'pythonVersion' is '3\.12', which the distroless flavour does not ship\. Fix: choose one of '3\.11'/],
    ['runtime packages on a shell-less runtime', { flavour: 'distroless', runtimePackages: ['libpq5'] }, /option 'runtimePackages' cannot be installed: the distroless runtime has no shell/],
    ['one digest on floating chainguard tags', { flavour: 'chainguard', runtimeImageDigest: `sha256:${'c'.repeat(64)}` }, /option 'runtimeImageDigest' is set for one stage only/],
    ['an app module without an attribute', { appModule: 'app.main' }, /option 'appModule' is 'app\.main', not 'module:attribute'/],
    ['an app path outside the context', { appPaths: ['../secrets'] }, /option 'appPaths' contains '\.\.\/secrets'/],
    ['an image without a tag', { runtimeImage: 'python' }, /option 'runtimeImage' has no tag in 'python'/],
    ['a server version that is a range', { serverRequirements: { gunicorn: '>=23' } }, /option 'serverRequirements\.gunicorn' is '>=23', not an exact version/],
  ])('%s', (_name, props, message) => {
    expect(() => dockerfileOf(props)).toThrow(message);
  });

  test('a uid of 0', () => {
    expect(() => new SecurityProfile({ uid: 0 })).toThrow(/option 'uid' is 0 \(root\), and this profile is non-root\. Fix: give a non-zero uid/);
  });
});

describe('whole-tree checks stop the synth before any file is touched', () => {
  test('a missing requirements file is reported with the fix', () => {
    const project = serviceProject();
    rmSync(join(project.outdir, 'requirements.txt'));
    new Dockerfile(project);
    expect(() => project.synth()).toThrow(/'requirements\.txt' is copied into the image but does not exist/);
  });

  test('an escape hatch that makes root the last user is refused', () => {
    const project = serviceProject();
    new Dockerfile(project).runtime.add('USER', 'root');
    expect(() => project.synth()).toThrow(/the final stage 'runtime' runs as root/);
  });

  test('a COPY --from an unknown stage is refused', () => {
    const project = serviceProject();
    new Dockerfile(project).runtime.add('COPY', '--from=tools /bin/tool /bin/tool');
    expect(() => project.synth()).toThrow(/copies --from=tools, which is not an earlier stage/);
  });

  test('a failed synth leaves every previously generated file exactly as it was', () => {
    const project = serviceProject();
    new Dockerfile(project);
    project.synth();
    const before = readFileSync(join(project.outdir, 'Dockerfile'), 'utf-8');
    const beforeReq = readFileSync(join(project.outdir, ServerRequirements.FILE), 'utf-8');

    const { ServiceProject } = require('@keelson/core');
    const again = new ServiceProject({ name: 'svc', outdir: project.outdir });
    const broken = new Dockerfile(again, { pythonVersion: '3.11', serverRequirements: { gunicorn: '23.0.0' } });
    broken.runtime.add('USER', '0:0');
    let error: unknown;
    try { again.synth(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(KeelsonSynthError);
    expect(readFileSync(join(project.outdir, 'Dockerfile'), 'utf-8')).toBe(before);
    expect(readFileSync(join(project.outdir, ServerRequirements.FILE), 'utf-8')).toBe(beforeReq);
    expect(existsSync(join(project.outdir, '.projen', 'files.json'))).toBe(true);
  });
});

describe('hand edits', () => {
  test('a generated file edited by hand is kept aside, named, and rewritten', () => {
    const project = serviceProject();
    new Dockerfile(project);
    project.synth();
    const path = join(project.outdir, 'Dockerfile');
    const original = readFileSync(path, 'utf-8');
    expect(statSync(path).mode & 0o222).toBe(0);
    chmodSync(path, 0o644);
    writeFileSync(path, `${original}RUN echo edited\n`);

    const { ServiceProject, KeelsonSynth } = require('@keelson/core');
    const again = new ServiceProject({ name: 'svc', outdir: project.outdir });
    new Dockerfile(again);
    const warnings: string[] = [];
    again.logger.warn = (...text: unknown[]) => { warnings.push(text.join(' ')); };
    again.synth();
    expect(readFileSync(path, 'utf-8')).toBe(original);
    expect(readFileSync(`${path}.hand-edit`, 'utf-8')).toContain('RUN echo edited');
    expect(KeelsonSynth.of(again).keptHandEdits).toEqual([{ file: 'Dockerfile', keptAs: 'Dockerfile.hand-edit' }]);
    expect(warnings.join('\n')).toMatch(/Dockerfile was edited by hand since the last synth\. The edited copy is kept as Dockerfile\.hand-edit.*set the Dockerfile props, or change its model/);
  });

  test('Keelson\'s own earlier output is rewritten without being kept aside', () => {
    const project = serviceProject();
    new Dockerfile(project, { pythonVersion: '3.11' });
    project.synth();
    const { ServiceProject, KeelsonSynth } = require('@keelson/core');
    const again = new ServiceProject({ name: 'svc', outdir: project.outdir });
    new Dockerfile(again, { pythonVersion: '3.12' });
    again.synth();
    expect(KeelsonSynth.of(again).keptHandEdits).toEqual([]);
    expect(existsSync(join(project.outdir, 'Dockerfile.hand-edit'))).toBe(false);
  });
});

describe('with an app server component', () => {
  const appServer: IAppServer = {
    endpoint: new ServiceEndpoint({ port: 8100 }),
    module: 'gunicorn',
    configFile: 'gunicorn.conf.py',
    keepAliveSeconds: 75,
    timeoutSeconds: 30,
    gracefulTimeoutSeconds: 25,
    requirements: [{ name: 'gunicorn', version: '23.0.0' }],
    command: (appModule) => ['--config', 'gunicorn.conf.py', appModule],
  };

  function withConfigFile(props: DockerfileProps) {
    const project = serviceProject();
    writeFileSync(join(project.outdir, 'gunicorn.conf.py'), '');
    return new Dockerfile(project, props);
  }

  test('copies its config file, runs its command and installs its requirements, on its endpoint', () => {
    const d = withConfigFile({ appServer });
    const out = Testing.synth(d.project);
    expect(out.Dockerfile).toContain('COPY gunicorn.conf.py ./gunicorn.conf.py');
    expect(out.Dockerfile).toContain('CMD ["--config", "gunicorn.conf.py", "app.main:app"]');
    expect(out.Dockerfile).toMatch(/^EXPOSE 8100$/m);
    expect(out[ServerRequirements.FILE]).toMatch(/^gunicorn==23\.0\.0$/m);
    expect(out[ServerRequirements.FILE]).not.toContain('uvicorn-worker');
  });

  test('refuses a different endpoint port, and options the app server decides', () => {
    expect(() => withConfigFile({ appServer, endpoint: new ServiceEndpoint({ port: 9000 }) }))
      .toThrow(/option 'endpoint\.port' is 9000, but the app server binds 8100/);
    expect(() => withConfigFile({ appServer, workerClass: 'sync' }))
      .toThrow(/option 'workerClass' is set together with appServer/);
  });
});

describe('builder options for internal base images', () => {
  test('installToolchain defaults to true and false leaves the builder\'s packages as they are', () => {
    expect(dockerfileOf().builder.find('RUN').some((r) => r.args.includes('build-essential'))).toBe(true);
    expect(dockerfileOf({ installToolchain: false }).builder.find('RUN').some((r) => r.args.includes('apt-get'))).toBe(false);
  });

  test('systemSitePackages defaults to false and true lets the virtualenv see the image\'s own packages', () => {
    expect(dockerfileOf().builder.find('RUN').map((r) => r.args)).toContain('/usr/local/bin/python3.12 -m venv /opt/venv');
    expect(dockerfileOf({ flavour: 'distroless', systemSitePackages: true }).builder.find('RUN').map((r) => r.args))
      .toContain('/usr/bin/python3.11 -m venv --system-site-packages /opt/venv');
  });
});
