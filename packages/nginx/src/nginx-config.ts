import { posix } from 'path';
import {
  GeneratedFile, IAppServer, IReverseProxy, KeelsonConfigError, ResourceLimits, ReverseProxyView, locate, registerModel,
} from '@keelson/core';
import { Component, Project } from 'projen';
import {
  FORWARDING_HEADERS, TEMP_PATH_DIRECTIVES, checkNginxModel, effective, findUpstream, proxyingBlocks, readTimeoutSeconds,
  upstreamIdleSeconds,
} from './nginx-config-checks';
import {
  HstsProps, NginxConfigProps, NginxRouteProps, OcspStaplingProps, SecurityHeadersProps, StaticFilesProps, UpstreamDiscovery, UpstreamResolver,
} from './nginx-config-props';
import { NginxBlock } from './nginx-model';
import { renderNginx } from './nginx-render';
import { NginxVersion } from './nginx-version';
import { checkAbsolutePath, checkCount, checkPort, checkSeconds, checkSize } from './private/values';
import { RateLimitProps, RateLimitZone } from './rate-limit';
import { DEFAULT_ECDH_CURVES, MOZILLA_GUIDELINES_VERSION, TlsProfile, tlsProfile } from './tls-profile';

/** TLS as resolved from the props. */
export interface ResolvedTls {
  readonly certificate: string;
  readonly certificateKey: string;
  readonly profile: TlsProfile;
  readonly ecdhCurves: readonly string[];
  readonly hsts?: Required<HstsProps>;
  readonly ocspStapling?: Required<OcspStaplingProps>;
  readonly redirectHttp: boolean;
}

/** Static files as resolved from the props. */
export type ResolvedStaticFiles = Required<StaticFilesProps>;

/** A route as resolved from the props. */
export interface ResolvedRoute {
  readonly path: string;
  readonly exact: boolean;
  readonly rateLimit?: Required<RateLimitProps>;
  readonly websocket: boolean;
  readonly maxBodySize?: string;
  readonly readTimeoutSeconds?: number;
}

/** Text types worth compressing (text/html always is). */
const GZIP_TYPES = ['text/plain', 'text/css', 'text/javascript', 'application/javascript', 'application/json',
  'application/problem+json', 'application/xml', 'text/xml', 'image/svg+xml', 'application/manifest+json'];

/** The MIME types of what static directories hold: inline, so the file does not depend on the image's mime.types. */
const MIME_TYPES: ReadonlyArray<readonly [string, string[]]> = [
  ['text/html', ['html', 'htm']], ['text/css', ['css']], ['text/javascript', ['js', 'mjs']],
  ['application/json', ['json', 'map']], ['application/manifest+json', ['webmanifest']], ['text/plain', ['txt']],
  ['text/xml', ['xml']], ['text/csv', ['csv']], ['image/svg+xml', ['svg', 'svgz']], ['image/png', ['png']],
  ['image/jpeg', ['jpg', 'jpeg']], ['image/gif', ['gif']], ['image/webp', ['webp']], ['image/avif', ['avif']],
  ['image/x-icon', ['ico']], ['font/woff', ['woff']], ['font/woff2', ['woff2']], ['application/wasm', ['wasm']],
  ['application/pdf', ['pdf']],
];

const HOST_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** Docker's embedded DNS server, in every container on a user-defined network. */
const DOCKER_DNS = '127.0.0.11';
const UPSTREAM_HOST = /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
const ROUTE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,=:@%/-]*$/;
const STATIC_CACHE_VARIABLE = '$keelson_static_cache_control';
const CONNECTION_UPGRADE_VARIABLE = '$connection_upgrade';

/**
 * `nginx/nginx.conf`: the reverse proxy in front of the app server. TLS termination (Mozilla's profiles),
 * forwarding headers set from the connection, rate limits answered with 429, static files with cache headers,
 * gzip, security headers, a default server that drops unknown hosts, and an upstream that keeps connections
 * open for less time than the app server does. Unprivileged by default: it runs as any user on a read-only root.
 *
 * It is the `IReverseProxy` the app server checks its keep-alive against; its values are read from the model.
 * The model (`main`, `http`, `upstreamBlock`, `appServer`, ...) is the escape hatch: what you change there is what
 * is written and what the whole-file checks see.
 */
export class NginxConfig extends Component implements IReverseProxy {
  /** The generated file, relative to the project root. */
  public static readonly FILE = 'nginx/nginx.conf';
  /** The nginx version the file is written for unless told otherwise: the stable line. */
  public static readonly DEFAULT_NGINX_VERSION = '1.30';
  /** The upstream block's name, which `proxy_pass` refers to. */
  public static readonly UPSTREAM_NAME = 'app_server';

