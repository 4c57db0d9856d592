import { IAppServer, ResourceLimits } from '@keelson/core';
import { RateLimitProps, RateLimitZoneProps } from './rate-limit';
import { TlsProfileName } from './tls-profile';

/** Strict-Transport-Security. */
export interface HstsProps {
  /**
   * `max-age`, seconds. Mozilla's guideline minimum is two years.
   * @default 63072000
   */
  readonly maxAgeSeconds?: number;
  /**
   * Also pin every subdomain to HTTPS. A decision for the whole domain, not for this one service: off unless asked.
   * @default false
   */
  readonly includeSubDomains?: boolean;
  /**
   * Ask browsers to ship the pin (hstspreload.org); needs `includeSubDomains` and a max-age of a year or more.
   * @default false
   */
  readonly preload?: boolean;
}

/** OCSP stapling: nginx fetches the CA's OCSP response and sends it in the handshake. */
export interface OcspStaplingProps {
  /** The CA chain (root and intermediates), PEM, as nginx sees it: the stapled response is verified against it. */
  readonly trustedCertificate: string;
  /**
   * DNS resolvers nginx asks for the OCSP responder's address.
   * @default ['127.0.0.11'] (Docker's embedded DNS, what a compose network gives the container)
   */
  readonly resolvers?: string[];
}

/** TLS termination. */
export interface TlsProps {
  /**
   * The certificate chain, PEM (leaf first, then intermediates), as nginx sees it. Required while TLS is on.
   * @default - none: TLS without a certificate is refused
   */
  readonly certificate?: string;
  /**
   * The private key, PEM, as nginx sees it. Required while TLS is on.
   * @default - none: TLS without a key is refused
   */
  readonly certificateKey?: string;
  /**
   * Mozilla's Server Side TLS profile: `intermediate` (TLS 1.2 and 1.3) or `modern` (TLS 1.3 only).
   * @default 'intermediate'
   */
  readonly profile?: TlsProfileName;
  /**
   * `ssl_ecdh_curve`, the key exchange groups, in order. Prepend `X25519MLKEM768` when nginx links OpenSSL 3.5+.
   * @default ['X25519', 'prime256v1', 'secp384r1']
   */
  readonly ecdhCurves?: string[];
  /**
   * Strict-Transport-Security on every HTTPS response; `false` sends none.
   * @default - max-age 63072000, no includeSubDomains, no preload
   */
  readonly hsts?: HstsProps | false;
  /**
   * OCSP stapling. Off by default: Let's Encrypt stopped running OCSP in 2025, and a CA without an OCSP responder
   * makes nginx warn at every start.
   * @default - off
   */
  readonly ocspStapling?: OcspStaplingProps;
  /**
   * Answer plain HTTP for the server names with a 301 to HTTPS (the HTTP listener stays, for the redirect only).
   * @default true
   */
  readonly redirectHttp?: boolean;
}

/** Static files nginx serves itself, from a directory it can read. */
export interface StaticFilesProps {
  /** The directory, absolute, as nginx sees it (e.g. a volume mounted read-only into the nginx container). */
  readonly directory: string;
  /**
   * The URL prefix, with a leading and a trailing `/` (the trailing `/` is what keeps `alias` from reaching
   * outside the directory).
   * @default '/static/'
   */
  readonly urlPath?: string;
  /**
   * A regular expression (PCRE) on the URL path that marks content-hashed assets, cached for a year as immutable.
   * The default matches a dot- or dash-separated hex hash of 8+ digits before the extension
   * (Django's ManifestStaticFilesStorage, webpack's `[contenthash]`, Rails' digests).
   * @default '[.-][0-9a-f]{8,}\\.[A-Za-z0-9]+$'
   */
  readonly hashedAssetPattern?: string;
  /**
   * `Cache-Control` max-age for hashed assets, seconds.
   * @default 31536000
   */
  readonly hashedMaxAgeSeconds?: number;
  /**
   * `Cache-Control` for every other static file: they can change in place, so clients revalidate (with ETag).
   * @default 'no-cache'
   */
  readonly otherCacheControl?: string;
}

/** Response headers that harden what browsers do with the responses. */
export interface SecurityHeadersProps {
  /**
   * `X-Frame-Options`; `false` sends none (e.g. when a CSP `frame-ancestors` says it).
   * @default 'DENY'
   */
  readonly frameOptions?: 'DENY' | 'SAMEORIGIN' | false;
  /**
   * `Referrer-Policy`.
   * @default 'strict-origin-when-cross-origin'
   */
  readonly referrerPolicy?: string;
  /**
   * `Content-Security-Policy`. None by default: FastAPI's /docs loads Swagger UI from a CDN, and a policy is the
   * app's to write. For a pure JSON API, `default-src 'none'; frame-ancestors 'none'` is a good start.
   * @default - none
   */
  readonly contentSecurityPolicy?: string;
}

