import { GeneratedFile, registerModel } from '@keelson/core';
import { Component, Project } from 'projen';

/** Props of the .dockerignore component. */
export interface DockerIgnoreProps {
  /**
   * More patterns to exclude, in Docker's syntax.
   * @default - none
   */
  readonly exclude?: string[];
  /**
   * Patterns to bring back after the exclusions (written as `!pattern`).
   * @default - none
   */
  readonly include?: string[];
}

/** What every FastAPI build context leaves out. Each pattern starts with `**` so it holds at any depth. */
export const DEFAULT_DOCKERIGNORE: ReadonlyArray<{ readonly why: string; readonly patterns: readonly string[] }> = [
  { why: 'Version control', patterns: ['**/.git', '**/.gitignore', '**/.gitattributes', '**/.hg', '**/.svn'] },
  {
    why: 'Secrets: environment files, keys and certificates never enter an image',
    patterns: ['**/.env', '**/.env.*', '**/*.env', '**/*.pem', '**/*.key', '**/*.crt', '**/*.p12', '**/*.pfx',
      '**/*.jks', '**/id_rsa*', '**/id_ed25519*', '**/.netrc', '**/.pypirc', '**/.npmrc', '**/.aws', '**/.ssh',
      '**/secrets'],
  },
  { why: 'Virtualenvs', patterns: ['**/.venv', '**/venv', '**/env', '**/.tox', '**/.nox'] },
  {
    why: 'Caches and build output',
    patterns: ['**/__pycache__', '**/*.py[cod]', '**/.mypy_cache', '**/.pytest_cache', '**/.ruff_cache',
      '**/.hypothesis', '**/.coverage', '**/.coverage.*', '**/htmlcov', '**/*.egg-info', '**/build', '**/dist',
      '**/node_modules'],
  },
  { why: 'Tests and docs', patterns: ['**/tests', '**/test', '**/docs', '**/*.md'] },
  { why: 'Editors and OS files', patterns: ['**/.idea', '**/.vscode', '**/*.swp', '**/*~', '**/.DS_Store'] },
  {
    why: 'Deployment tooling that the image does not run',
    patterns: ['**/.projen', '**/.projenrc.*', '**/projenrc', '**/.hand-edit', '**/*.hand-edit', '**/compose*.yaml',
      '**/compose*.yml', '**/docker-compose*.yml', '**/Dockerfile*', '**/.dockerignore', '**/nginx', '**/k8s',
      '**/package.json', '**/pnpm-lock.yaml', '**/tsconfig*.json'],
  },
];

/**
 * `.dockerignore` for a FastAPI service: version control, secrets, virtualenvs, caches, tests and docs are
 * excluded at ANY depth of the build context, not only at its root.
 */
export class DockerIgnore extends Component {
  public readonly exclude: string[];
  public readonly include: string[];
  public readonly file: GeneratedFile;

  public constructor(project: Project, props: DockerIgnoreProps = {}) {
    super(project, 'DockerIgnore');
    this.exclude = [...(props.exclude ?? [])];
    this.include = [...(props.include ?? [])];
    this.file = new GeneratedFile(this, '.dockerignore', () => this.render(), {
      editHint: 'pass exclude / include to the DockerIgnore in .projenrc.ts',
    });
    registerModel(this, 'dockerignore', () => ({ file: this.file.path, patterns: this.patterns }));
  }

  /** Every pattern in order, as written (exclusions, then `!` re-inclusions). */
  public get patterns(): string[] {
    return [...DEFAULT_DOCKERIGNORE.flatMap((g) => g.patterns), ...this.exclude, ...this.include.map((p) => `!${p}`)];
  }

  private render(): string {
    const blocks = DEFAULT_DOCKERIGNORE.map((g) => [`# ${g.why}`, ...g.patterns].join('\n'));
    if (this.exclude.length > 0) blocks.push(['# Project exclusions', ...this.exclude].join('\n'));
    if (this.include.length > 0) blocks.push(['# Brought back on purpose', ...this.include.map((p) => `!${p}`)].join('\n'));
    return blocks.join('\n\n');
  }
}