  public readonly upstream: IAppServer;
  public readonly upstreamHost: string;
  /** The DNS server nginx re-resolves `upstreamHost` with while it runs; undefined: resolved once, at start and reload. */
  public readonly upstreamResolver?: Required<UpstreamResolver>;
  public readonly serverNames: readonly string[];
  public readonly nginxVersion: NginxVersion;
  public readonly unprivileged: boolean;
  public readonly tmpDir: string;
  /** Ports nginx listens on. */
  public readonly httpPort: number;
  public readonly httpsPort: number;
  /** Ports clients connect to. */
  public readonly publicHttpPort: number;
  public readonly publicHttpsPort: number;
  public readonly listenAddresses: readonly string[];
  public readonly workerProcesses: number;
  public readonly workerConnections: number;
  /** TLS, or undefined when the file serves plain HTTP. */
  public readonly tls?: ResolvedTls;
  public readonly rateLimitZones: readonly RateLimitZone[];
  /** The rate limit of paths without their own, or undefined for none. */
  public readonly rateLimit?: Required<RateLimitProps>;
  public readonly routes: readonly ResolvedRoute[];
  public readonly staticFiles?: ResolvedStaticFiles;
  public readonly maxBodySize: string;
  public readonly proxyConnectTimeoutSeconds: number;
  public readonly upstreamKeepaliveConnections: number;
  public readonly maxFails: number;
  public readonly failTimeoutSeconds: number;
  public readonly proxyNextUpstreamTries: number;
  public readonly gzip: boolean;
  public readonly securityHeaders: Readonly<Record<string, string>>;
  public readonly accessLog: string | false;

  /** The main context of the file: the model that is rendered. */
  public readonly main: NginxBlock;
  public readonly events: NginxBlock;
  public readonly http: NginxBlock;
  public readonly upstreamBlock: NginxBlock;
  /** The server block that serves the app (HTTPS when TLS is on). */
  public readonly appServer: NginxBlock;
  public readonly file: GeneratedFile;

  public constructor(project: Project, props: NginxConfigProps) {
    super(project, 'NginxConfig');
    this.upstream = props.upstream;
    this.nginxVersion = locate(this, undefined, () => NginxVersion.parse(props.nginxVersion ?? NginxConfig.DEFAULT_NGINX_VERSION));
    this.unprivileged = props.unprivileged ?? true;
    this.upstreamHost = props.upstreamHost ?? 'app';
    this.serverNames = [...props.serverNames];
    this.tmpDir = locate(this, undefined, () => checkAbsolutePath('tmpDir', props.tmpDir ?? '/tmp', 'a writable directory (a tmpfs)'));
    this.httpPort = locate(this, undefined, () => checkPort('listenPorts.http', props.listenPorts?.http ?? (this.unprivileged ? 8080 : 80)));
    this.httpsPort = locate(this, undefined, () => checkPort('listenPorts.https', props.listenPorts?.https ?? (this.unprivileged ? 8443 : 443)));
    this.publicHttpPort = locate(this, undefined, () => checkPort('publicPorts.http', props.publicPorts?.http ?? 80));
    this.publicHttpsPort = locate(this, undefined, () => checkPort('publicPorts.https', props.publicPorts?.https ?? 443));
    this.listenAddresses = [...(props.listenAddresses ?? ['*'])];
    const resources = props.resources ?? new ResourceLimits();
    this.workerProcesses = Math.max(1, Math.ceil(resources.cpus));
    this.workerConnections = locate(this, undefined, () => checkCount('workerConnections', props.workerConnections ?? 1024, 64));
    this.tls = locate(this, undefined, () => resolveTls(props.tls));
    this.rateLimitZones = locate(this, undefined, () => resolveZones(props));
    this.rateLimit = locate(this, undefined, () => this.resolveRateLimit('rateLimit',
      props.rateLimit ?? { zone: 'perclient', burst: 20, nodelay: true }));
    this.maxBodySize = locate(this, undefined, () => checkSize('maxBodySize', props.maxBodySize ?? '1m'));
    this.proxyConnectTimeoutSeconds = locate(this, undefined, () => checkSeconds('proxyConnectTimeoutSeconds', props.proxyConnectTimeoutSeconds ?? 2));
    this.upstreamKeepaliveConnections = locate(this, undefined, () => checkCount('upstreamKeepaliveConnections', props.upstreamKeepaliveConnections ?? 32, 1));
    this.maxFails = locate(this, undefined, () => checkCount('maxFails', props.maxFails ?? 3, 0));
    this.failTimeoutSeconds = locate(this, undefined, () => checkSeconds('failTimeoutSeconds', props.failTimeoutSeconds ?? 10));
    this.proxyNextUpstreamTries = locate(this, undefined, () => checkCount('proxyNextUpstreamTries', props.proxyNextUpstreamTries ?? 3, 1));
    this.upstreamResolver = locate(this, undefined, () => this.resolveDiscovery(props.upstreamDiscovery));
    this.gzip = props.gzip ?? true;
    this.securityHeaders = locate(this, undefined, () => resolveSecurityHeaders(props.securityHeaders, this.tls?.hsts));
    this.accessLog = props.accessLog ?? '/dev/stdout';
    this.staticFiles = locate(this, undefined, () => resolveStaticFiles(props.staticFiles));
    const idle = locate(this, undefined, () => this.resolveIdleTimeout(props.upstreamIdleTimeoutSeconds));
    const read = locate(this, undefined, () => this.resolveReadTimeout('proxyReadTimeoutSeconds', props.proxyReadTimeoutSeconds));
    this.routes = locate(this, undefined, () => (props.routes ?? []).map((route, i) => this.resolveRoute(route, i)));
    locate(this, undefined, () => this.checkProps());

    this.main = new NginxBlock('');
    this.events = new NginxBlock('events');
    this.http = new NginxBlock('http');
    this.upstreamBlock = new NginxBlock('upstream', [NginxConfig.UPSTREAM_NAME]);
    this.appServer = new NginxBlock('server');
    this.buildModel(idle, read);

    this.file = new GeneratedFile(this, NginxConfig.FILE, () => renderNginx(this.main), {
      editHint: 'set the NginxConfig props, or change its model (nginx.appServer.add(...), nginx.http.set(...)), in .projenrc.ts',
    });
    this.node.addValidation({
      validate: () => checkNginxModel(this.main, {
        appServer: this.upstream, upstreamName: NginxConfig.UPSTREAM_NAME, unprivileged: this.unprivileged, tmpDir: this.tmpDir,
      }),
    });
    // What will be written, after escape hatches, for whole-project readers (the hardening policy).
    registerModel(this, 'reverse-proxy', () => this.resolvedView());
  }

