import { KeelsonConfigError } from '@keelson/core';

/** The Mozilla Server Side TLS profiles Keelson offers. */
export type TlsProfileName = 'intermediate' | 'modern';

/**
 * A Mozilla Server Side TLS configuration, as the guidelines JSON states it
 * (https://ssl-config.mozilla.org/guidelines/6.0.json, 2026-04-06).
 */
export interface TlsProfile {
  readonly name: TlsProfileName;
  /** `ssl_protocols`. */
  readonly protocols: readonly string[];
  /** `ssl_ciphers`, OpenSSL names, TLS 1.2 only; empty for TLS 1.3 only (OpenSSL's TLS 1.3 suites are the guideline's). */
  readonly ciphers: readonly string[];
  /** `ssl_prefer_server_ciphers`: both profiles let the client choose (`server_preferred_order: false`). */
  readonly preferServerCiphers: boolean;
  /** Whether the guideline keeps a stateful session cache (it drops it when only TLS 1.3 is offered). */
  readonly sessionCache: boolean;
  /** The guideline's HSTS minimum max-age, seconds. */
  readonly hstsMinAgeSeconds: number;
  /** The oldest clients the profile serves, as the guideline lists them. */
  readonly oldestClients: readonly string[];
}

/** The guideline version the profiles below were copied from. */
export const MOZILLA_GUIDELINES_VERSION = '6.0';

/**
 * Key exchange groups. The guideline lists `X25519MLKEM768` first, which needs OpenSSL 3.5 or later; Mozilla's
 * generator drops it below 3.5 and so does this default, because nginx refuses to start when OpenSSL does not
 * know a group. Add it (first) with `tls.ecdhCurves` when the nginx image links OpenSSL 3.5+.
 */
export const DEFAULT_ECDH_CURVES: readonly string[] = ['X25519', 'prime256v1', 'secp384r1'];

const HSTS_MIN_AGE = 63072000;

export const TLS_PROFILES: Readonly<Record<TlsProfileName, TlsProfile>> = {
  intermediate: {
    name: 'intermediate',
    protocols: ['TLSv1.2', 'TLSv1.3'],
    ciphers: [
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ],
    preferServerCiphers: false,
    sessionCache: true,
    hstsMinAgeSeconds: HSTS_MIN_AGE,
    oldestClients: ['Firefox 31.3.0', 'Android 4.4.2', 'Chrome 49', 'Edge 15 on Windows 10', 'IE 11 on Windows 10',
      'Java 8u161', 'OpenSSL 1.0.1l', 'Opera 20', 'Safari 9'],
  },
  modern: {
    name: 'modern',
    protocols: ['TLSv1.3'],
    ciphers: [],
    preferServerCiphers: false,
    sessionCache: false,
    hstsMinAgeSeconds: HSTS_MIN_AGE,
    oldestClients: ['Firefox 63', 'Android 10.0', 'Chrome 70', 'Edge 75', 'Java 11', 'OpenSSL 1.1.1', 'Opera 57', 'Safari 12.1'],
  },
};

/** The profile named `name`; throws naming the option otherwise. */
export function tlsProfile(name: string): TlsProfile {
  const profile = (TLS_PROFILES as Record<string, TlsProfile | undefined>)[name];
  if (!profile) {
    throw new KeelsonConfigError('tls.profile', `is '${name}', which is not a Mozilla profile Keelson offers`,
      `choose one of ${Object.keys(TLS_PROFILES).map((n) => `'${n}'`).join(', ')} ('old' is not offered: it re-enables TLS 1.0 and 1.1)`);
  }
  return profile;
}
