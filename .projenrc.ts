import { existsSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { JsonFile, javascript, typescript } from 'projen';

/**
 * The Keelson workspace: one declaration for every package, task and shared setting.
 * Versions the whole workspace must agree on live here, once.
 */
const PNPM_VERSION = '12.4.2';
// npm's typescript@latest is 7.x, with no JavaScript API: ts-node and ts-jest need 5.x.
const TYPESCRIPT_VERSION = '5.9.3';
// Without it projen asks for @types/node@ts5.9, a tag that does not exist.
const MIN_NODE_VERSION = '20.0.0';
const PROJEN_VERSION = '0.103.25';
const CONSTRUCTS_VERSION = '10.8.1';
const JEST_VERSION = '^29';
const REPOSITORY = 'https://github.com/keelson-dev/keelson.git';

const sharedTsconfig = {
  compilerOptions: { lib: ['es2022'], target: 'ES2022' },
};
const jestOptions: javascript.JestOptions = {
  jestVersion: JEST_VERSION,
  // A snapshot never rewrites itself in a test run: update it on purpose, with `-u`.
  updateSnapshot: javascript.UpdateSnapshot.NEVER,
  jestConfig: { testTimeout: 120_000, collectCoverage: false },
};

const root = new typescript.TypeScriptProject({
  name: 'keelson-workspace',
  description: 'Production deployment for FastAPI services, as code: projen components.',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  projenVersion: PROJEN_VERSION,
  packageManager: javascript.NodePackageManager.PNPM,
  pnpmVersion: PNPM_VERSION,
  typescriptVersion: TYPESCRIPT_VERSION,
  minNodeVersion: MIN_NODE_VERSION,
  license: 'Apache-2.0',
  copyrightOwner: 'The Keelson authors',
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  eslint: false,
  prettier: false,
  sampleCode: false,
  package: false,
  readme: { filename: 'README.md', contents: '# TODO\n' },
  tsconfig: sharedTsconfig,
  jest: true,
  jestOptions: {
    ...jestOptions,
    jestConfig: { ...jestOptions.jestConfig, testPathIgnorePatterns: ['/node_modules/', '/packages/', '/examples/'] },
  },
  pnpmOptions: {
    workspaceYamlOptions: {
      packages: ['packages/*', 'examples/*'],
      // pnpm 12 fails an install on dependencies whose build scripts nobody reviewed.
      // verdaccio 6.8.0 asks for node-fetch@cjs, a tag that no longer exists; 2.7.0 is the CommonJS line.
      overrides: { 'node-fetch': '2.7.0' },
      allowBuilds: { '@parcel/watcher': false, 'esbuild': false, 'core-js': false, 'unrs-resolver': false },
    },
  },
  devDeps: [
    // 2.x: 3.x needs Node 22.11+, and this project runs on Node 20.
    '@changesets/cli@2.31.1',
    'yaml@^2',
    `constructs@${CONSTRUCTS_VERSION}`,
    // A local registry for the as-published test; 6.8.0 is the last release that runs on Node 20.
    'verdaccio@6.8.0',
  ],
  gitignore: ['/.keelson-tmp/', '*.tgz'],
});
root.package.addField('private', true);

root.package.addField('repository', { type: 'git', url: REPOSITORY });
// Versioning: changesets own the packages' versions and CHANGELOGs; projen only writes the config.
new JsonFile(root, '.changeset/config.json', {
  obj: {
    $schema: 'https://unpkg.com/@changesets/config@3.1.4/schema.json',
    changelog: '@changesets/cli/changelog',
    commit: false,
    fixed: [],
    linked: [],
    access: 'public',
    baseBranch: 'main',
    updateInternalDependencies: 'patch',
    ignore: [],
    privatePackages: { version: false, tag: false },
  },
});

// The workspace root builds nothing itself: its compile step compiles the packages in dependency order.
root.compileTask.reset();

/**
 * The version a package has now: changesets own it, projen must not reset it to 0.0.0.
 */
function currentVersion(outdir: string): string {
  const manifest = join(__dirname, outdir, 'package.json');
  if (!existsSync(manifest)) return '0.0.0';
  return JSON.parse(readFileSync(manifest, 'utf-8')).version ?? '0.0.0';
}

interface KeelsonPackageOptions {
  readonly name: string;
  readonly description: string;
  readonly internalDeps?: typescript.TypeScriptProject[];
  readonly deps?: string[];
  readonly devDeps?: string[];
  /** Files published beside dist/, also exported as subpaths. */
  readonly extraFiles?: string[];
}

const packages: typescript.TypeScriptProject[] = [];

function keelsonPackage(options: KeelsonPackageOptions): typescript.TypeScriptProject {
  const outdir = `packages/${options.name}`;
  const pkg = new typescript.TypeScriptProject({
    parent: root,
    outdir,
    name: `@keelson/${options.name}`,
    description: options.description,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.PNPM,
    pnpmVersion: PNPM_VERSION,
    typescriptVersion: TYPESCRIPT_VERSION,
    minNodeVersion: MIN_NODE_VERSION,
    license: 'Apache-2.0',
    copyrightOwner: 'The Keelson authors',
    repository: REPOSITORY,
    repositoryDirectory: outdir,
    libdir: 'dist',
    entrypoint: 'dist/index.js',
    artifactsDirectory: 'artifacts',
    eslint: false,
    prettier: false,
    sampleCode: false,
    readme: { filename: 'README.md', contents: '# TODO\n' },
    tsconfig: sharedTsconfig,
    jest: true,
    jestOptions,
    peerDeps: [`projen@^${PROJEN_VERSION}`, `constructs@^${CONSTRUCTS_VERSION}`],
    peerDependencyOptions: { pinnedDevDependency: false },
    devDeps: [`projen@${PROJEN_VERSION}`, `constructs@${CONSTRUCTS_VERSION}`, ...(options.devDeps ?? [])],
    deps: [
      ...(options.internalDeps ?? []).map((dep) => `${dep.package.packageName}@workspace:^`),
      ...(options.deps ?? []),
    ],
    npmAccess: javascript.NpmAccess.PUBLIC,
  });
  pkg.package.addVersion(currentVersion(outdir));
  const extraFiles = options.extraFiles ?? [];
  pkg.package.addField('files', ['dist', '!dist/**/*.tsbuildinfo', ...extraFiles]);
  pkg.package.addField('exports', {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
    ...Object.fromEntries(extraFiles.map((file) => [`./${file}`, `./${file}`])),
  });
  pkg.package.addField('sideEffects', false);
  // The package installs through the workspace root: projen must not run its own install per package.
  pkg.tasks.tryFind('install')?.reset();
  packages.push(pkg);
  return pkg;
}

const core = keelsonPackage({
  name: 'core',
  description: 'Keelson contracts shared by every component (image, endpoint, security profile, limits) and projen-owned file helpers.',
});

keelsonPackage({
  name: 'dockerfile',
  description: 'Keelson Dockerfile and .dockerignore components for FastAPI services.',
  internalDeps: [core],
  devDeps: ['dockerfile-utils@0.16.3', 'dockerfile-ast@0.7.1'],
});

keelsonPackage({
  name: 'gunicorn',
  description: 'Keelson gunicorn.conf.py component: workers sized to the container at run time, only settings the worker class honours.',
  internalDeps: [core],
});

keelsonPackage({
  name: 'nginx',
  description: 'Keelson nginx.conf component: TLS, rate limits, static files and upstream keep-alive coherent with the app server.',
  internalDeps: [core],
  // The end-to-end tests put the generated nginx in front of the generated gunicorn.
  devDeps: ['@keelson/gunicorn@workspace:^'],
});

keelsonPackage({
  name: 'compose',
  description: 'Keelson compose.yaml and compose.prod.yaml: health-gated start order, private data services, derived sizing, hardening.',
  internalDeps: [core],
  deps: ['yaml@^2'],
  devDeps: ['ajv@^8', 'ajv-formats@^3', 'json-schema-to-typescript@^15'],
});

const policy = keelsonPackage({
  name: 'hardening-policy',
  description: 'Keelson hardening policy: rules over the whole deployment (every generated file at once), checked before any file is written.',
  internalDeps: [core],
  // The rules are tested against services built from the real components, and the SARIF output against its schema.
  // The Kubernetes rules are tested against manifests from the real Kubernetes component.
  devDeps: ['@keelson/dockerfile@workspace:^', '@keelson/gunicorn@workspace:^', '@keelson/nginx@workspace:^', '@keelson/compose@workspace:^',
    '@keelson/kubernetes@workspace:^', 'ajv@^8', 'ajv-formats@^3',
    // The pipeline rules are tested against the workflow of the real ImagePipeline.
    '@keelson/pipeline@workspace:^',
    // Ships the SARIF 2.1.0 JSON schema (lib/schemas/sarif-2.1.0-rtm.5.json) the report tests validate against.
    '@microsoft/jest-sarif@1.0.0-beta.0'],
  // The rule table, generated from the registry (a test fails when it is stale).
  extraFiles: ['RULES.md'],
});

keelsonPackage({
  name: 'kubernetes',
  description: 'Keelson Kubernetes manifests (k8s/*.yaml) from the same declaration, with the same hardening, built with cdk8s.',
  internalDeps: [core],
  // cdk8s core only: the model the policy reads must be exactly what is written (cdk8s-plus would build it).
  deps: ['cdk8s@^2.70', 'yaml@^2'],
  devDeps: ['kubernetes-models@^5'],
});

keelsonPackage({
  name: 'pipeline',
  description: 'Keelson image pipeline: a generated CI workflow that builds, scans, signs and publishes the image, and keeps pinned bases current.',
  internalDeps: [core],
  deps: ['yaml@^2'],
  devDeps: ['@action-validator/core@^0.6', '@action-validator/cli@^0.6', 'ajv@^8', 'ajv-formats@^3'],
});

keelsonPackage({
  name: 'fastapi',
  description: 'Keelson FastApiService: one declaration for the whole FastAPI deployment, and a projen project type for new services.',
  internalDeps: [core],
  deps: ['@keelson/dockerfile@workspace:^', '@keelson/gunicorn@workspace:^', '@keelson/nginx@workspace:^',
    '@keelson/compose@workspace:^', '@keelson/hardening-policy@workspace:^', '@keelson/kubernetes@workspace:^'],
  devDeps: ['@mermaid-js/parser@^2', 'yaml@^2', 'dockerfile-utils@0.16.3', 'ajv@^8', 'ajv-formats@^3'],
  // projen finds project types for `projen new --from` through a .jsii manifest in the package.
  extraFiles: ['.jsii'],
});

policy.addTask('rules-md', { description: 'Regenerate RULES.md from the rule registry', exec: 'node scripts/write-rules-md.js' });

// Workspace tasks: compile every package in dependency order, test everything, synthesize the examples.
function relativeDir(pkg: typescript.TypeScriptProject): string {
  return pkg.outdir.replace(`${root.outdir}/`, '');
}
for (const pkg of packages) {
  root.compileTask.exec('pnpm exec projen compile', { cwd: relativeDir(pkg) });
}
const synthExamples = root.addTask('synth:examples', {
  description: 'Synthesize every example service from its own .projenrc.ts',
  exec: 'node scripts/synth-examples.mjs',
});
const driftCheck = root.addTask('drift', {
  description: 'Re-synthesize every example and fail, naming the files, on any difference from what is committed',
  exec: 'node scripts/drift-check.mjs',
});
root.addTask('bench', {
  description: 'Benchmarks (not part of the tests): synth cost, serving through the generated stack, scale; prints ratios, writes bench/results.json',
  exec: 'node bench/run.mjs',
  receiveArgs: true,
});
const testAll = root.addTask('test:all', {
  description: 'The whole test suite: compile, every package\'s tests, the workspace tests, the drift check',
});
// Each jest run also writes a JSON report; test-summary adds them up into one closing line.
const report = (name: string, fromDir = '.') => `--json --outputFile=${join(relative(fromDir, '.'), '.keelson-tmp', 'jest', `${name}.json`)}`;
testAll.exec('rm -rf .keelson-tmp/jest && mkdir -p .keelson-tmp/jest');
testAll.spawn(root.compileTask);
for (const pkg of packages) {
  testAll.exec(`pnpm exec projen test ${report(pkg.package.packageName.replace('@keelson/', ''), relativeDir(pkg))}`, { cwd: relativeDir(pkg) });
}
testAll.exec(`pnpm exec projen test ${report('workspace')}`);
root.addTask('test:containers', {
  description: 'Build the generated images and run them hardened on a Docker engine the tests start (root, Debian docker.io)',
  exec: 'jest --config containers/jest.config.js',
});
testAll.exec(`pnpm exec jest --config containers/jest.config.js ${report('containers')}`);
testAll.spawn(driftCheck);
testAll.exec('node scripts/test-summary.mjs .keelson-tmp/jest');
void synthExamples;

root.synth();