  /** The file as the model says now: upstream servers, listen ports, paths written at run time, TLS. */
  private resolvedView(): ReverseProxyView {
    const http = this.main.blocks('http')[0];
    const upstreams = (findUpstream(this.main, NginxConfig.UPSTREAM_NAME)?.directives('server') ?? []).flatMap((d) => {
      const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(d.args[0] ?? '');
      return match ? [{ host: match[1], port: Number(match[2]) }] : [];
    });
    const blocks = this.main.walk();
    const listenPorts = [...new Set(blocks.flatMap(({ block }) => block.directives('listen'))
      .map((d) => Number(/(?:^|:)(\d+)$/.exec(d.args[0] ?? '')?.[1]))
      .filter((port) => Number.isInteger(port)))];
    // The directories nginx creates its files in; without the directives, the official image's build defaults.
    const pid = this.main.directive('pid')?.args[0] ?? '/var/run/nginx.pid';
    const temp = TEMP_PATH_DIRECTIVES.map((name) => http?.directive(name)?.args[0] ?? `/var/cache/nginx/${name.replace(/_temp_path$/, '_temp')}`);
    const writablePaths = [...new Set([pid, ...temp].map((path) => posix.dirname(path)))];
    const forwardsClientAddress = proxyingBlocks(this.main, NginxConfig.UPSTREAM_NAME).every(({ block, ancestors }) =>
      effective('proxy_set_header', block, ancestors)
        .some((h) => (h.args[0] ?? '').toLowerCase() === 'x-forwarded-for' && ['$remote_addr', '$proxy_add_x_forwarded_for'].includes(h.args[1] ?? '')));
    const tls = blocks.some(({ block }) => block.directives('listen').some((d) => d.args.includes('ssl')));
    const protocols = blocks.flatMap(({ block }) => block.directives('ssl_protocols')).flatMap((d) => d.args);
    return {
      file: this.file.path,
      proxy: this,
      appServer: this.upstream,
      upstreams,
      listenPorts,
      writablePaths,
      forwardsClientAddress,
      // nginx's own default since 1.23 when TLS is on without ssl_protocols.
      tlsProtocols: tls ? (protocols.length > 0 ? [...new Set(protocols)] : ['TLSv1.2', 'TLSv1.3']) : [],
      serverTokens: (http?.directive('server_tokens')?.args[0] ?? 'on') !== 'off',
      configPath: '/etc/nginx/nginx.conf',
    };
  }

  /** Seconds nginx keeps an idle upstream connection (`keepalive_timeout` of the upstream, as the model says). */
  public get upstreamIdleTimeoutSeconds(): number {
    return upstreamIdleSeconds(findUpstream(this.main, NginxConfig.UPSTREAM_NAME));
  }

  /** Seconds nginx waits for the app's response: the shortest `proxy_read_timeout` of the locations that proxy to it. */
  public get upstreamReadTimeoutSeconds(): number {
    const timeouts = proxyingBlocks(this.main, NginxConfig.UPSTREAM_NAME).map(({ block, ancestors }) => readTimeoutSeconds(block, ancestors));
    return timeouts.length > 0 ? Math.min(...timeouts) : NaN;
  }

  /** The location block with exactly these arguments in the app server, e.g. `location('/')` or `location('=', '/login')`. */
  public location(...args: string[]): NginxBlock | undefined {
    return this.appServer.blocks('location', args)[0];
  }

  private resolveIdleTimeout(given: number | undefined): number {
    const appKeepAlive = this.upstream.keepAliveSeconds;
    if (appKeepAlive === 0 && given === undefined) return 0; // the app closes every connection: nothing to keep
    if (given !== undefined) {
      checkSeconds('upstreamIdleTimeoutSeconds', given);
      if (given >= appKeepAlive) {
        throw new KeelsonConfigError('upstreamIdleTimeoutSeconds', `is ${given} s, not shorter than the app server's keep-alive of ${appKeepAlive} s, `
          + 'so nginx could reuse a connection the app is closing and answer 502 to a request it cannot retry',
        `set it below ${appKeepAlive} (e.g. ${Math.max(1, appKeepAlive - 5)}), or raise the app server's keep-alive`);
      }
      return given;
    }
    if (appKeepAlive < 2) {
      throw new KeelsonConfigError('upstream.keepAliveSeconds', `is ${appKeepAlive} s, too short for nginx to keep idle connections to the app at all`,
        'raise the app server\'s keep-alive (Keelson\'s gunicorn uses 75 s), or give upstreamIdleTimeoutSeconds below it');
    }
    return Math.min(60, appKeepAlive > 10 ? appKeepAlive - 5 : appKeepAlive - 1);
  }

