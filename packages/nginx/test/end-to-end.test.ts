/**
 * End to end on loopback: the generated nginx.conf, run by Debian's nginx as nobody on a read-only root (a private
 * mount namespace with a tmpfs on tmpDir and `app` mapped to 127.0.0.1 in /etc/hosts), in front of Debian's
 * gunicorn running the generated gunicorn.conf.py (GunicornConfig, the legacy uvicorn worker) and serving the
 * example app (examples/fastapi-service, `app.main:app`, plus a WebSocket echo route from test/fixtures/ws_echo.py).
 * Both files come from one project: `upstream: gunicorn`.
 *
 * GIVEN nginx started from the generated file with its defaults, except the test's ports, certificates and paths
 * WHEN a client talks to it over TLS and plain HTTP, forges forwarding headers, floods a strict route, sends an
 * oversized body, asks for static files, and makes many requests on fresh connections
 * THEN each answer is the one the config promises, and nginx reuses one upstream connection throughout.
 */
import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { handshake, request, webSocketEcho } from './http-client';
import {
  NGINX, OPENSSL, ROOT, SETPRIV, Started, UNPRIVILEGED, UNSHARE, describeWithPrograms, findProgram, freePort,
  installedNginxVersion, nginxPrefix, waitFor,
} from './support';
import { generatePair, startGunicorn } from './app-server';

const WORKSPACE = resolve(__dirname, '..', '..', '..');
const APP_DIR = join(WORKSPACE, 'examples', 'fastapi-service');
const GUNICORN = findProgram('gunicorn', ['/usr/bin/gunicorn']);

const describeE2e = describeWithPrograms({ nginx: NGINX, openssl: OPENSSL, unshare: UNSHARE, setpriv: SETPRIV, 'root (for unshare --mount)': ROOT, gunicorn: GUNICORN });

/** The established connections whose remote end is `port` on loopback: nginx's side of its upstream connections. */
function connectionsTo(port: number): Set<number> {
  const local = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf-8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const [, localAddress, remoteAddress, state] = line.trim().split(/\s+/);
      if (!remoteAddress || state !== '01') continue;
      if (parseInt(remoteAddress.split(':')[1], 16) === port) local.add(parseInt(localAddress.split(':')[1], 16));
    }
  }
  return local;
}

