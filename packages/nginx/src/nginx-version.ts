import { KeelsonConfigError } from '@keelson/core';

/**
 * The nginx version that will read the file: a few directives changed form across versions, and the file must be
 * right for the nginx that runs it, without deprecation warnings.
 */
export class NginxVersion {
  /** The oldest nginx the generated file is written for (`ssl_reject_handshake`, upstream `keepalive_time`). */
  public static readonly MINIMUM = '1.19.10';

  /** Parses `major.minor[.patch]`, e.g. `1.22.1` or `1.30`. */
  public static parse(version: string, option = 'nginxVersion'): NginxVersion {
    const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
    if (!match) {
      throw new KeelsonConfigError(option, `is '${version}', not an nginx version`,
        "give 'major.minor' or 'major.minor.patch' as `nginx -v` prints it, e.g. '1.30' or '1.22.1'");
    }
    const parsed = new NginxVersion(Number(match[1]), Number(match[2]), Number(match[3] ?? 0), version);
    if (!parsed.atLeast(NginxVersion.MINIMUM)) {
      throw new KeelsonConfigError(option, `is '${version}', older than ${NginxVersion.MINIMUM}, the oldest nginx the file is written for`,
        'run a supported nginx (1.30 is the stable line; Debian 12 ships 1.22.1)');
    }
    return parsed;
  }

  private constructor(
    public readonly major: number,
    public readonly minor: number,
    public readonly patch: number,
    /** As given. */
    public readonly text: string,
  ) {}

  /** Whether this version is `other` or later. */
  public atLeast(other: string): boolean {
    const [major, minor, patch = 0] = other.split('.').map(Number);
    if (this.major !== major) return this.major > major;
    if (this.minor !== minor) return this.minor > minor;
    return this.patch >= patch;
  }

  /** `http2 on;` exists from 1.25.1; before it HTTP/2 is the `http2` parameter of `listen` (deprecated since). */
  public get hasHttp2Directive(): boolean {
    return this.atLeast('1.25.1');
  }

  /**
   * From 1.23.2 nginx rotates session ticket keys itself when a shared session cache is configured; before it
   * the keys never change while nginx runs, and tickets would defeat forward secrecy, so they are turned off.
   */
  public get rotatesTicketKeys(): boolean {
    return this.atLeast('1.23.2');
  }

  /**
   * From 1.27.3 the open-source nginx re-resolves an upstream server's name while it runs (`resolve`, with a `zone`
   * and a `resolver` in the upstream); before it the name is resolved once, at start or reload.
   */
  public get resolvesUpstreams(): boolean {
    return this.atLeast('1.27.3');
  }

  public toString(): string {
    return this.text;
  }
}