/** A path with its own proxying rules. */
export interface NginxRouteProps {
  /** The URL path, e.g. `/auth/login`: a prefix, or the exact path with `exact`. */
  readonly path: string;
  /**
   * Match the path exactly (`location = /path`) instead of as a prefix.
   * @default false
   */
  readonly exact?: boolean;
  /**
   * The route's rate limit; `false` for none.
   * @default - the server's `rateLimit`
   */
  readonly rateLimit?: RateLimitProps | false;
  /**
   * Pass WebSocket upgrades through (Upgrade and Connection headers from the client's handshake).
   * @default false
   */
  readonly websocket?: boolean;
  /**
   * `client_max_body_size` for the route.
   * @default - the server's `maxBodySize`
   */
  readonly maxBodySize?: string;
  /**
   * `proxy_read_timeout` for the route, seconds; at least the app server's timeout.
   * @default - the server's `proxyReadTimeoutSeconds`; 3600 for WebSocket routes (an idle socket closes after it)
   */
  readonly readTimeoutSeconds?: number;
}

/** Ports nginx listens on inside its container. */
export interface ListenPorts {
  /**
   * Plain HTTP (the redirect, or the app when TLS is off).
   * @default - 8080 unprivileged, 80 otherwise
   */
  readonly http?: number;
  /**
   * HTTPS.
   * @default - 8443 unprivileged, 443 otherwise
   */
  readonly https?: number;
}

/** Ports clients connect to (after the port mapping): what redirects and X-Forwarded-Port say. */
export interface PublicPorts {
  /**
   * @default 80
   */
  readonly http?: number;
  /**
   * @default 443
   */
  readonly https?: number;
}

/** A DNS server nginx asks again and again for the app's replicas. */
export interface UpstreamResolver {
  /**
   * The DNS server's address (an IP address, optionally `:port`).
   * @default '127.0.0.11' (Docker's embedded DNS, which answers a compose service name with every replica)
   */
  readonly address?: string;
  /**
   * Seconds an answer is used before nginx asks again: a replica added by `--scale` is reached, and a removed one
   * dropped, within this time.
   * @default 10
   */
  readonly validSeconds?: number;
}

/**
 * How nginx finds the app's replicas: `'startup'` resolves `upstreamHost` once (at start and on reload), a resolver
 * re-resolves it while nginx runs.
 */
export type UpstreamDiscovery = 'startup' | UpstreamResolver;

