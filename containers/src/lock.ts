import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'fs';
import { ProcessIdentity, isAlive, selfIdentity } from './processes';

/** Who holds the harness lock. */
export interface LockOwner extends ProcessIdentity {
  readonly cwd: string;
  readonly since: string;
}

/**
 * One harness engine per machine at a time: the engine's data-root (and the base images in it) is shared by every
 * checkout. The lock is a file created exclusively, naming the owning process; a lock whose owner is gone
 * (a run that was killed) is stale and taken over.
 *
 * Returns the stale owner when one was taken over (its engine may still be running and must be stopped).
 */
export async function acquireLock(path: string, waitMs: number, log: (message: string) => void): Promise<LockOwner | undefined> {
  const deadline = Date.now() + waitMs;
  let announced = false;
  let stale: LockOwner | undefined;
  for (;;) {
    const me: LockOwner = { ...selfIdentity(), cwd: process.cwd(), since: new Date().toISOString() };
    if (tryCreate(path, me)) return stale;
    let owner = readOwner(path);
    if (!owner) {
      // Perhaps being written by its owner this very moment: look again before calling it stale.
      await new Promise((r) => setTimeout(r, 500));
      owner = readOwner(path);
    }
    if (owner && owner.pid === me.pid && owner.startTime === me.startTime) return undefined;
    if (!owner || !isAlive(owner)) {
      // Stale: its process is gone (a killed run). Take it over; its engine, if any, is stopped by the caller.
      stale = owner ?? stale;
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`the container harness is in use by process ${owner.pid} (${owner.cwd}, since ${owner.since}); `
        + `waited ${Math.round(waitMs / 1000)} s. Wait for it to finish, or stop that run; the lock is ${path}`);
    }
    if (!announced) {
      log(`waiting for the container harness lock held by process ${owner.pid} (${owner.cwd}, since ${owner.since})`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function tryCreate(path: string, me: LockOwner): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** The lock's owner, if the file exists and can be read. */
export function readOwner(path: string): LockOwner | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf-8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Releases the lock if this process holds it. */
export function releaseLock(path: string): void {
  const owner = readOwner(path);
  const me = selfIdentity();
  if (owner && owner.pid === me.pid && owner.startTime === me.startTime) rmSync(path, { force: true });
}
