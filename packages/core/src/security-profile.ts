import { posix } from 'path';
import { KeelsonConfigError } from './errors';

/** How the service's processes run: who they are, what they may write, which privileges they keep. */
export interface SecurityProfileProps {
  /**
   * The numeric user id every process runs as. 65532 is the `nonroot` user of the distroless and
   * Chainguard images, so one value fits every runtime flavour and stays clear of host users (1000, ...).
   * @default 65532
   */
  readonly uid?: number;
  /**
   * The numeric group id.
   * @default 65532
   */
  readonly gid?: number;
  /**
   * Run with a read-only root filesystem; only `writablePaths` are writable (as tmpfs or volumes).
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Absolute paths the service writes to at run time. With a read-only root these become tmpfs mounts.
   * @default ['/tmp']
   */
  readonly writablePaths?: string[];
  /**
   * Linux capabilities added back after dropping all of them, e.g. `NET_BIND_SERVICE`. Each needs a reason.
   * @default - none: every capability is dropped
   */
  readonly addCapabilities?: string[];
  /**
   * Forbid gaining privileges through setuid binaries or file capabilities (`no-new-privileges`).
   * @default true
   */
  readonly noNewPrivileges?: boolean;
}

const MAX_ID = 2_147_483_647;

/** The runtime security profile every component applies: non-root by construction. */
export class SecurityProfile {
  public static readonly DEFAULT_UID = 65532;
  public static readonly DEFAULT_GID = 65532;

  public readonly uid: number;
  public readonly gid: number;
  public readonly readOnlyRootFilesystem: boolean;
  public readonly writablePaths: readonly string[];
  public readonly addCapabilities: readonly string[];
  public readonly noNewPrivileges: boolean;

  public constructor(props: SecurityProfileProps = {}) {
    this.uid = checkId('uid', props.uid ?? SecurityProfile.DEFAULT_UID);
    this.gid = checkId('gid', props.gid ?? SecurityProfile.DEFAULT_GID);
    this.readOnlyRootFilesystem = props.readOnlyRootFilesystem ?? true;
    this.noNewPrivileges = props.noNewPrivileges ?? true;
    this.writablePaths = [...new Set((props.writablePaths ?? ['/tmp']).map(checkWritablePath))];
    this.addCapabilities = (props.addCapabilities ?? []).map(checkCapability);
  }

  /** `uid:gid`, the form of Dockerfile `USER` and compose `user:`. */
  public get user(): string {
    return `${this.uid}:${this.gid}`;
  }
}

function checkId(option: 'uid' | 'gid', id: number): number {
  if (id === 0) {
    throw new KeelsonConfigError(option, 'is 0 (root), and this profile is non-root',
      `give a non-zero ${option}; ${SecurityProfile.DEFAULT_UID} matches the nonroot user of distroless and Chainguard images`);
  }
  if (!Number.isInteger(id) || id < 1 || id > MAX_ID) {
    throw new KeelsonConfigError(option, `must be an integer from 1 to ${MAX_ID}, got ${id}`,
      `use a fixed numeric ${option} such as ${SecurityProfile.DEFAULT_UID}`);
  }
  return id;
}

function checkWritablePath(path: string): string {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path === '/' || /\s/.test(path)) {
    throw new KeelsonConfigError('writablePaths', `contains '${path}', which is not a normalized absolute path below /`,
      "list absolute directories such as '/tmp' or '/app/uploads', without '..', spaces or a trailing '/'");
  }
  return path;
}

function checkCapability(capability: string): string {
  const name = capability.toUpperCase().replace(/^CAP_/, '');
  if (!/^[A-Z_]+$/.test(name) || name === 'ALL') {
    throw new KeelsonConfigError('addCapabilities', `contains '${capability}', which is not a single capability name`,
      "name capabilities one by one, like 'NET_BIND_SERVICE'; 'ALL' is never added back");
  }
  return name;
}
