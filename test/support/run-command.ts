import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { delimiter, isAbsolute, join, relative } from 'path';

/** Options of one external command. */
export interface RunOptions {
  /** The working directory. */
  readonly cwd: string;
  /** The whole environment of the command (nothing is inherited beyond it). */
  readonly env?: NodeJS.ProcessEnv;
  /** The command is killed, with its whole process group, after this many milliseconds. */
  readonly timeoutMs: number;
}

/** What a command printed. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

const OUTPUT_TAIL = 4000;

/**
 * Runs a command without a shell and resolves with its output when it exits with status 0.
 *
 * Bounded: the command runs in its own process group, and the whole group (npx, ts-node, npm's children) is
 * killed when the timeout expires. A failure is reported with the command line and the tail of its output.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const commandLine = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);

    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start \`${commandLine}\` in ${options.cwd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) {
        resolve({ stdout, stderr });
        return;
      }
      const why = timedOut
        ? `timed out after ${options.timeoutMs / 1000} s`
        : `exited with ${code === null ? `signal ${signal}` : `status ${code}`}`;
      reject(new Error([
        `\`${commandLine}\` in ${options.cwd} ${why}`,
        `--- stdout (tail) ---\n${stdout.slice(-OUTPUT_TAIL)}`,
        `--- stderr (tail) ---\n${stderr.slice(-OUTPUT_TAIL)}`,
      ].join('\n')));
    });
  });
}

/** Sends a signal to a process group led by `pid`; a group that is already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The absolute path of an executable found on `PATH`, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  return path.split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
    .find((candidate) => existsSync(candidate));
}

/** Whether `child` is `parent` or lies inside it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The environment of someone working in a project of their own: the current environment without what the
 * workspace's tooling added (pnpm's and npm's `*_config_*` variables, the workspace's `node_modules/.bin` on
 * `PATH`, ts-node and jest settings), plus `extra`.
 */
export function userEnvironment(workspaceRoot: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|ts_node_)/i.test(key)) continue;
    if (['PNPM_PACKAGE_NAME', 'INIT_CWD', 'NODE_ENV', 'NODE_OPTIONS', 'NODE_PATH', 'JEST_WORKER_ID'].includes(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '').split(delimiter)
    .filter((dir) => dir !== '' && !isInside(dir, workspaceRoot))
    .join(delimiter);
  return { ...env, ...extra };
}