  private resolveReadTimeout(option: string, given: number | undefined, fallback?: number): number {
    const appTimeout = this.upstream.timeoutSeconds;
    const value = given ?? fallback ?? Math.max(60, appTimeout + 5);
    checkSeconds(option, value);
    if (value < appTimeout) {
      throw new KeelsonConfigError(option, `is ${value} s, shorter than the app server's timeout of ${appTimeout} s, so nginx would answer 504 `
        + 'while the app still works on the request (and a POST may complete after the client was told it failed)',
      `give at least ${appTimeout}, or lower the app server's timeout`);
    }
    return value;
  }

  private resolveRateLimit(option: string, given: RateLimitProps | false | undefined, fallback?: Required<RateLimitProps>): Required<RateLimitProps> | undefined {
    if (given === false) return undefined;
    if (given === undefined) return fallback;
    if (!this.rateLimitZones.some((z) => z.name === given.zone)) {
      throw new KeelsonConfigError(`${option}.zone`, `is '${given.zone}', which is not a declared zone (zones: ${this.rateLimitZones.map((z) => `'${z.name}'`).join(', ') || 'none'})`,
        `declare it in rateLimitZones, e.g. { name: '${given.zone}', rate: '5r/m' }`);
    }
    return {
      zone: given.zone,
      burst: checkCount(`${option}.burst`, given.burst ?? 0, 0),
      nodelay: given.nodelay ?? true,
    };
  }

  private resolveRoute(route: NginxRouteProps, index: number): ResolvedRoute {
    const option = `routes[${index}]`;
    if (!ROUTE_PATH.test(route.path)) {
      throw new KeelsonConfigError(`${option}.path`, `is '${route.path}', not an absolute URL path`,
        "write it like '/auth/login', without spaces, quotes, braces, ';' or a query");
    }
    const websocket = route.websocket ?? false;
    return {
      path: route.path,
      exact: route.exact ?? false,
      rateLimit: this.resolveRateLimit(`${option}.rateLimit`, route.rateLimit, this.rateLimit),
      websocket,
      maxBodySize: route.maxBodySize === undefined ? undefined : checkSize(`${option}.maxBodySize`, route.maxBodySize),
      readTimeoutSeconds: route.readTimeoutSeconds !== undefined || websocket
        ? this.resolveReadTimeout(`${option}.readTimeoutSeconds`, route.readTimeoutSeconds, websocket ? 3600 : undefined)
        : undefined,
    };
  }

