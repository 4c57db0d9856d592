import { IAppServer } from '@keelson/core';
import { NginxBlock, NginxDirective } from './nginx-model';
import { parseNginxTime } from './private/values';

/** What the whole-file checks need to know besides the model. */
export interface NginxCheckContext {
  /** The app server behind the upstream. */
  readonly appServer: IAppServer;
  /** The upstream block's name. */
  readonly upstreamName: string;
  /** Whether the file must run as a non-root user on a read-only root. */
  readonly unprivileged: boolean;
  /** The writable directory, when unprivileged. */
  readonly tmpDir: string;
}

/** The request headers every proxying location must set itself, from the connection. */
export const FORWARDING_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Host', '$host'],
  ['X-Real-IP', '$remote_addr'],
  ['X-Forwarded-For', '$remote_addr'],
  ['X-Forwarded-Proto', '$scheme'],
  ['X-Forwarded-Host', '$host'],
];

/** Temp paths nginx creates at start for every module built in: each must be writable. */
export const TEMP_PATH_DIRECTIVES = ['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'];

/** nginx's `proxy_read_timeout` when none is set. */
const NGINX_DEFAULT_READ_TIMEOUT = 60;
/** nginx's upstream `keepalive_timeout` when none is set. */
const NGINX_DEFAULT_UPSTREAM_IDLE = 60;

/** A readable name of a block, e.g. `server (example.com)` or `location /static/`. */
export function describeBlock(block: NginxBlock): string {
  if (block.name === 'location') return `location ${block.args.join(' ')}`;
  if (block.name === 'server') {
    const names = block.directive('server_name')?.args.join(' ');
    const listen = block.directive('listen')?.args[0];
    return `server ${names ? `(${names})` : `(listen ${listen ?? '?'})`}`;
  }
  if (block.name === '') return 'main context';
  return `${block.name}${block.args.length ? ` ${block.args.join(' ')}` : ''}`;
}

/**
 * The directives named `name` in effect in `block`: its own if it has any, else those of the nearest enclosing
 * block that has some. That is how nginx inherits array directives such as `add_header` and `proxy_set_header`:
 * a level with one of its own drops every inherited one.
 */
export function effective(name: string, block: NginxBlock, ancestors: NginxBlock[]): NginxDirective[] {
  for (const level of [block, ...[...ancestors].reverse()]) {
    const own = level.directives(name);
    if (own.length > 0) return own;
  }
  return [];
}

/** The upstream block named `name` in the http context. */
export function findUpstream(main: NginxBlock, name: string): NginxBlock | undefined {
  return main.blocks('http')[0]?.blocks('upstream', [name])[0];
}

/** Seconds an idle upstream connection is kept, as written in the upstream block (0 without `keepalive`). */
export function upstreamIdleSeconds(upstream: NginxBlock | undefined): number {
  if (!upstream || upstream.directives('keepalive').length === 0) return 0;
  const value = upstream.directive('keepalive_timeout')?.args[0];
  return value === undefined ? NGINX_DEFAULT_UPSTREAM_IDLE : parseNginxTime(value) ?? NaN;
}

/** Every block that proxies to `upstreamName`, with its ancestors. */
export function proxyingBlocks(main: NginxBlock, upstreamName: string): Array<{ block: NginxBlock; ancestors: NginxBlock[] }> {
  return main.walk().filter(({ block }) => block.directives('proxy_pass')
    .some((d) => d.args[0]?.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === upstreamName));
}

/** Seconds of `proxy_read_timeout` in effect in a block. */
export function readTimeoutSeconds(block: NginxBlock, ancestors: NginxBlock[]): number {
  const value = effective('proxy_read_timeout', block, ancestors)[0]?.args[0];
  return value === undefined ? NGINX_DEFAULT_READ_TIMEOUT : parseNginxTime(value) ?? NaN;
}

function headerName(directive: NginxDirective): string {
  return (directive.args[0] ?? '').toLowerCase();
}

/**
 * Checks the resolved model as a whole: what the file says, after escape hatches, is what is checked.
 * Returns one message per problem, each with its fix.
 */
