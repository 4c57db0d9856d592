import { KeelsonConfigError } from './errors';

/** What one container of the service may use. */
export interface ResourceLimitsProps {
  /**
   * CPUs, fractional allowed (docker `--cpus`, compose `cpus`).
   * @default 1
   */
  readonly cpus?: number;
  /**
   * Memory limit in MiB.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Maximum number of processes and threads (compose `pids_limit`).
   * @default 256
   */
  readonly pids?: number;
}

/** Resource limits of one container. Sizing in other components (workers, pools) derives from them. */
export class ResourceLimits {
  public readonly cpus: number;
  public readonly memoryMiB: number;
  public readonly pids: number;

  public constructor(props: ResourceLimitsProps = {}) {
    this.cpus = props.cpus ?? 1;
    this.memoryMiB = props.memoryMiB ?? 512;
    this.pids = props.pids ?? 256;
    if (!(this.cpus > 0) || !Number.isFinite(this.cpus)) {
      throw new KeelsonConfigError('cpus', `must be a positive number, got ${this.cpus}`, 'give e.g. 0.5, 1 or 2');
    }
    if (!Number.isInteger(this.memoryMiB) || this.memoryMiB < 16) {
      throw new KeelsonConfigError('memoryMiB', `must be a whole number of MiB, at least 16, got ${this.memoryMiB}`,
        'give the memory limit in MiB, e.g. 512');
    }
    if (!Number.isInteger(this.pids) || this.pids < 16) {
      throw new KeelsonConfigError('pids', `must be a whole number, at least 16, got ${this.pids}`,
        'allow room for the server, its workers and their threads, e.g. 256');
    }
  }
}