  private resolveDiscovery(given: UpstreamDiscovery | undefined): Required<UpstreamResolver> | undefined {
    const address = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\])$/.test(this.upstreamHost);
    if (given === undefined) {
      return this.nginxVersion.resolvesUpstreams && !address ? { address: DOCKER_DNS, validSeconds: 10 } : undefined;
    }
    if (given === 'startup') return undefined;
    if (!this.nginxVersion.resolvesUpstreams) {
      throw new KeelsonConfigError('upstreamDiscovery', `asks nginx ${this.nginxVersion} to re-resolve '${this.upstreamHost}' while it runs, `
        + 'which the open-source nginx does from 1.27.3 (`resolve` in an upstream)',
      "run nginx 1.27.3 or later and say so with nginxVersion, or use 'startup' and reload nginx after scaling the app");
    }
    if (address) {
      throw new KeelsonConfigError('upstreamDiscovery', `is a resolver, but upstreamHost '${this.upstreamHost}' is an address: there is nothing to resolve`,
        "use 'startup', or give the app's service name as upstreamHost");
    }
    const server = given.address ?? DOCKER_DNS;
    if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\])(:\d{1,5})?$/.test(server)) {
      throw new KeelsonConfigError('upstreamDiscovery.address', `is '${server}', not an IP address (nginx resolves the resolver's name only at start)`,
        `give the DNS server's address, e.g. '${DOCKER_DNS}' (Docker's embedded DNS) or '10.0.0.2:53'`);
    }
    return { address: server, validSeconds: checkSeconds('upstreamDiscovery.validSeconds', given.validSeconds ?? 10) };
  }

  private checkProps(): void {
    if (this.serverNames.length === 0) {
      throw new KeelsonConfigError('serverNames', 'is empty, so no request would reach the app: the default server drops unknown hosts',
        "list the host names the service answers to, e.g. ['api.example.com']");
    }
    for (const name of this.serverNames) {
      if (!HOST_NAME.test(name)) {
        throw new KeelsonConfigError('serverNames', `contains '${name}', which is not a host name`,
          "list plain host names or '*.example.com' wildcards; unknown hosts are dropped by the default server, so no catch-all is needed");
      }
    }
    if (!UPSTREAM_HOST.test(this.upstreamHost)) {
      throw new KeelsonConfigError('upstreamHost', `is '${this.upstreamHost}', not a host name or an IP address`,
        "give the app's compose service name (e.g. 'app') or an address such as '127.0.0.1'");
    }
    for (const address of this.listenAddresses) {
      if (!/^(\*|\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\])$/.test(address)) {
        throw new KeelsonConfigError('listenAddresses', `contains '${address}', not a listen address`,
          "give '*' (every IPv4 address), an IPv4 address such as '127.0.0.1', or '[::]'");
      }
    }
    if (this.unprivileged) {
      for (const [option, port] of [['listenPorts.http', this.httpPort], ['listenPorts.https', this.httpsPort]] as const) {
        if (port < 1024) {
          throw new KeelsonConfigError(option, `is ${port}, a privileged port an unprivileged nginx cannot bind`,
            'listen from 1024 up (8080 and 8443 are the defaults) and map 80/443 to it, or set unprivileged: false');
        }
      }
    }
    if (this.tls && this.httpPort === this.httpsPort) {
      throw new KeelsonConfigError('listenPorts.https', `is ${this.httpsPort}, the same as listenPorts.http`, 'give HTTP and HTTPS different ports');
    }
    const seen = new Set<string>();
    for (const route of this.routes) {
      const key = `${route.exact ? '=' : ''}${route.path}`;
      if (seen.has(key)) {
        throw new KeelsonConfigError('routes', `has '${route.path}' twice`, 'give each path once, with all its rules');
      }
      seen.add(key);
      if (!route.exact && route.path === '/') {
        throw new KeelsonConfigError('routes', "has the prefix '/', which is the server's own location",
          'set the server-wide props (rateLimit, maxBodySize, proxyReadTimeoutSeconds) instead');
      }
      if (this.staticFiles && route.path.startsWith(this.staticFiles.urlPath)) {
        throw new KeelsonConfigError('routes', `has '${route.path}', inside the static files' ${this.staticFiles.urlPath}, which nginx serves itself`,
          'move the route, or the static urlPath');
      }
    }
  }

  private buildModel(idleSeconds: number, readSeconds: number): void {
    const { main, http } = this;
    main.add('worker_processes', String(this.workerProcesses),
      'One worker per CPU of the container: `auto` would count the host\'s CPUs, not the container\'s limit.');
    main.add('error_log', ['stderr', 'warn']);
    if (this.unprivileged) {
      main.add('pid', `${this.tmpDir}/nginx.pid`,
        `Unprivileged: no 'user' directive, ports from 1024, and every file nginx writes in ${this.tmpDir} (a tmpfs on a read-only root).`);
    }
    main.children.push(this.events);
    this.events.add('worker_connections', String(this.workerConnections));
    main.children.push(http);

    if (this.unprivileged) {
      const names: Record<string, string> = {
        client_body_temp_path: 'client-body', proxy_temp_path: 'proxy', fastcgi_temp_path: 'fastcgi', uwsgi_temp_path: 'uwsgi', scgi_temp_path: 'scgi',
      };
      TEMP_PATH_DIRECTIVES.forEach((directive, i) => http.add(directive, `${this.tmpDir}/nginx-${names[directive]}`,
        i === 0 ? 'nginx creates these at start (the last level only), for every module built in.' : undefined));
    }
    http.block('types', [], (types) => MIME_TYPES.forEach(([type, extensions]) => types.add(type, extensions)),
      'MIME types of static files, inline: the file does not depend on the image\'s mime.types.');
    http.add('default_type', 'application/octet-stream');
    http.add('server_tokens', 'off', 'No version in the Server header or error pages.');
    http.add('sendfile', 'on');
    http.add('tcp_nopush', 'on');
    http.add('absolute_redirect', 'off', 'Redirects nginx makes itself are relative: they never leak the container\'s listen port.');
    http.add('client_header_timeout', '10s', 'A client gets 10 s to send its headers (slow-header attacks hold a connection for 60 s by default).');
    http.add('log_format', ['keelson', 'escape=json', [
      '{"time":"$time_iso8601","remote_addr":"$remote_addr","host":"$host","request":"$request","status":$status,',
      '"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"upstream_addr":"$upstream_addr",',
      '"upstream_connect_time":"$upstream_connect_time","upstream_response_time":"$upstream_response_time",',
      '"user_agent":"$http_user_agent"}',
    ].join('')]);
    if (this.accessLog === false) http.add('access_log', 'off');
    else http.add('access_log', [this.accessLog, 'keelson']);

    if (this.gzip) {
      http.add('gzip', 'on', 'Compress text; text/html always is.');
      http.add('gzip_vary', 'on');
      http.add('gzip_proxied', 'any');
      http.add('gzip_comp_level', '5');
      http.add('gzip_min_length', '1024');
      http.add('gzip_types', GZIP_TYPES);
    }

    if (this.rateLimitZones.length > 0) {
      this.rateLimitZones.forEach((zone, i) => http.add('limit_req_zone', [zone.key, `zone=${zone.name}:${zone.sizeMiB}m`, `rate=${zone.rate}`],
        i === 0 ? 'Rate limits: named zones, applied per location. Over the limit is 429 Too Many Requests.' : undefined));
      http.add('limit_req_status', '429');
      http.add('limit_req_log_level', 'warn');
    }
    if (this.routes.some((r) => r.websocket)) {
      http.block('map', ['$http_upgrade', CONNECTION_UPGRADE_VARIABLE], (map) => {
        map.add('default', 'upgrade');
        map.add('', '');
      }, 'WebSocket routes: Upgrade passes through; any other request keeps the upstream connection reusable.');
    }
    if (this.staticFiles) {
      const s = this.staticFiles;
      http.block('map', ['$uri', STATIC_CACHE_VARIABLE], (map) => {
        map.add(`~${s.hashedAssetPattern}`, `public, max-age=${s.hashedMaxAgeSeconds}, immutable`);
        map.add('default', s.otherCacheControl);
      }, 'Static files: content-hashed names never change, so they are cached for good; the rest revalidate.');
    }
    if (this.tls) this.buildTlsSettings(this.tls);

    http.children.push(this.upstreamBlock);
    this.buildUpstream(idleSeconds);

    if (this.tls) {
      if (this.tls.redirectHttp) {
        http.children.push(this.dropServer(this.httpPort, false));
        http.block('server', [], (server) => {
          this.listen(server, this.httpPort, false, false);
          server.add('server_name', this.serverNames);
          server.add('return', ['301', `https://$host${this.publicHttpsPort === 443 ? '' : `:${this.publicHttpsPort}`}$request_uri`]);
        }, 'Plain HTTP for the service\'s names: a permanent redirect to HTTPS.');
      }
      http.children.push(this.dropServer(this.httpsPort, true));
    } else {
      http.children.push(this.dropServer(this.httpPort, false));
    }
    http.children.push(this.appServer);
    this.buildAppServer(readSeconds);
  }

  private buildTlsSettings(tls: ResolvedTls): void {
    const { http } = this;
    http.add('ssl_protocols', tls.profile.protocols,
      `TLS: Mozilla's ${tls.profile.name} profile (guidelines ${MOZILLA_GUIDELINES_VERSION}), oldest clients: ${tls.profile.oldestClients.join(', ')}.`);
    http.add('ssl_ecdh_curve', tls.ecdhCurves.join(':'));
    if (tls.profile.ciphers.length > 0) http.add('ssl_ciphers', tls.profile.ciphers.join(':'));
    http.add('ssl_prefer_server_ciphers', tls.profile.preferServerCiphers ? 'on' : 'off');
    if (tls.profile.sessionCache) {
      http.add('ssl_session_timeout', '1d');
      http.add('ssl_session_cache', 'shared:MozSSL:10m');
    }
    if (!this.nginxVersion.rotatesTicketKeys) {
      http.add('ssl_session_tickets', 'off', `nginx ${this.nginxVersion} never rotates its ticket keys: tickets would defeat forward secrecy.`);
    }
    if (this.nginxVersion.hasHttp2Directive) http.add('http2', 'on');
  }

  private buildUpstream(idleSeconds: number): void {
    const u = this.upstreamBlock;
    const resolver = this.upstreamResolver;
    if (resolver) {
      u.add('zone', [NginxConfig.UPSTREAM_NAME, '64k'],
        'Shared memory for the servers `resolve` keeps current, seen by every worker (64 KiB holds hundreds of replicas).');
      u.add('resolver', [resolver.address, `valid=${resolver.validSeconds}s`, 'ipv6=off'],
        `Asked every ${resolver.validSeconds} s for '${this.upstreamHost}': replicas that --scale adds or removes are reached or dropped without a\n`
        + 'reload. IPv4 only: the networks Keelson\'s compose files define carry no IPv6.');
      u.add('resolver_timeout', '5s');
    }
    u.add('server', [`${this.upstreamHost}:${this.upstream.endpoint.port}`, ...(resolver ? ['resolve'] : []),
      `max_fails=${this.maxFails}`, `fail_timeout=${this.failTimeoutSeconds}s`],
    'The app server. A name that resolves to several replicas gives several servers; max_fails and fail_timeout then\n'
      + 'take a failing one out of rotation for a while.'
      + this.startupResolutionNote()
      + (idleSeconds === 0 ? '\nNo keepalive: the app server closes every connection after its response (keep-alive 0).' : ''));
    if (idleSeconds === 0) return;
    u.add('keepalive', String(this.upstreamKeepaliveConnections),
      'Idle connections each worker keeps open to the app, reused instead of a new TCP connection per request.');
    u.add('keepalive_timeout', `${idleSeconds}s`,
      `Shorter than the app server's keep-alive (${this.upstream.keepAliveSeconds} s): nginx closes an idle connection before the app does,\n`
      + 'so it never sends a request down a connection the app is closing.');
  }

  /** Why the name is resolved only at start, when it is a name resolved only at start. */
  private startupResolutionNote(): string {
    if (this.upstreamResolver || /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\])$/.test(this.upstreamHost)) return '';
    const why = this.nginxVersion.resolvesUpstreams ? "upstreamDiscovery is 'startup'"
      : `nginx ${this.nginxVersion} re-resolves no upstream name (\`resolve\` is from 1.27.3)`;
    return `\nResolved once, at start (${why}): after scaling the app, reload nginx (nginx -s reload).`;
  }

  private listen(server: NginxBlock, port: number, ssl: boolean, defaultServer: boolean): void {
    for (const address of this.listenAddresses) {
      server.add('listen', [
        address === '*' ? String(port) : `${address}:${port}`,
        ...(ssl ? ['ssl'] : []),
        ...(ssl && !this.nginxVersion.hasHttp2Directive ? ['http2'] : []),
        ...(defaultServer ? ['default_server'] : []),
      ]);
    }
  }

  private dropServer(port: number, ssl: boolean): NginxBlock {
    const server = new NginxBlock('server', [], ssl
      ? 'Any other host name over TLS: the handshake is refused, no certificate is shown; a known SNI with an unknown\nHost header is closed without a response.'
      : 'Any other Host header: the connection is closed without a response (444).');
    this.listen(server, port, ssl, true);
    server.add('server_name', '_');
    // Over TLS a client may present a known name in SNI and another in Host: that request lands here too.
    if (ssl) server.add('ssl_reject_handshake', 'on');
    server.add('return', '444');
    return server;
  }

  private addSecurityHeaders(block: NginxBlock, comment?: string): void {
    Object.entries(this.securityHeaders).forEach(([name, value], i) => block.add('add_header', [name, value, 'always'], i === 0 ? comment : undefined));
  }

  private forwardingHeaders(block: NginxBlock, comment?: string): void {
    const port = this.tls ? this.publicHttpsPort : this.publicHttpPort;
    [...FORWARDING_HEADERS, ['X-Forwarded-Port', String(port)] as const].forEach(([name, value], i) =>
      block.add('proxy_set_header', [name, value], i === 0 ? comment : undefined));
    // Headers some servers trust for the scheme or the client: never the client's.
    for (const name of ['Forwarded', 'X-Forwarded-Ssl', 'X-Forwarded-Protocol']) block.add('proxy_set_header', [name, '']);
  }

  private buildAppServer(readSeconds: number): void {
    const server = this.appServer;
    const tls = this.tls;
    this.listen(server, tls ? this.httpsPort : this.httpPort, tls !== undefined, false);
    server.add('server_name', this.serverNames);
    if (tls) {
      server.add('ssl_certificate', tls.certificate);
      server.add('ssl_certificate_key', tls.certificateKey);
      if (tls.ocspStapling) {
        server.add('ssl_stapling', 'on', 'OCSP stapling: the CA\'s response is fetched by nginx and sent in the handshake.');
        server.add('ssl_stapling_verify', 'on');
        server.add('ssl_trusted_certificate', tls.ocspStapling.trustedCertificate);
        server.add('resolver', [...tls.ocspStapling.resolvers, 'valid=300s']);
        server.add('resolver_timeout', '5s');
      }
    }
    server.add('client_max_body_size', this.maxBodySize, 'A larger request body is answered 413 before it reaches the app.');
    this.addSecurityHeaders(server, 'Security headers on every response, errors included. A location with an add_header of its own repeats them.');

    server.add('proxy_http_version', '1.1', 'To the app: HTTP/1.1 with keep-alive, bounded waits, and retries that never replay a request that is not idempotent\n'
      + '(no `non_idempotent` in proxy_next_upstream: a POST already sent is not sent again).');
    server.add('proxy_connect_timeout', `${this.proxyConnectTimeoutSeconds}s`);
    server.add('proxy_send_timeout', `${readSeconds}s`);
    server.add('proxy_read_timeout', `${readSeconds}s`);
    server.add('proxy_next_upstream', ['error', 'timeout'], `A replica that refuses, resets or does not answer is skipped: up to ${this.proxyNextUpstreamTries} attempts `
      + `(${this.proxyNextUpstreamTries - 1} replicas leaving at once),\nall within one read timeout.`);
    server.add('proxy_next_upstream_tries', String(this.proxyNextUpstreamTries));
    server.add('proxy_next_upstream_timeout', `${readSeconds}s`);
    this.forwardingHeaders(server, 'Forwarding headers, set from the connection: whatever the client sent under these names is replaced.');
    server.add('proxy_set_header', ['Connection', ''], 'An empty Connection header keeps the upstream connection open.');

    if (this.staticFiles) {
      const s = this.staticFiles;
      server.block('location', ['^~', s.urlPath], (location) => {
        location.add('alias', `${s.directory}/`);
        location.add('add_header', ['Cache-Control', STATIC_CACHE_VARIABLE]);
        this.addSecurityHeaders(location);
      }, 'Static files, served by nginx; ^~ keeps any regex location from taking them.');
    }
    for (const route of this.routes) {
      server.block('location', route.exact ? ['=', route.path] : [route.path], (location) => {
        if (route.rateLimit) this.limit(location, route.rateLimit);
        if (route.maxBodySize !== undefined) location.add('client_max_body_size', route.maxBodySize);
        if (route.readTimeoutSeconds !== undefined) location.add('proxy_read_timeout', `${route.readTimeoutSeconds}s`);
        if (route.websocket) {
          this.forwardingHeaders(location, 'WebSocket: a location with proxy_set_header of its own inherits none, so all are repeated.');
          location.add('proxy_set_header', ['Upgrade', '$http_upgrade']);
          location.add('proxy_set_header', ['Connection', CONNECTION_UPGRADE_VARIABLE]);
        }
        location.add('proxy_pass', `http://${NginxConfig.UPSTREAM_NAME}`);
      });
    }
    server.block('location', ['/'], (location) => {
      if (this.rateLimit) this.limit(location, this.rateLimit);
      location.add('proxy_pass', `http://${NginxConfig.UPSTREAM_NAME}`);
    });
  }

  private limit(location: NginxBlock, limit: Required<RateLimitProps>): void {
    location.add('limit_req', [`zone=${limit.zone}`, ...(limit.burst > 0 ? [`burst=${limit.burst}`] : []), ...(limit.nodelay && limit.burst > 0 ? ['nodelay'] : [])]);
  }
}

