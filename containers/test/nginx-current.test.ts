/**
 * The nginx component writes its default file for nginx 1.30 (`http2 on`, upstream `zone` + `resolve`), which the
 * machine's own nginx (Debian 12's 1.22) cannot read: packages/nginx checks the 1.22 form with it. Here every
 * variant in the default form goes through a real nginx 1.30 (the stand-in image, Debian testing's): `nginx -t` as
 * uid 101 on a read-only root with a tmpfs /tmp, no network at all, real (self-signed) certificates, no warning.
 */
import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { IAppServer, ResourceLimits, ServiceEndpoint, ServiceProject } from '../../packages/core';
import { NginxConfig, NginxConfigProps } from '../../packages/nginx';
import { NGINX_IMAGE, ensureDerivedImage } from '../src/derived-images';
import { describeWithEngine } from './engine-support';

/** The app server contract as GunicornConfig fulfils it (port 8000, 75 s keep-alive, 30 s timeout). */
function appServer(overrides: Partial<IAppServer> = {}): IAppServer {
  return {
    endpoint: new ServiceEndpoint(), module: 'gunicorn', configFile: 'gunicorn.conf.py', keepAliveSeconds: 75,
    timeoutSeconds: 30, gracefulTimeoutSeconds: 25, requirements: [], command: (m) => [m],
    workersFor: (limits: ResourceLimits) => Math.max(1, Math.floor(limits.cpus)), ...overrides,
  };
}

/** Where the variants find their files inside the container. */
const SECRETS = '/run/secrets';
const STATIC = '/srv/static';

describeWithEngine('the nginx component\'s default form (nginx 1.30) through nginx -t of nginx 1.30', (engine) => {
  const workdir = mkdtempSync(join(tmpdir(), 'keelson-nginx-current-'));
  const tls = { certificate: `${SECRETS}/tls_certificate`, certificateKey: `${SECRETS}/tls_private_key` };
  const base = (overrides: Partial<NginxConfigProps>): NginxConfigProps => ({ upstream: appServer(), serverNames: ['localhost'], tls, ...overrides });

  const variants: Array<[string, NginxConfigProps]> = [
    ['TLS intermediate with the defaults (upstream app:8000 resolve through Docker\'s DNS)', base({})],
    ['TLS modern with HSTS preload', base({ tls: { ...tls, profile: 'modern', hsts: { includeSubDomains: true, preload: true } } })],
    ['plain HTTP behind a TLS load balancer', base({ tls: false })],
    ['an app server without keep-alive: no upstream keepalive', base({ upstream: appServer({ keepAliveSeconds: 0 }) })],
    ['a resolver of one\'s own, asked every 30 s', base({ upstreamDiscovery: { address: '10.0.0.2:53', validSeconds: 30 } })],
    ['resolved once at start (upstreamDiscovery \'startup\', an address)', base({ upstreamDiscovery: 'startup', upstreamHost: '127.0.0.1' })],
    ['static files, a stricter login route, a WebSocket route and an upload route', base({
      staticFiles: { directory: STATIC },
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
  ];

  beforeAll(async () => {
    await ensureDerivedImage(engine().docker, NGINX_IMAGE);
    // A self-signed certificate for localhost, readable by nginx's uid (101), as compose mounts its secrets.
    mkdirSync(join(workdir, 'secrets'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-keyout', join(workdir, 'secrets', 'tls_private_key'), '-out', join(workdir, 'secrets', 'tls_certificate')],
    { encoding: 'utf-8', timeout: 30_000 });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    for (const file of ['tls_private_key', 'tls_certificate']) chmodSync(join(workdir, 'secrets', file), 0o644);
    mkdirSync(join(workdir, 'static'));
  }, 900_000);

  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  test.each(variants)('%s passes, as uid 101 on a read-only root, without a warning', async (_name, props) => {
    const project = new ServiceProject({ name: 'svc', outdir: mkdtempSync(join(workdir, 'project-')) });
    const nginx = new NginxConfig(project, props);
    expect(nginx.nginxVersion.toString()).toBe(NginxConfig.DEFAULT_NGINX_VERSION);
    process.env.PROJEN_DISABLE_POST = 'true';
    project.synth();
    const conf = join(project.outdir, NginxConfig.FILE);
    const result = await engine().docker.run(['run', '--rm', '--pull=never', '--network=none', '--read-only', '--tmpfs', '/tmp',
      '--cap-drop=ALL', '--security-opt=no-new-privileges', '--user', '101:101',
      '-v', `${conf}:/etc/nginx/nginx.conf:ro`, '-v', `${join(workdir, 'secrets')}:${SECRETS}:ro`, '-v', `${join(workdir, 'static')}:${STATIC}:ro`,
      NGINX_IMAGE.reference, 'nginx', '-t'], { allowFailure: true, timeoutMs: 60_000 });
    const output = `${result.stdout}${result.stderr}`;
    expect(output.split('\n').filter((line) => /\[(warn|emerg|alert|crit|error)\]/.test(line))).toEqual([]);
    expect(output).toMatch(/syntax is ok/);
    expect(output).toMatch(/test is successful/);
    expect(result.code).toBe(0);
  }, 120_000);
});
