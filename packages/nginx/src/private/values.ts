import { KeelsonConfigError } from '@keelson/core';

const TIME_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 };

/**
 * Seconds in an nginx time value (`60s`, `1m30s`, `500ms`, a bare number is seconds), or undefined when it is
 * not one (e.g. a variable).
 */
export function parseNginxTime(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const parts = value.match(/\d+(ms|s|m|h|d|w|M|y)/g);
  if (!parts || parts.join('') !== value) return undefined;
  return parts.reduce((sum, part) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d|w|M|y)$/.exec(part)!;
    return sum + Number(n) * TIME_UNITS[unit];
  }, 0);
}

/** An nginx size (`1m`, `512k`, `10240`), checked; the option is named in the error. */
export function checkSize(option: string, size: string): string {
  if (!/^\d+[kKmMgG]?$/.test(size)) {
    throw new KeelsonConfigError(option, `is '${size}', not an nginx size`,
      "give bytes with an optional k, m or g suffix, e.g. '1m' or '512k' ('0' turns the check off)");
  }
  return size;
}

/** A whole number of seconds, at least `min`. */
export function checkSeconds(option: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new KeelsonConfigError(option, `must be a whole number of seconds, at least ${min}, got ${value}`,
      'give whole seconds, e.g. 60');
  }
  return value;
}

/** A whole number from `min` to `max`. */
export function checkCount(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KeelsonConfigError(option, `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got ${value}`,
      `give a whole number, at least ${min}`);
  }
  return value;
}

/** A TCP port from 1 to 65535. */
export function checkPort(option: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KeelsonConfigError(option, `must be an integer from 1 to 65535, got ${port}`, 'give a TCP port such as 8443');
  }
  return port;
}

/** An absolute, normalized filesystem path without characters nginx would need quoted. */
export function checkAbsolutePath(option: string, path: string, what: string): string {
  if (!path.startsWith('/') || /\/\.\.?(\/|$)|\/\/|[\s;{}"'$\\]/.test(path) || (path.length > 1 && path.endsWith('/'))) {
    throw new KeelsonConfigError(option, `is '${path}', which is not an absolute path`,
      `give the absolute path of ${what} as nginx sees it, e.g. '${option.includes('static') ? '/srv/static' : '/etc/nginx/tls/fullchain.pem'}' (no '..', spaces, quotes or trailing '/')`);
  }
  return path;
}
