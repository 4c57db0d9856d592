import { Testing } from 'projen';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { Dockerfile, DockerfileProps, RuntimeFlavourName } from '../src';
import { serviceProject } from './support';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Every variant Keelson can emit that a test should put through the real parser and linter. */
const VARIANTS: Array<[string, DockerfileProps]> = [
  ['slim defaults', {}],
  ['slim 3.11 with runtime packages and writable paths', {
    pythonVersion: '3.11', runtimePackages: ['libpq5'], builderPackages: ['libpq-dev'],
  }],
  ['distroless', { flavour: 'distroless' }],
  ['distroless pinned by digest', { flavour: 'distroless', builderImageDigest: DIGEST, runtimeImageDigest: DIGEST }],
  ['chainguard latest', { flavour: 'chainguard' }],
  ['chainguard 3.13', { flavour: 'chainguard', pythonVersion: '3.13' }],
  ['without syntax directive', { syntax: false }],
];

/** The interpreter each flavour's runtime image really has (from the images' own layouts). */
const RUNTIME_INTERPRETERS: Record<RuntimeFlavourName, (v: string) => string> = {
  slim: (v) => `/usr/local/bin/python${v}`, // official python images install under /usr/local
  distroless: () => '/usr/bin/python3.11', // distroless python3-debian12: Debian 12's python3.11
  chainguard: (v) => (v === 'latest' ? '/usr/bin/python3' : `/usr/bin/python${v}`),
};

function synthDockerfile(props: DockerfileProps): { text: string; dockerfile: Dockerfile } {
  const project = serviceProject();
  const dockerfile = new Dockerfile(project, props);
  return { text: Testing.synth(project).Dockerfile as string, dockerfile };
}

function stages(text: string): Array<{ name: string; instructions: Instruction[] }> {
  const parsed = DockerfileParser.parse(text);
  return parsed.getFROMs().map((from, index, froms) => {
    const start = from.getRange().start.line;
    const end = index + 1 < froms.length ? froms[index + 1].getRange().start.line : Number.MAX_SAFE_INTEGER;
    return {
      name: from.getBuildStage() ?? String(index),
      instructions: parsed.getInstructions().filter((i) => i.getRange().start.line >= start && i.getRange().start.line < end),
    };
  });
}

const argsOf = (i: Instruction) => i.getArgumentsContent() ?? '';

describe.each(VARIANTS)('the %s Dockerfile', (_name, props) => {
  const { text, dockerfile } = synthDockerfile(props);
  const all = stages(text);
  const runtime = all[all.length - 1];

  test('parses and lints with zero diagnostics', () => {
    expect(validate(text)).toEqual([]);
    expect(validate(text).filter((d) => d.severity === ValidationSeverity.ERROR)).toHaveLength(0);
  });

  test('puts the syntax directive, when emitted, on the very first line', () => {
    const first = text.split('\n')[0];
    if (props.syntax === false) expect(first).not.toMatch(/^# syntax=/);
    else expect(first).toBe('# syntax=docker/dockerfile:1');
  });

  test('has a builder and a runtime stage, and every COPY --from names an earlier stage', () => {
    expect(all.map((s) => s.name)).toEqual(['builder', 'runtime']);
    all.forEach((stage, index) => {
      for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY')) {
        const from = /--from=(\S+)/.exec(argsOf(copy))?.[1];
        if (from) expect(all.slice(0, index).map((s) => s.name)).toContain(from);
      }
    });
  });

  test('runs the runtime stage as the non-root uid, last', () => {
    const users = runtime.instructions.filter((i) => i.getKeyword() === 'USER').map(argsOf);
    expect(users[users.length - 1]).toBe('65532:65532');
    expect(users[users.length - 1]).not.toMatch(/^(0|root)\b/);
  });

  test('keeps compilers and headers out of the runtime stage', () => {
    const runtimeText = runtime.instructions.map((i) => i.getTextContent() ?? '').join('\n');
    expect(runtimeText).not.toMatch(/build-essential|\bgcc\b|\bg\+\+|-dev\b|apk add/);
  });

  test('health-checks the endpoint port and path in exec form, with no shell and no curl', () => {
    const check = runtime.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK')!;
    const content = argsOf(check);
    const argv = JSON.parse(content.slice(content.indexOf('CMD') + 3).trim()) as string[];
    expect(argv[0]).toBe('/opt/venv/bin/python');
    expect(argv[2]).toContain("os.environ.get('PORT', '8000')");
    expect(argv[2]).toContain("'/health'");
    expect(content).not.toMatch(/curl|wget|CMD-SHELL/);
    expect(runtime.instructions.find((i) => i.getKeyword() === 'EXPOSE') && argsOf(runtime.instructions.find((i) => i.getKeyword() === 'EXPOSE')!)).toBe('8000');
  });

  test('builds the virtualenv with the interpreter the runtime image really has', () => {
    const venv = all[0].instructions.find((i) => i.getKeyword() === 'RUN' && argsOf(i).includes('-m venv'))!;
    const expected = RUNTIME_INTERPRETERS[dockerfile.flavour.name](dockerfile.pythonVersion);
    expect(argsOf(venv)).toBe(`${expected} -m venv /opt/venv`);
    const entrypoint = JSON.parse(argsOf(runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT')!));
    expect(entrypoint).toEqual(['/opt/venv/bin/python', '-m', 'gunicorn']);
  });

  test('installs requirements before copying the code, with a pip cache mount', () => {
    const builderRuns = all[0].instructions.map((i) => i.getTextContent() ?? '');
    const install = builderRuns.findIndex((a) => a.includes('pip install'));
    expect(builderRuns[install]).toMatch(/^RUN --mount=type=cache,target=\/root\/\.cache\/pip /);
    expect(builderRuns[install]).toContain('-r /tmp/requirements/requirements-server.txt');
    expect(all[0].instructions.some((i) => i.getKeyword() === 'COPY' && argsOf(i).startsWith('app'))).toBe(false);
  });

  test('takes its base images from build ARGs with pinned tags', () => {
    const parsed = DockerfileParser.parse(text);
    const froms = parsed.getFROMs().map((f) => argsOf(f));
    expect(froms).toEqual(['${BUILDER_IMAGE} AS builder', '${RUNTIME_IMAGE} AS runtime']);
    const args = parsed.getInstructions().filter((i) => i.getRange().start.line < parsed.getFROMs()[0].getRange().start.line).map(argsOf);
    for (const arg of args) expect(arg).toMatch(/^(BUILDER|RUNTIME)_IMAGE=[^:]+:[\w.-]+(@sha256:[a-f0-9]{64})?$/);
  });

  test('writes keywords in upper case and `AS` as BuildKit expects', () => {
    for (const i of DockerfileParser.parse(text).getInstructions()) expect(i.getKeyword()).toBe(i.getKeyword().toUpperCase());
    expect(text).not.toMatch(/ as (builder|runtime)/);
  });
});
