import { readFileSync, readdirSync } from 'fs';

/** A process, identified by its PID and its start time (so a recycled PID is never mistaken for it). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** The start time of a live process (field 22 of /proc/PID/stat, in clock ticks since boot); undefined if gone. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process's identity. */
export function selfIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' };
}

/** Whether the process is still the one identified (alive, not a zombie, same start time). */
export function isAlive(identity: ProcessIdentity): boolean {
  return startTimeOf(identity.pid) === identity.startTime && pidAlive(identity.pid);
}

/** Whether a PID is live at all (zombies count as gone). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of a process, arguments joined by spaces; undefined if gone. */
export function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf-8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** PIDs of live processes whose command line contains `marker` (a path only the harness's processes carry). */
export function pidsWithCmdline(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (cmdlineOf(pid)?.includes(marker) && pidAlive(pid)) pids.push(pid);
  }
  return pids;
}

/** Blocks this thread for `ms` milliseconds (for exit hooks, where nothing asynchronous runs). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sends a signal to one process by PID; a process that is already gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Stops one process by PID, synchronously: SIGTERM, up to `graceMs` for it to exit, then SIGKILL.
 * Returns how it ended.
 */
export function stopPidSync(pid: number, graceMs: number): 'not-running' | 'terminated' | 'killed' {
  if (!pidAlive(pid)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return 'terminated';
    sleepSync(100);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && pidAlive(pid)) sleepSync(50);
  return 'killed';
}

/** The asynchronous twin of stopPidSync, for teardown code that may await. */
export async function stopPid(pid: number, graceMs: number): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!pidAlive(pid)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return 'terminated';
    await new Promise((r) => setTimeout(r, 100));
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && pidAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  return 'killed';
}