export function checkNginxModel(main: NginxBlock, context: NginxCheckContext): string[] {
  const problems: string[] = [];
  const http = main.blocks('http')[0];
  if (!http) return ['the file has no http block. Fix: keep the http block the component builds'];

  // Upstream keep-alive and timeouts, coherent with the app server.
  const upstream = findUpstream(main, context.upstreamName);
  const app = context.appServer;
  if (!upstream) {
    problems.push(`the upstream '${context.upstreamName}' is gone from the http block. Fix: keep it; proxy_pass refers to it`);
  } else {
    const idle = upstreamIdleSeconds(upstream);
    if (idle !== 0 && !(idle < app.keepAliveSeconds)) {
      problems.push(`the upstream keeps idle connections ${Number.isNaN(idle) ? 'for an unreadable time' : `${idle} s`}, not less than the app server's `
        + `keep-alive of ${app.keepAliveSeconds} s: nginx would reuse connections the app is closing (502 on a POST it cannot retry). `
        + 'Fix: set upstreamIdleTimeoutSeconds below the app server\'s keep-alive');
    }
    if (upstream.directives('keepalive').length === 0 && app.keepAliveSeconds > 0) {
      problems.push(`the upstream '${context.upstreamName}' has no keepalive: every request opens a new connection to the app. `
        + 'Fix: keep the keepalive directive (upstreamKeepaliveConnections)');
    }
  }

  for (const { block, ancestors } of proxyingBlocks(main, context.upstreamName)) {
    const where = describeBlock(block);
    const read = readTimeoutSeconds(block, ancestors);
    if (!(read >= app.timeoutSeconds)) {
      problems.push(`${where} waits ${Number.isNaN(read) ? 'an unreadable time' : `${read} s`} for the app (proxy_read_timeout), less than the app server's `
        + `timeout of ${app.timeoutSeconds} s: nginx would answer 504 while the app still works on the request. `
        + 'Fix: give proxyReadTimeoutSeconds (or the route\'s readTimeoutSeconds) at least the app server\'s timeout');
    }
    const version = effective('proxy_http_version', block, ancestors)[0]?.args[0];
    if (version !== '1.1') {
      problems.push(`${where} proxies with HTTP/${version ?? '1.0'}, which cannot keep the upstream connection open. Fix: proxy_http_version 1.1`);
    }
    const headers = effective('proxy_set_header', block, ancestors);
    const byName = new Map(headers.map((h) => [headerName(h), h.args[1] ?? '']));
    const missing = FORWARDING_HEADERS.filter(([name]) => !byName.has(name.toLowerCase())).map(([name]) => name);
    if (!byName.has('x-forwarded-port')) missing.push('X-Forwarded-Port');
    if (!byName.has('connection')) missing.push('Connection');
    if (missing.length > 0) {
      problems.push(`${where} does not set ${missing.join(', ')}: a location with any proxy_set_header of its own inherits none, `
        + 'so the client\'s values (or none) reach the app. Fix: set every forwarding header in that location');
    }
    for (const name of ['X-Forwarded-For', 'X-Real-IP']) {
      const value = byName.get(name.toLowerCase());
      if (value !== undefined && value !== '$remote_addr') {
        problems.push(`${where} sets ${name} to '${value}', which passes on what the client sent. Fix: set it to $remote_addr`);
      }
    }
  }

  // Security headers: a level with an add_header of its own drops the inherited ones.
  for (const { block, ancestors } of main.walk()) {
    const own = block.directives('add_header');
    if (own.length === 0 || block.name !== 'location') continue;
    const inherited = ancestors.length > 0 ? effective('add_header', ancestors[ancestors.length - 1], ancestors.slice(0, -1)) : [];
    const ownNames = new Set(own.map(headerName));
    const dropped = inherited.filter((h) => !ownNames.has(headerName(h))).map((h) => h.args[0]);
    if (dropped.length > 0) {
      problems.push(`${describeBlock(block)} has add_header of its own, so nginx drops ${dropped.join(', ')} there. `
        + 'Fix: repeat those headers in that location');
    }
  }

  // Every limit_req names a declared zone.
  const zones = new Set(http.directives('limit_req_zone')
    .map((d) => d.args.find((a) => a.startsWith('zone='))?.slice('zone='.length).split(':')[0]));
  for (const { block } of main.walk()) {
    for (const limit of block.directives('limit_req')) {
      const zone = limit.args.find((a) => a.startsWith('zone='))?.slice('zone='.length);
      if (!zone || !zones.has(zone)) {
        problems.push(`${describeBlock(block)} limits requests with zone '${zone ?? '?'}', which no limit_req_zone declares. `
          + 'Fix: add the zone to rateLimitZones');
      }
    }
  }

  if (context.unprivileged) problems.push(...checkUnprivileged(main, http, context.tmpDir));
  return problems;
}

function under(path: string, dir: string): boolean {
  return path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

function checkUnprivileged(main: NginxBlock, http: NginxBlock, tmpDir: string): string[] {
  const problems: string[] = [];
  const fix = 'keep unprivileged mode\'s settings, or set unprivileged: false for an nginx started as root';
  if (main.directives('user').length > 0) {
    problems.push(`the file has a 'user' directive, which only a root master can use. Fix: ${fix}`);
  }
  const pid = main.directive('pid')?.args[0];
  if (!pid || !under(pid, tmpDir)) {
    problems.push(`the pid file is ${pid ? `'${pid}'` : 'at the build default (/run/nginx.pid)'}, outside the writable ${tmpDir}. Fix: ${fix}`);
  }
  for (const name of TEMP_PATH_DIRECTIVES) {
    const path = http.directive(name)?.args[0];
    if (!path || !under(path, tmpDir)) {
      problems.push(`${name} is ${path ? `'${path}'` : 'at the build default (under /var)'}, outside the writable ${tmpDir}: nginx creates it at start. Fix: ${fix}`);
    }
  }
  for (const { block } of main.walk()) {
    for (const listen of block.directives('listen')) {
      const port = Number(/(?:^|:)(\d+)$/.exec(listen.args[0] ?? '')?.[1]);
      if (port < 1024) {
        problems.push(`${describeBlock(block)} listens on ${port}, a privileged port a non-root nginx cannot bind. `
          + 'Fix: listen from 1024 up and map 80/443 to it in the port mapping');
      }
    }
  }
  return problems;
}