/** Props of the nginx.conf component. */
export interface NginxConfigProps {
  /** The app server nginx proxies to (e.g. `GunicornConfig`): its port, keep-alive and timeout shape the upstream. */
  readonly upstream: IAppServer;
  /** The host names this service answers to. A request for any other Host is dropped (the connection closed). */
  readonly serverNames: string[];
  /**
   * The host nginx reaches the app server at: the app's compose service name.
   * @default 'app'
   */
  readonly upstreamHost?: string;
  /**
   * How nginx finds the app's replicas. With a resolver (nginx 1.27.3 and later) the upstream server is written
   * with `resolve`, a shared-memory `zone` and the resolver: replicas that `docker compose up --scale app=N` adds or
   * removes are reached or dropped without a reload, and idle connections are still kept. `'startup'` resolves the
   * name once: after scaling, reload nginx (`docker compose exec nginx nginx -s reload`).
   * @default - Docker's DNS (127.0.0.11) every 10 s for nginx 1.27.3 and later; 'startup' before it (or for an IP address)
   */
  readonly upstreamDiscovery?: UpstreamDiscovery;
  /**
   * TLS termination; `false` serves plain HTTP only (behind a load balancer that terminates TLS itself).
   * TLS is on unless turned off: without certificate paths the synth stops.
   * @default - on, Mozilla intermediate, with `certificate` and `certificateKey` required
   */
  readonly tls?: TlsProps | false;
  /**
   * The nginx version that reads the file, `major.minor[.patch]`: it decides the HTTP/2 form (`http2 on;` from
   * 1.25.1, the `listen ... http2` parameter before) and whether session tickets are turned off (before 1.23.2).
   * @default '1.30' (the stable line)
   */
  readonly nginxVersion?: string;
  /**
   * Run as any non-root user on a read-only root: ports from 1024, pid and temp files in `tmpDir`, no `user`
   * directive.
   * @default true
   */
  readonly unprivileged?: boolean;
  /**
   * A writable directory (a tmpfs in the container) for the pid file and the temp files. nginx creates
   * only the last level of a temp path, so the files live directly in it.
   * @default '/tmp'
   */
  readonly tmpDir?: string;
  /**
   * Listen ports inside the container.
   * @default - 8080 and 8443 unprivileged, 80 and 443 otherwise
   */
  readonly listenPorts?: ListenPorts;
  /**
   * Ports clients use, for redirects and X-Forwarded-Port.
   * @default - 80 and 443
   */
  readonly publicPorts?: PublicPorts;
  /**
   * Addresses to listen on, e.g. `['127.0.0.1']` or `['*', '[::]']`.
   * @default ['*'] (every IPv4 address)
   */
  readonly listenAddresses?: string[];
  /**
   * Resource limits of the nginx container: `worker_processes` follows its CPUs (nginx's `auto` counts the host's).
   * @default - 1 CPU
   */
  readonly resources?: ResourceLimits;
  /**
   * `worker_connections`, per worker (a proxied request holds two: client and upstream).
   * @default 1024
   */
  readonly workerConnections?: number;
  /**
   * Idle upstream connections each worker keeps open for reuse (`keepalive`).
   * @default 32
   */
  readonly upstreamKeepaliveConnections?: number;
  /**
   * Seconds an idle upstream connection is kept (`keepalive_timeout` in the upstream); shorter than the app
   * server's keep-alive, so nginx never reuses a connection the app is closing.
   * @default - the app server's keep-alive minus 5 s (minus 1 s below 10 s), at most 60
   */
  readonly upstreamIdleTimeoutSeconds?: number;
  /**
   * `proxy_read_timeout`, seconds; at least the app server's timeout, so the app gives up first.
   * @default - the larger of 60 and the app server's timeout plus 5
   */
  readonly proxyReadTimeoutSeconds?: number;
  /**
   * `proxy_connect_timeout`, seconds: a container on the same network connects in milliseconds or not at all, and
   * an attempt on a replica that has just left (scaled down, its address not yet re-resolved) costs this long.
   * @default 2
   */
  readonly proxyConnectTimeoutSeconds?: number;
  /**
   * `max_fails` of the upstream server (applies when the name resolves to several replicas).
   * @default 3
   */
  readonly maxFails?: number;
  /**
   * `fail_timeout` of the upstream server, seconds.
   * @default 10
   */
  readonly failTimeoutSeconds?: number;
  /**
   * `proxy_next_upstream_tries`: attempts of one request on connection errors and timeouts, across replicas, all
   * within one read timeout (`proxy_next_upstream_timeout`). A request already sent is never replayed when it is not
   * idempotent (no `non_idempotent`).
   * @default 3 (a request survives two replicas leaving at once, e.g. `--scale app=1` from 3)
   */
  readonly proxyNextUpstreamTries?: number;
  /**
   * `client_max_body_size` for the app: a larger body is answered 413 before it reaches the app.
   * @default '1m'
   */
  readonly maxBodySize?: string;
  /**
   * Rate-limit zones routes refer to by name.
   * @default - one zone, 'perclient': 10r/s per client address, 10 MiB
   */
  readonly rateLimitZones?: RateLimitZoneProps[];
  /**
   * The rate limit of every proxied path without its own; `false` for none. Over the limit nginx answers 429.
   * @default - zone 'perclient', burst 20, nodelay
   */
  readonly rateLimit?: RateLimitProps | false;
  /**
   * Paths with their own rules (a stricter login limit, a WebSocket endpoint, a larger upload).
   * @default - none
   */
  readonly routes?: NginxRouteProps[];
  /**
   * Static files served by nginx.
   * @default - none: every path goes to the app
   */
  readonly staticFiles?: StaticFilesProps;
  /**
   * gzip text responses (HTML, CSS, JS, JSON, XML, SVG, plain text) of 1 KiB and more.
   * @default true
   */
  readonly gzip?: boolean;
  /**
   * Security headers on every response (`X-Content-Type-Options: nosniff` is always sent).
   * @default - X-Frame-Options DENY, Referrer-Policy strict-origin-when-cross-origin, no CSP
   */
  readonly securityHeaders?: SecurityHeadersProps;
  /**
   * Where the access log goes; `false` turns it off.
   * @default '/dev/stdout'
   */
  readonly accessLog?: string | false;
}
