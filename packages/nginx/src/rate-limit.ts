import { KeelsonConfigError } from '@keelson/core';
import { checkCount } from './private/values';

/** A named rate-limit zone (`limit_req_zone`): a rate per key, shared by the routes that name it. */
export interface RateLimitZoneProps {
  /** The zone name routes refer to, e.g. `login`. Letters, digits, `_` and `-`. */
  readonly name: string;
  /** Requests per second or per minute per key: `10r/s`, `30r/m`. */
  readonly rate: string;
  /**
   * What is counted: the variable each client is keyed by.
   * @default '$binary_remote_addr'
   */
  readonly key?: string;
  /**
   * Shared memory for the zone, MiB. One MiB holds about 16 000 IPv4 keys.
   * @default 10
   */
  readonly sizeMiB?: number;
}

/** How a route applies a zone (`limit_req`). */
export interface RateLimitProps {
  /** The zone, by name. */
  readonly zone: string;
  /**
   * Requests above the rate that are queued (or, with `nodelay`, served at once) before nginx answers 429.
   * @default 0
   */
  readonly burst?: number;
  /**
   * Serve requests within the burst at once instead of spacing them out at the rate. Latency over smoothing.
   * @default true
   */
  readonly nodelay?: boolean;
}

/** A rate-limit zone, checked. */
export class RateLimitZone {
  public readonly name: string;
  /** Requests per `unit`. */
  public readonly requests: number;
  public readonly unit: 's' | 'm';
  public readonly key: string;
  public readonly sizeMiB: number;

  public constructor(props: RateLimitZoneProps, option = 'rateLimitZones') {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.name)) {
      throw new KeelsonConfigError(`${option}.name`, `is '${props.name}', not a zone name`,
        "use letters, digits, '_' and '-', starting with a letter, e.g. 'login'");
    }
    const rate = /^(\d+)r\/([a-zA-Z]+)$/.exec(props.rate);
    if (!rate || !['s', 'm'].includes(rate[2]) || Number(rate[1]) < 1) {
      const unit = rate?.[2];
      const problem = unit && !['s', 'm'].includes(unit)
        ? `is '${props.rate}', whose unit '${unit}' nginx does not know`
        : `is '${props.rate}', not a request rate`;
      throw new KeelsonConfigError(`${option}[${props.name}].rate`, problem,
        "write requests per second or per minute, at least 1: '10r/s' or '30r/m' (for fewer than 1 a minute there is no unit)");
    }
    if (props.key !== undefined && !/^(\$[A-Za-z_][A-Za-z0-9_]*)+$/.test(props.key)) {
      throw new KeelsonConfigError(`${option}[${props.name}].key`, `is '${props.key}', not one or more nginx variables`,
        "key by a variable such as '$binary_remote_addr' (the client address, 4 or 16 bytes per key)");
    }
    this.name = props.name;
    this.requests = Number(rate[1]);
    this.unit = rate[2] as 's' | 'm';
    this.key = props.key ?? '$binary_remote_addr';
    this.sizeMiB = checkCount(`${option}[${props.name}].sizeMiB`, props.sizeMiB ?? 10, 1, 1024);
  }

  /** `10r/s`. */
  public get rate(): string {
    return `${this.requests}r/${this.unit}`;
  }
}
