import { APP_PYTHON_PACKAGES, BaseImageResult, DISTROLESS_BASE, PYTHON_BASE, ensureBaseImage, ensureBaseImages } from '../src/base-images';
import { describeWithEngine } from './engine-support';

// Prints the version of every Debian Python distribution the app uses, one `name==version` a line, sorted.
const LIST_DISTRIBUTIONS = 'import importlib.metadata as m; '
  + 'print("\\n".join(sorted("%s==%s" % (d.metadata["Name"].lower(), d.version) for d in m.distributions())))';

describeWithEngine('local base images built from Debian packages', (engine) => {
  let built: BaseImageResult[];

  beforeAll(async () => {
    built = await ensureBaseImages(engine().docker);
  }, 900_000);

  test('are reused on the next run when present and built from the same recipe', async () => {
    for (const recipe of [PYTHON_BASE, DISTROLESS_BASE]) {
      const again = await ensureBaseImage(engine().docker, recipe);
      expect(again).toMatchObject({ reference: recipe.reference, reused: true });
    }
    expect(built.map((b) => b.reference)).toEqual([PYTHON_BASE.reference, DISTROLESS_BASE.reference]);
  });

  describe(PYTHON_BASE.reference, () => {
    const image = PYTHON_BASE.reference;

    test('has Debian\'s python3.11 at /usr/bin/python3.11 and, like the official image, at /usr/local/bin/python3.11', async () => {
      const out = await engine().docker.out(['run', '--rm', '--pull=never', '--network=none', image,
        '/usr/local/bin/python3.11', '-c', 'import os, sys; print(sys.version_info[:2] == (3, 11), os.path.realpath(sys.executable))']);
      expect(out).toBe('True /usr/bin/python3.11');
    });

    test('imports the app\'s dependencies from Debian, including uvicorn 0.17\'s own worker class', async () => {
      const out = await engine().docker.out(['run', '--rm', '--pull=never', '--network=none', '--read-only', image, 'python3', '-c',
        'import fastapi, uvicorn, uvicorn.workers, gunicorn, celery, redis, psycopg2, sqlalchemy, alembic; '
        + 'print(fastapi.__version__, uvicorn.__version__, gunicorn.__version__)']);
      expect(out).toBe('0.92.0 0.17.6 20.1.0');
    });

    test('has the shell, groupadd/useradd and a dpkg database that the slim flavour\'s build steps rely on', async () => {
      const out = await engine().docker.out(['run', '--rm', '--pull=never', '--network=none', image, '/bin/sh', '-c',
        'command -v groupadd useradd >/dev/null && dpkg-query -W -f="\\${Status}\\n" python3.11 libc6 | sort -u']);
      expect(out).toBe('install ok installed');
    });

    test('has no package index: pip fails at once instead of reaching for one', async () => {
      const result = await engine().docker.run(['run', '--rm', '--pull=never', '--network=none', image,
        // In a virtualenv, with the pip the builder's gets (ensurepip's wheel), run straight from the wheel (fast).
        'sh', '-c', 'python3 -m venv --without-pip /tmp/v && PYTHONPATH="$(ls /usr/share/python-wheels/pip-*.whl)" '
          + '/tmp/v/bin/python -m pip install --disable-pip-version-check no-such-package-keelson'],
      { allowFailure: true, timeoutMs: 120_000 });
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/No matching distribution found for no-such-package-keelson/);
      expect(result.stdout + result.stderr).not.toMatch(/Retrying/);
    });
  });

  describe(DISTROLESS_BASE.reference, () => {
    const image = DISTROLESS_BASE.reference;

    test.each(['/bin/sh', '/bin/bash', '/usr/bin/dpkg', '/usr/bin/apt-get', '/bin/ls', '/busybox/sh'])('cannot run %s: there is none', async (program) => {
      const result = await engine().docker.run(['run', '--rm', '--pull=never', '--network=none', '--entrypoint', program, image, '-c', 'true'],
        { allowFailure: true });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/no such file or directory/);
    });

    test('runs Debian\'s python3.11 at /usr/bin/python3.11 as nonroot (65532), like distroless :nonroot', async () => {
      const { docker } = engine();
      const config = (await docker.inspect(image, 'image')).Config;
      expect(config.Entrypoint).toEqual(['/usr/bin/python3.11']);
      expect(config.User).toBe('65532');
      // Distroless points OpenSSL at its bundle with SSL_CERT_FILE: the default context must load the CA certificates.
      const out = await docker.out(['run', '--rm', '--pull=never', '--network=none', '--read-only', image, '-c',
        'import os, pwd, sys, ssl; print(sys.executable, os.getuid(), pwd.getpwuid(os.getuid()).pw_name, '
        + 'ssl.create_default_context().cert_store_stats()["x509_ca"] > 100)']);
      expect(out).toBe('/usr/bin/python3.11 65532 nonroot True');
    });

    test('carries the same Debian Python distributions, at the same versions, as the builder base', async () => {
      const { docker } = engine();
      const inDistroless = await docker.out(['run', '--rm', '--pull=never', '--network=none', image, '-c', LIST_DISTRIBUTIONS]);
      const inPython = await docker.out(['run', '--rm', '--pull=never', '--network=none', PYTHON_BASE.reference, 'python3', '-c', LIST_DISTRIBUTIONS]);
      const app = (list: string) => list.split('\n').filter((line) => APP_PYTHON_PACKAGES
        .some((pkg) => line.startsWith(`${pkg.replace(/^python3-/, '')}==`)));
      expect(app(inDistroless)).toHaveLength(APP_PYTHON_PACKAGES.length);
      expect(app(inDistroless)).toEqual(app(inPython));
      // Everything the distroless base has, the builder has at the same version (the builder may have more: pip, venv).
      const builder = new Set(inPython.split('\n'));
      expect(inDistroless.split('\n').filter((d) => !builder.has(d))).toEqual([]);
    });
  });
});
