/**
 * Every variant Keelson can emit goes through the real program: Debian's nginx parses and checks it (`nginx -t`)
 * as an unprivileged user, with real (self-signed) certificates, and without a warning.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { NginxConfigProps } from '../src';
import {
  NGINX, OPENSSL, ROOT, SETPRIV, isCI, UNPRIVILEGED, UNSHARE, appServer, describeWithPrograms, installedNginxVersion, nginxPrefix,
  nginxTest, runToFile, synthNginx,
} from './support';

const describeNginx = describeWithPrograms({ nginx: NGINX, openssl: OPENSSL });

describeNginx('nginx -t on every generated variant', () => {
  const prefix = nginxPrefix();
  const version = installedNginxVersion();
  const tls = { certificate: prefix.certificate, certificateKey: prefix.certificateKey };
  /** What every variant shares: the test prefix, the installed version, an upstream on loopback. */
  const base = (overrides: Partial<NginxConfigProps>): NginxConfigProps => ({
    upstream: appServer(),
    serverNames: ['localhost'],
    upstreamHost: '127.0.0.1',
    nginxVersion: version,
    tmpDir: prefix.tmpDir,
    listenAddresses: ['127.0.0.1'],
    tls,
    ...overrides,
  });

  const variants: Array<[string, NginxConfigProps]> = [
    ['TLS intermediate with the defaults', base({})],
    ['TLS modern with HSTS preload', base({ tls: { ...tls, profile: 'modern', hsts: { includeSubDomains: true, preload: true } } })],
    ['TLS without the HTTP redirect and without HSTS', base({ tls: { ...tls, redirectHttp: false, hsts: false } })],
    ['TLS with OCSP stapling', base({ tls: { ...tls, ocspStapling: { trustedCertificate: prefix.certificate, resolvers: ['127.0.0.1'] } } })],
    ['plain HTTP behind a TLS load balancer', base({ tls: false })],
    ['an app server without keep-alive (gunicorn\'s sync worker): no upstream keepalive', base({ upstream: appServer({ keepAliveSeconds: 0 }) })],
    ['static files, a stricter login route, a WebSocket route and an upload route', base({
      staticFiles: { directory: prefix.staticDir },
      rateLimitZones: [{ name: 'perclient', rate: '10r/s' }, { name: 'login', rate: '5r/m', sizeMiB: 1 }],
      routes: [
        { path: '/auth/login', exact: true, rateLimit: { zone: 'login', burst: 3, nodelay: false } },
        { path: '/ws', websocket: true },
        { path: '/uploads', maxBodySize: '25m', readTimeoutSeconds: 120, rateLimit: false },
      ],
    })],
    ['no rate limit, no gzip, no access log, a CSP and SAMEORIGIN framing', base({
      rateLimit: false, rateLimitZones: [], gzip: false, accessLog: false,
      securityHeaders: { contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'", frameOptions: 'SAMEORIGIN' },
    })],
    ['several server names and listen addresses, public ports behind a mapping', base({
      serverNames: ['localhost', 'api.example.com', '*.example.org'], listenAddresses: ['127.0.0.1', '127.0.0.2'],
      publicPorts: { http: 8000, https: 9443 }, listenPorts: { http: 18080, https: 18443 },
    })],
  ];

  test.each(variants)('%s passes, as an unprivileged user, without a warning', (_name, props) => {
    const { text } = synthNginx(props);
    const result = nginxTest(prefix.dir, text);
    const allowed = props.tls && props.tls.ocspStapling
      ? /\[warn\].*"ssl_stapling" ignored, no OCSP responder URL in the certificate/ : /^$/;
    const warnings = result.output.split('\n').filter((line) => /\[(warn|emerg|alert|crit|error)\]/.test(line) && !allowed.test(line));
    expect(warnings).toEqual([]);
    expect(result.output).toMatch(/syntax is ok/);
    expect(result.output).toMatch(/test is successful/);
    expect(result.status).toBe(0);
  });

  // Needs root itself: under CI it runs (and fails without root), elsewhere it is skipped when not root.
  const testAsRoot = ROOT !== undefined || isCI ? test : test.skip;
  testAsRoot('the privileged variant passes for an nginx started as root, with the build\'s own paths', () => {
    const { text } = synthNginx(base({ unprivileged: false, tls: false }));
    const conf = join(prefix.dir, 'privileged.conf');
    writeFileSync(conf, text);
    const out = runToFile(NGINX!, ['-t', '-p', `${prefix.dir}/`, '-c', conf, '-e', 'stderr']);
    expect(out.output).toMatch(/test is successful/);
    expect(text).toMatch(/^\s+listen 127\.0\.0\.1:80 default_server;$/m);
    expect(text).not.toMatch(/^pid /m);
  });

  test('the installed nginx is older than 1.25.1, so HTTP/2 is a listen parameter and tickets are off', () => {
    const { text } = synthNginx(base({}));
    expect(version).toMatch(/^1\.22\./);
    expect(text).toMatch(/^\s+listen 127\.0\.0\.1:8443 ssl http2;$/m);
    expect(text).not.toMatch(/^\s+http2 on;$/m);
    expect(text).toMatch(/^\s+ssl_session_tickets off;$/m);
  });

  test('a file for a newer nginx than the installed one is refused by it: the version option matters', () => {
    const { text } = synthNginx(base({ nginxVersion: '1.30' }));
    const result = nginxTest(prefix.dir, text, 'newer.conf');
    expect(result.output).toMatch(/unknown directive "http2"/);
    expect(result.status).not.toBe(0);
  });
});

