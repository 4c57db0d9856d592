import { Rule, verdict } from '../rule';

/** The proxy does not advertise its version in headers and error pages. */
export const ProxyHidesVersion: Rule = {
  name: 'ProxyHidesVersion',
  scope: 'single-file',
  what: 'The reverse proxy does not advertise its version (server_tokens off)',
  evaluate: (input) => input.proxies.map(({ path, model }) => verdict(!model.serverTokens, `${model.file}#server_tokens`, path, model.file,
    () => `${model.file} sends its version in the Server header and on error pages`)),
};
