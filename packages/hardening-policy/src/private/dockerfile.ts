import { DockerInstructionView, DockerStageView, DockerfileView } from '@keelson/core';

/** `ARG NAME=value` defaults of the instructions, by name. */
export function argDefaults(instructions: readonly DockerInstructionView[]): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const instruction of instructions) {
    if (instruction.keyword !== 'ARG') continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(instruction.args.trim());
    if (match) defaults[match[1]] = unquote(match[2].trim());
  }
  return defaults;
}

/** `text` with `${NAME}`, `${NAME:-x}` and `$NAME` replaced from `values` (unknown names are kept as written). */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, fallback, bare) => {
    const name = braced ?? bare;
    return values[name] ?? fallback ?? whole;
  });
}

/** The image a stage is built FROM, with the global ARG defaults (and overrides, e.g. compose build args) applied. */
export function stageBase(view: DockerfileView, stage: DockerStageView, overrides: Readonly<Record<string, string>> = {}): string {
  return substitute(stage.from, { ...argDefaults(view.globalArgs), ...overrides });
}

/** The stages built FROM an image (not FROM an earlier stage), each with its resolved base image. */
export function externalBases(view: DockerfileView): Array<{ readonly stage: DockerStageView; readonly base: string }> {
  const earlier = new Set<string>();
  const bases: Array<{ readonly stage: DockerStageView; readonly base: string }> = [];
  for (const stage of view.stages) {
    const base = stageBase(view, stage);
    if (!earlier.has(base)) bases.push({ stage, base });
    earlier.add(stage.name);
  }
  return bases;
}

/** The stage the image is built from: the last one. */
export function finalStage(view: DockerfileView): DockerStageView | undefined {
  return view.stages[view.stages.length - 1];
}

/** The last instruction with `keyword` in a stage. */
export function last(stage: DockerStageView, keyword: string): DockerInstructionView | undefined {
  return [...stage.instructions].reverse().find((i) => i.keyword === keyword);
}

/** Every instruction with `keyword`. */
export function all(stage: DockerStageView, keyword: string): DockerInstructionView[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** `uid:gid` or a name of a USER instruction, split. */
export function userOf(args: string): { user: string; group?: string } {
  const [user, group] = args.trim().split(':');
  return { user, group };
}

/** The variables the ENV instructions of a stage set, in order (later wins). */
export function stageEnv(stage: DockerStageView): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of all(stage, 'ENV')) Object.assign(env, parseEnv(instruction.args));
  return env;
}

/** `ENV A=1 B="two words"` or the legacy `ENV A value`. */
export function parseEnv(args: string): Record<string, string> {
  const text = args.replace(/\\\n/g, ' ').trim();
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(text);
  if (legacy && !text.includes('=')) return { [legacy[1]]: unquote(legacy[2].trim()) };
  const env: Record<string, string> = {};
  const pair = /([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = pair.exec(text); m; m = pair.exec(text)) env[m[1]] = unquote(m[2]);
  return env;
}

/** ARG instructions: names with their default when given. */
export function argDeclarations(instructions: readonly DockerInstructionView[]): Array<{ name: string; value?: string }> {
  return instructions.filter((i) => i.keyword === 'ARG').map((i) => {
    const [name, ...rest] = i.args.trim().split('=');
    return { name: name.trim(), value: rest.length > 0 ? unquote(rest.join('=').trim()) : undefined };
  });
}

/** The arguments of an exec-form instruction (`["a", "b"]`), or undefined for the shell form. */
export function execArgs(args: string): string[] | undefined {
  const text = args.trim();
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The flags (`--from=x`, `--chown=u:g`) and the paths of a COPY or ADD. */
export function copyParts(args: string): { flags: Record<string, string>; sources: string[]; destination: string } {
  const exec = execArgs(args);
  const words = exec ?? args.trim().split(/\s+/);
  const flags: Record<string, string> = {};
  const paths: string[] = [];
  for (const word of words) {
    const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(word);
    if (flag && paths.length === 0) flags[flag[1]] = flag[2] ?? 'true';
    else paths.push(word);
  }
  return { flags, sources: paths.slice(0, -1), destination: paths[paths.length - 1] ?? '' };
}

function unquote(value: string): string {
  if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) return value.slice(1, -1);
  return value;
}

/** A HEALTHCHECK instruction's command, exec form, or undefined for `NONE` or the shell form. */
export function healthCheckCommand(args: string): string[] | undefined {
  const cmd = /\bCMD\s+([\s\S]*)$/.exec(args);
  if (!cmd) return undefined;
  return execArgs(cmd[1]) ?? ['/bin/sh', '-c', cmd[1].trim()];
}