const describeNamespaces = describeWithPrograms({ nginx: NGINX, openssl: OPENSSL, unshare: UNSHARE, setpriv: SETPRIV, 'root (for unshare --mount)': ROOT });

describeNamespaces('the default upstream name, in the container\'s posture', () => {
  const prefix = nginxPrefix();
  const version = installedNginxVersion();

  /**
   * Runs `nginx -t` in a private mount namespace shaped like the container: /etc/hosts maps `app` to loopback
   * (what compose's DNS does), a tmpfs is mounted on tmpDir, the root is remounted read-only, and nginx runs as
   * nobody. Nothing outside the namespace changes.
   */
  function checkInContainerPosture(upstreamHost: string | undefined): { status: number | null; output: string } {
    const { text } = synthNginx({
      upstream: appServer(), serverNames: ['localhost'], nginxVersion: version, tmpDir: prefix.tmpDir,
      tls: { certificate: prefix.certificate, certificateKey: prefix.certificateKey },
      staticFiles: { directory: prefix.staticDir },
      ...(upstreamHost ? { upstreamHost } : {}),
    });
    expect(text).toMatch(new RegExp(`server ${upstreamHost ?? 'app'}:8000 `));
    const conf = join(prefix.dir, 'posture.conf');
    writeFileSync(conf, text, { mode: 0o644 });
    const hosts = join(prefix.dir, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.1 app\n', { mode: 0o644 });
    mkdirSync(prefix.tmpDir, { recursive: true });
    const script = [
      'set -e',
      `mount --bind ${hosts} /etc/hosts`,
      `mount -t tmpfs -o size=16m,mode=0700,uid=${UNPRIVILEGED.uid},gid=${UNPRIVILEGED.gid} tmpfs ${prefix.tmpDir}`,
      'mount -o bind,remount,ro /',
      'if touch /etc/keelson-probe 2>/dev/null; then echo "root is writable"; exit 3; fi',
      `exec ${SETPRIV} --reuid=${UNPRIVILEGED.uid} --regid=${UNPRIVILEGED.gid} --clear-groups ${NGINX} -t -p ${prefix.dir}/ -c ${conf} -e stderr`,
    ].join('\n');
    return runToFile(UNSHARE!, ['--mount', '--propagation', 'private', 'sh', '-c', script], { timeoutMs: 30_000 });
  }

  test("upstream 'app' resolves and the file passes on a read-only root as nobody", () => {
    const result = checkInContainerPosture(undefined);
    expect(result.output).toMatch(/test is successful/);
    expect(result.output).not.toMatch(/\[(warn|emerg)\]/);
    expect(result.status).toBe(0);
  });

  test('a name that does not resolve fails the same check: the hosts mapping is what made it pass', () => {
    const result = checkInContainerPosture('keelson-unresolvable-upstream');
    expect(result.output).toMatch(/host not found in upstream "keelson-unresolvable-upstream:8000"/);
    expect(result.status).not.toBe(0);
  });
});
