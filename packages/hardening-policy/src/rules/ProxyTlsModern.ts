import { Rule, verdict } from '../rule';

const MODERN = ['TLSv1.2', 'TLSv1.3'];

/** The proxy speaks TLS 1.2 and 1.3 only: SSLv3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996). */
export const ProxyTlsModern: Rule = {
  name: 'ProxyTlsModern',
  scope: 'single-file',
  what: 'The reverse proxy enables TLS 1.2 and 1.3 only',
  evaluate: (input) => input.proxies.flatMap(({ path, model }) => {
    if (model.tlsProtocols.length === 0) return [];
    const old = model.tlsProtocols.filter((p) => !MODERN.includes(p));
    return [verdict(old.length === 0, `${model.file}#ssl_protocols`, path, model.file,
      () => `${model.file} enables ${old.join(', ')} (ssl_protocols ${model.tlsProtocols.join(' ')})`)];
  }),
};
