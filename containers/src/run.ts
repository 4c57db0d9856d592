import { spawn } from 'child_process';

/** Options of one external command. */
export interface RunOptions {
  /** The command is killed, with its whole process group, after this many milliseconds. */
  readonly timeoutMs: number;
  /** The working directory. */
  readonly cwd?: string;
  /** The whole environment of the command. @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** Text written to the command's standard input. */
  readonly input?: string;
  /** Resolve with the exit status instead of rejecting when it is not 0. */
  readonly allowFailure?: boolean;
}

/** What a command did. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

const OUTPUT_TAIL = 6000;

/**
 * Runs a command without a shell. Bounded: the command runs in its own process group, and the whole group is
 * killed when the timeout expires (a timeout always rejects, even with `allowFailure`). A failure is reported
 * with the command line and the tail of its output.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const commandLine = [command, ...args].map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr!.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk; });
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start \`${commandLine}\`: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, timedOut, durationMs: Date.now() - started };
      if ((code === 0 || options.allowFailure) && !timedOut) {
        resolve(result);
        return;
      }
      const why = timedOut
        ? `timed out after ${options.timeoutMs / 1000} s`
        : `exited with ${code === null ? `signal ${signal}` : `status ${code}`}`;
      reject(new CommandError(`\`${commandLine}\` ${why}\n`
        + `--- stdout (tail) ---\n${stdout.slice(-OUTPUT_TAIL)}\n--- stderr (tail) ---\n${stderr.slice(-OUTPUT_TAIL)}`, result));
    });
  });
}

/** A command that failed or timed out, with what it printed. */
export class CommandError extends Error {
  public constructor(message: string, public readonly result: RunResult) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Runs a bash script with `set -euo pipefail` (for pipelines such as `tar | docker import`). */
export function bash(script: string, options: RunOptions): Promise<RunResult> {
  return run('/bin/bash', ['-c', `set -euo pipefail\n${script}`], options);
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

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
