import { Rule, Verdict, verdict } from '../rule';
import { eachService, serviceTarget, volumesOf } from '../private/compose';

/** The proxy container reads the config file the project generates, read-only, where the proxy looks for it. */
export const ProxyConfigMounted: Rule = {
  name: 'ProxyConfigMounted',
  scope: 'cross-file',
  what: 'The compose proxy service mounts the generated proxy config, read-only, at the path the proxy reads',
  evaluate: (input) => {
    const verdicts: Verdict[] = [];
    if (input.proxies.length === 0) return verdicts;
    for (const { path, file, name, service, role } of eachService(input.composes)) {
      if (role !== 'reverse-proxy') continue;
      const mounts = volumesOf(service);
      const ok = input.proxies.some(({ model }) => mounts.some((m) => m.source.replace(/^\.\//, '') === model.file && m.target === model.configPath && m.readOnly));
      const files = input.proxies.map((p) => p.model);
      verdicts.push(verdict(ok, serviceTarget(file, name, 'volumes'), path, file.path,
        () => `service '${name}' does not mount ${files.map((f) => `./${f.file}`).join(' or ')} read-only at ${files[0].configPath} in ${file.path}: `
          + 'it runs its image\'s default configuration, not the generated one'));
    }
    return verdicts;
  },
};