describeE2e('nginx in front of gunicorn serving the example app', () => {
  const started: Started[] = [];
  let httpPort = 0;
  let httpsPort = 0;
  let appPort = 0;
  let prefix: ReturnType<typeof nginxPrefix>;
  let keepAlive = 0;
  let idle = 0;
  const hashedAsset = 'app.3f2a9c1b7d.js';
  const assetBody = `export const banner = ${JSON.stringify('keelson '.repeat(300))};\n`;

  beforeAll(async () => {
    [httpPort, httpsPort, appPort] = [await freePort(), await freePort(), await freePort()];
    prefix = nginxPrefix();
    writeFileSync(join(prefix.staticDir, hashedAsset), assetBody, { mode: 0o644 });
    writeFileSync(join(prefix.staticDir, 'robots.txt'), 'User-agent: *\n', { mode: 0o644 });

    const pair = generatePair(prefix.dir, appPort, {
      serverNames: ['localhost'],
      nginxVersion: installedNginxVersion(),
      tmpDir: prefix.tmpDir,
      listenAddresses: ['127.0.0.1'],
      listenPorts: { http: httpPort, https: httpsPort },
      publicPorts: { http: httpPort, https: httpsPort },
      tls: { certificate: prefix.certificate, certificateKey: prefix.certificateKey },
      staticFiles: { directory: prefix.staticDir },
      // The default zone, roomier than its 10r/s so the other checks never meet it; a strict one for /notes.
      rateLimitZones: [{ name: 'perclient', rate: '100r/s' }, { name: 'strict', rate: '1r/m' }],
      rateLimit: { zone: 'perclient', burst: 100 },
      routes: [{ path: '/notes', exact: true, rateLimit: { zone: 'strict' } }, { path: '/ws/', websocket: true }],
    });
    keepAlive = pair.gunicorn.keepAliveSeconds;
    idle = pair.nginx.upstreamIdleTimeoutSeconds;
    started.push(startGunicorn(GUNICORN!, pair.gunicornConf, APP_DIR, appPort, 'ws_echo:app'));
    await waitFor('gunicorn to answer /health', async () => (await request({ port: appPort, path: '/health' })).status === 200, 30_000, started);
    const conf = pair.nginxConf;
    const hosts = join(prefix.dir, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.1 app\n', { mode: 0o644 });

    const logDir = Started.logDir();
    const nginx = new Started('nginx', UNSHARE!, ['--mount', '--propagation', 'private', 'sh', '-c', [
      'set -e',
      `mount --bind ${hosts} /etc/hosts`,
      `mount -t tmpfs -o size=16m,mode=0700,uid=${UNPRIVILEGED.uid},gid=${UNPRIVILEGED.gid} tmpfs ${prefix.tmpDir}`,
      // stdout stays writable, like a container's stdout pipe, which is not on its root filesystem
      `mount --bind ${logDir} ${logDir}`,
      'mount -o bind,remount,ro /',
      `exec ${SETPRIV} --reuid=${UNPRIVILEGED.uid} --regid=${UNPRIVILEGED.gid} --clear-groups ${NGINX} -p ${prefix.dir}/ -c ${conf} -e stderr -g "daemon off;"`,
    ].join('\n')], {}, logDir);
    started.push(nginx);
    await waitFor('nginx to answer /health over TLS',
      async () => (await request({ port: httpsPort, path: '/health', https: true })).status === 200, 30_000, started);
  }, 90_000);

  afterAll(async () => {
    for (const process of started.reverse()) await process.stop();
  }, 30_000);

  test('the generated gunicorn.conf.py keeps connections open longer than the generated nginx.conf does', () => {
    expect(keepAlive).toBe(75);
    expect(idle).toBe(60);
  });

  test('/health answers 200 through TLS, over HTTP/2 when the client offers it, with the security headers', async () => {
    const res = await request({ port: httpsPort, path: '/health', https: true });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers.server).toBe('nginx');
    const h2 = await handshake(httpsPort, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(h2).toMatchObject({ ok: true, alpn: 'h2', protocol: 'TLSv1.3' });
  });

  test('TLS follows the intermediate profile: ECDHE AEAD ciphers on TLS 1.2, nothing older or weaker', async () => {
    expect(await handshake(httpsPort, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }))
      .toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(await handshake(httpsPort, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }))
      .toMatchObject({ ok: true, cipher: 'ECDHE-RSA-CHACHA20-POLY1305' });
    for (const cipher of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384']) {
      expect(await handshake(httpsPort, { maxVersion: 'TLSv1.2', ciphers: cipher })).toMatchObject({ ok: false });
    }
  });

  test('plain HTTP answers 301 to the same path over HTTPS', async () => {
    const res = await request({ port: httpPort, path: '/health?probe=1' });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://localhost:${httpsPort}/health?probe=1`);
  });

  test('an unknown host is dropped: TLS handshake refused for its SNI, connection closed for its Host header', async () => {
    expect(await handshake(httpsPort, { servername: 'evil.example' })).toMatchObject({ ok: false });
    await expect(request({ port: httpPort, path: '/health', host: 'evil.example' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(request({ port: httpsPort, path: '/health', https: true, headers: { Host: 'evil.example' } }))
      .rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  test('forwarding headers reach the app as nginx set them, whatever the client forged', async () => {
    const res = await request({
      port: httpsPort, path: '/whoami', https: true, localAddress: '127.0.0.2',
      headers: {
        'X-Forwarded-For': '6.6.6.6', 'X-Real-IP': '6.6.6.6', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Port': '1', 'X-Forwarded-Ssl': 'off', 'X-Forwarded-Protocol': 'http', 'Forwarded': 'for=6.6.6.6;proto=http',
      },
    });
    expect(res.status).toBe(200);
    const seen = res.json<{ client: string; scheme: string; headers: Record<string, string> }>();
    expect(seen.headers).toEqual({
      'x-forwarded-for': '127.0.0.2',
      'x-real-ip': '127.0.0.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'localhost',
      'x-forwarded-port': String(httpsPort),
    });
    // uvicorn trusts nginx (forwarded_allow_ips 127.0.0.1) and takes the client and scheme from those headers.
    expect(seen.client).toBe('127.0.0.2');
    expect(seen.scheme).toBe('https');
  });

  test('a route over its rate limit answers 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request({ port: httpsPort, path: '/notes', https: true })).status);
    expect(statuses[0]).not.toBe(429);
    expect(statuses.slice(1)).toEqual([429, 429]);
    // the limit is per route: the rest of the app still answers
    expect((await request({ port: httpsPort, path: '/health', https: true })).status).toBe(200);
  });

  test('a body over the 1m limit answers 413 and never reaches the app; one under it does', async () => {
    const big = await request({ port: httpsPort, path: '/health', https: true, method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 'a') });
    expect(big.status).toBe(413);
    const small = await request({ port: httpsPort, path: '/health', https: true, method: 'POST', body: Buffer.alloc(1024, 'a') });
    expect(small.status).toBe(405); // the app's answer: /health is GET only
  });

  test('static files are served by nginx: hashed assets cached for a year as immutable, the rest revalidated', async () => {
    const asset = await request({ port: httpsPort, path: `/static/${hashedAsset}`, https: true });
    expect(asset.status).toBe(200);
    expect(asset.body.toString('utf-8')).toBe(assetBody);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toBe('text/javascript');
    expect(asset.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    const robots = await request({ port: httpsPort, path: '/static/robots.txt', https: true });
    expect(robots.headers['cache-control']).toBe('no-cache');
    const missing = await request({ port: httpsPort, path: '/static/app.0123456789.js', https: true });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBeUndefined();
    // the app has no /static route: a 200 with the file's bytes can only come from nginx
    expect((await request({ port: appPort, path: `/static/${hashedAsset}` })).status).toBe(404);
  });

  test('text responses are gzipped for clients that accept it', async () => {
    const res = await request({ port: httpsPort, path: `/static/${hashedAsset}`, https: true, headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    expect(res.body.length).toBeLessThan(assetBody.length);
  });

  test('a WebSocket route upgrades through nginx and carries frames both ways', async () => {
    const exchange = await webSocketEcho(httpsPort, '/ws/echo', 'hello');
    expect(exchange.statusLine).toMatch(/^HTTP\/1\.1 101\b/);
    expect(exchange.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455's example key and answer
    expect(exchange.reply).toBe('hello via https for 127.0.0.1'); // the forwarding headers survive the route's own proxy_set_header
  });

  test('the upstream connection is reused: many requests on fresh client connections open no new one', async () => {
    expect((await request({ port: httpsPort, path: '/health', https: true })).status).toBe(200);
    const before = connectionsTo(appPort);
    expect(before.size).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 15; i++) {
      expect((await request({ port: httpsPort, path: '/health', https: true })).status).toBe(200);
      for (const port of connectionsTo(appPort)) expect(before).toContain(port);
    }
  });

  test('nginx runs unprivileged: master and workers are nobody\'s, on a read-only root with only its tmpfs writable', async () => {
    const nginx = started.find((s) => s.label === 'nginx')!;
    const uidLine = new RegExp(`^Uid:\\s+${UNPRIVILEGED.uid}\\s+${UNPRIVILEGED.uid}\\s+${UNPRIVILEGED.uid}\\s+${UNPRIVILEGED.uid}$`, 'm');
    expect(readFileSync(`/proc/${nginx.pid}/cmdline`, 'utf-8')).toMatch(/^nginx: master process/);
    expect(readFileSync(`/proc/${nginx.pid}/status`, 'utf-8')).toMatch(uidLine);
    const workers = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return new RegExp(`^PPid:\\s+${nginx.pid}$`, 'm').test(readFileSync(`/proc/${p}/status`, 'utf-8')); } catch { return false; }
    });
    expect(workers.length).toBeGreaterThanOrEqual(1);
    for (const worker of workers) expect(readFileSync(`/proc/${worker}/status`, 'utf-8')).toMatch(uidLine);
    // the root of its mount namespace is read-only: a write anywhere but the tmpfs would have stopped it
    expect(readFileSync(`/proc/${nginx.pid}/mountinfo`, 'utf-8')).toMatch(/^\S+ \S+ \S+ \S+ \/ ro[, ]/m);
    expect(nginx.output).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});

