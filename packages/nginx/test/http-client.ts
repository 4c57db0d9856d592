import * as http from 'http';
import * as https from 'https';
import * as tls from 'tls';

/** One request on a fresh connection (no agent: nothing is reused on the client side). */
export interface RequestOptions {
  readonly port: number;
  readonly path: string;
  /** @default false */
  readonly https?: boolean;
  /** @default 'GET' */
  readonly method?: string;
  /** @default - none beyond Host */
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** The client's source address, e.g. `127.0.0.2`. */
  readonly localAddress?: string;
  /** @default 'localhost' */
  readonly host?: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

export interface Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as JSON. */
  json<T = unknown>(): T;
}

/** Sends a request to 127.0.0.1 (TLS: SNI and Host `host`, certificate not verified: it is self-signed). */
export function request(options: RequestOptions): Promise<Response> {
  const host = options.host ?? 'localhost';
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const common = {
    host: '127.0.0.1',
    port: options.port,
    path: options.path,
    method: options.method ?? 'GET',
    headers: { Host: host, ...(body ? { 'Content-Length': String(body.length) } : {}), ...options.headers },
    agent: false as const,
    localAddress: options.localAddress,
    timeout: options.timeoutMs ?? 10_000,
  };
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: <T>() => JSON.parse(data.toString('utf-8')) as T });
      });
      res.on('error', reject);
    };
    const req = options.https
      ? https.request({ ...common, servername: host, rejectUnauthorized: false }, done)
      : http.request(common, done);
    req.on('timeout', () => req.destroy(new Error(`request to ${options.path} timed out`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** The outcome of a bare TLS handshake. */
export interface Handshake {
  readonly ok: boolean;
  readonly protocol?: string | null;
  readonly alpn?: string | false | null;
  readonly cipher?: string;
  readonly error?: string;
}

/** A TLS handshake only, with the given constraints. */
export function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...options });
    const timer = setTimeout(() => { socket.destroy(); resolve({ ok: false, error: 'timeout' }); }, 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const result = { ok: true, protocol: socket.getProtocol(), alpn: socket.alpnProtocol, cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.message });
    });
  });
}