function resolveTls(tls: NginxConfigProps['tls']): ResolvedTls | undefined {
  if (tls === false) return undefined;
  const given = tls ?? {};
  for (const option of ['certificate', 'certificateKey'] as const) {
    if (given[option] === undefined) {
      throw new KeelsonConfigError(`tls.${option}`, `is missing, and TLS is on${tls === undefined ? ' by default' : ''}`,
        "give the PEM paths as nginx sees them, e.g. tls: { certificate: '/etc/nginx/tls/fullchain.pem', certificateKey: '/etc/nginx/tls/privkey.pem' }, "
        + 'or tls: false when a load balancer in front terminates TLS');
    }
  }
  const profile = tlsProfile(given.profile ?? 'intermediate');
  const hsts = given.hsts === false ? undefined : {
    maxAgeSeconds: given.hsts?.maxAgeSeconds ?? profile.hstsMinAgeSeconds,
    includeSubDomains: given.hsts?.includeSubDomains ?? false,
    preload: given.hsts?.preload ?? false,
  };
  if (hsts) {
    checkSeconds('tls.hsts.maxAgeSeconds', hsts.maxAgeSeconds, 0);
    if (hsts.preload && (!hsts.includeSubDomains || hsts.maxAgeSeconds < 31536000)) {
      throw new KeelsonConfigError('tls.hsts.preload', 'is set without includeSubDomains and a max-age of at least a year, which the preload list requires',
        'set includeSubDomains: true and maxAgeSeconds >= 31536000, or drop preload');
    }
  }
  const curves = [...(given.ecdhCurves ?? DEFAULT_ECDH_CURVES)];
  if (curves.length === 0 || curves.some((c) => !/^[A-Za-z0-9_-]+$/.test(c))) {
    throw new KeelsonConfigError('tls.ecdhCurves', `is [${curves.join(', ')}], not a list of group names`,
      `give OpenSSL group names, e.g. [${DEFAULT_ECDH_CURVES.map((c) => `'${c}'`).join(', ')}]`);
  }
  const ocsp = given.ocspStapling;
  return {
    certificate: checkAbsolutePath('tls.certificate', given.certificate!, 'the certificate chain'),
    certificateKey: checkAbsolutePath('tls.certificateKey', given.certificateKey!, 'the private key'),
    profile,
    ecdhCurves: curves,
    hsts,
    ocspStapling: ocsp ? {
      trustedCertificate: checkAbsolutePath('tls.ocspStapling.trustedCertificate', ocsp.trustedCertificate, 'the CA chain'),
      resolvers: [...(ocsp.resolvers ?? ['127.0.0.11'])],
    } : undefined,
    redirectHttp: given.redirectHttp ?? true,
  };
}

