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

/** What a WebSocket exchange through the proxy gave back. */
export interface WebSocketExchange {
  /** The status line of the handshake response, e.g. `HTTP/1.1 101 Switching Protocols`. */
  readonly statusLine: string;
  readonly accept?: string;
  /** The text of the first frame the server sent, if any. */
  readonly reply?: string;
}

/**
 * A minimal RFC 6455 client over TLS (Node 20 has no WebSocket client): the upgrade handshake, one masked text
 * frame, and the server's first frame back.
 */
export function webSocketEcho(port: number, path: string, text: string, key = 'dGhlIHNhbXBsZSBub25jZQ=='): Promise<WebSocketExchange> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('WebSocket exchange timed out')); }, 10_000);
    let buffer = Buffer.alloc(0);
    let head: { statusLine: string; accept?: string } | undefined;
    const finish = (result: WebSocketExchange) => { clearTimeout(timer); socket.destroy(); resolve(result); };
    socket.once('secureConnect', () => {
      socket.write([`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        head = { statusLine: lines[0], accept: lines.find((l) => /^sec-websocket-accept:/i.test(l))?.split(':')[1].trim() };
        buffer = buffer.subarray(end + 4);
        if (!/^HTTP\/1\.1 101 /.test(head.statusLine)) { finish(head); return; }
        const payload = Buffer.from(text, 'utf-8');
        const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
        const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]);
        socket.write(frame);
      }
      // An unmasked server frame with a payload under 126 bytes: FIN+opcode, length, payload.
      if (buffer.length >= 2 && buffer.length >= 2 + (buffer[1] & 0x7f)) {
        finish({ ...head, reply: buffer.subarray(2, 2 + (buffer[1] & 0x7f)).toString('utf-8') });
      }
    });
    socket.once('error', (error) => { clearTimeout(timer); reject(error); });
  });
}
