import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Testing } from 'projen';
import { DockerIgnore, Dockerfile } from '../src';
import { serviceProject } from './support';

/** Debian's python3 with docker-py (from the docker-compose package): Docker's own matching rules. */
const PYTHON = '/usr/bin/python3';
const DOCKER_PY_CONTEXT = `
import json, os, sys
from docker.utils.build import exclude_paths
root, ignore_file = sys.argv[1], sys.argv[2]
# Exactly how docker-py's APIClient.build reads a .dockerignore.
with open(ignore_file) as f:
    patterns = list(filter(lambda x: x != '' and x[0] != '#', [line.strip() for line in f.read().splitlines()]))
sent = exclude_paths(root, patterns, dockerfile='Dockerfile')
print(json.dumps(sorted(p for p in sent if os.path.isfile(os.path.join(root, p)))))
`;

function dockerPyAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import docker.utils.build'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${PYTHON} cannot import docker-py: install Debian's docker-compose package`);
    return false;
  }
}

/** The files Docker would send as the build context, given a .dockerignore. */
function contextFiles(files: string[], dockerignore: string): string[] {
  const root = mkdtempSync(join(tmpdir(), 'keelson-context-'));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), 'x');
  }
  const ignoreFile = join(mkdtempSync(join(tmpdir(), 'keelson-ignore-')), '.dockerignore');
  writeFileSync(ignoreFile, dockerignore);
  return JSON.parse(execFileSync(PYTHON, ['-c', DOCKER_PY_CONTEXT, root, ignoreFile], { encoding: 'utf-8' }));
}

const KEPT = [
  'Dockerfile', // Docker always sends the Dockerfile itself
  'app/__init__.py',
  'app/main.py',
  'app/routes/notes.py',
  'app/static/app.css',
  'gunicorn.conf.py',
  'requirements-server.txt',
  'requirements.txt',
];
const EXCLUDED = [
  '.env', 'app/.env', 'app/config/.env.production', 'deep/nested/dir/.env.local', 'app/settings.env',
  'app/certs/server.key', 'app/certs/server.crt', 'ops/tls/chain.pem', 'deep/nested/id_rsa', 'deep/nested/id_ed25519.pub',
  'app/keystore.p12', 'app/.aws/credentials', '.ssh/config', 'app/.netrc', 'app/secrets/db_password',
  '.git/config', 'app/vendored/.git/HEAD',
  '.venv/bin/python', 'venv/lib/site.py', 'app/.venv/pyvenv.cfg',
  'app/__pycache__/main.cpython-312.pyc', 'app/routes/__pycache__/notes.cpython-312.pyc', 'app/legacy.pyc',
  '.mypy_cache/3.12/x.json', 'app/.pytest_cache/v/cache', 'app/.ruff_cache/x', '.coverage', 'htmlcov/index.html',
  'app/pkg.egg-info/PKG-INFO', 'node_modules/projen/index.js',
  'tests/test_main.py', 'app/tests/test_notes.py', 'docs/index.md', 'README.md', 'app/NOTES.md',
  '.idea/workspace.xml', '.vscode/settings.json', 'app/main.py.swp', '.DS_Store',
  '.projenrc.ts', '.projen/tasks.json', 'compose.yaml', 'compose.prod.yaml', 'nginx/nginx.conf', 'k8s/app.yaml',
  'Dockerfile.hand-edit', 'package.json', 'tsconfig.projenrc.json',
];

const haveDockerPy = dockerPyAvailable();
const maybe = haveDockerPy ? describe : describe.skip;

maybe('the generated .dockerignore, as docker-py applies it to a real context', () => {
  const project = serviceProject();
  new Dockerfile(project);
  new DockerIgnore(project);
  const dockerignore = Testing.synth(project)['.dockerignore'] as string;
  const sent = contextFiles([...KEPT, ...EXCLUDED], dockerignore);

  test('sends exactly the code, the requirements and the server config', () => {
    expect(sent).toEqual([...KEPT].sort());
  });

  test.each(EXCLUDED)('keeps %s out of the context, at whatever depth', (file) => {
    expect(sent).not.toContain(file);
  });

  test('brings a path back when the project asks for it, and excludes more on request', () => {
    const custom = new DockerIgnore(serviceProject(), { include: ['docs/openapi.md'], exclude: ['**/*.sqlite3'] });
    const text = Testing.synth(custom.project)['.dockerignore'] as string;
    const files = contextFiles(['docs/openapi.md', 'docs/other.md', 'app/main.py', 'app/db.sqlite3'], text);
    expect(files).toEqual(['app/main.py', 'docs/openapi.md']);
  });
});

test('the default .dockerignore lists every pattern from its groups, starting with **/', () => {
  const ignore = new DockerIgnore(serviceProject());
  for (const pattern of ignore.patterns) expect(pattern).toMatch(/^\*\*\//);
});