function resolveZones(props: NginxConfigProps): RateLimitZone[] {
  const zones = (props.rateLimitZones ?? [{ name: 'perclient', rate: '10r/s' }]).map((z) => new RateLimitZone(z));
  const names = new Set<string>();
  for (const zone of zones) {
    if (names.has(zone.name)) {
      throw new KeelsonConfigError('rateLimitZones', `declares '${zone.name}' twice`, 'give each zone a distinct name');
    }
    names.add(zone.name);
  }
  return zones;
}

function resolveStaticFiles(given: StaticFilesProps | undefined): ResolvedStaticFiles | undefined {
  if (!given) return undefined;
  const urlPath = given.urlPath ?? '/static/';
  if (!/^\/([A-Za-z0-9._~-]+\/)+$/.test(urlPath)) {
    throw new KeelsonConfigError('staticFiles.urlPath', `is '${urlPath}', not a URL prefix with a leading and a trailing '/'`,
      "write it like '/static/': without the trailing '/', alias would also serve '/static../' outside the directory");
  }
  const pattern = given.hashedAssetPattern ?? '[.-][0-9a-f]{8,}\\.[A-Za-z0-9]+$';
  try {
    new RegExp(pattern);
  } catch {
    throw new KeelsonConfigError('staticFiles.hashedAssetPattern', `is '${pattern}', not a regular expression`, 'give a PCRE pattern on the URL path');
  }
  const otherCacheControl = given.otherCacheControl ?? 'no-cache';
  if (/["\\\n]/.test(otherCacheControl)) {
    throw new KeelsonConfigError('staticFiles.otherCacheControl', `is '${otherCacheControl}', not a header value`, "give a Cache-Control value such as 'no-cache'");
  }
  return {
    directory: checkAbsolutePath('staticFiles.directory', given.directory, 'the static files directory'),
    urlPath,
    hashedAssetPattern: pattern,
    hashedMaxAgeSeconds: checkSeconds('staticFiles.hashedMaxAgeSeconds', given.hashedMaxAgeSeconds ?? 31536000),
    otherCacheControl,
  };
}

function resolveSecurityHeaders(given: SecurityHeadersProps = {}, hsts?: Required<HstsProps>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (hsts) {
    headers['Strict-Transport-Security'] = [`max-age=${hsts.maxAgeSeconds}`,
      ...(hsts.includeSubDomains ? ['includeSubDomains'] : []), ...(hsts.preload ? ['preload'] : [])].join('; ');
  }
  headers['X-Content-Type-Options'] = 'nosniff';
  const frame = given.frameOptions ?? 'DENY';
  if (frame !== false) {
    if (!['DENY', 'SAMEORIGIN'].includes(frame)) {
      throw new KeelsonConfigError('securityHeaders.frameOptions', `is '${frame}', which browsers do not honour`, "choose 'DENY' or 'SAMEORIGIN', or false with a CSP frame-ancestors");
    }
    headers['X-Frame-Options'] = frame;
  }
  headers['Referrer-Policy'] = given.referrerPolicy ?? 'strict-origin-when-cross-origin';
  if (given.contentSecurityPolicy !== undefined) headers['Content-Security-Policy'] = given.contentSecurityPolicy;
  for (const [name, value] of Object.entries(headers)) {
    if (value === '' || /[\n\r"\\]/.test(value)) {
      throw new KeelsonConfigError(`securityHeaders (${name})`, `is '${value}', not a header value`, 'give a non-empty value without quotes, backslashes or line breaks');
    }
  }
  return headers;
}
