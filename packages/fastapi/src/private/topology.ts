import type { ComposeDocument } from '@keelson/compose';

/** One published port: the host address and port, and the container port it reaches. */
export interface PublishedPort {
  readonly hostIp: string;
  readonly published: string;
  readonly target: string;
}

/** One compose service as the topology shows it. */
export interface TopologyService {
  readonly name: string;
  readonly networks: string[];
  readonly ports: PublishedPort[];
  readonly volumes: string[];
  readonly replicas?: number;
}

/** What one compose file runs: services, networks, published ports, named volumes. */
export interface Topology {
  readonly file: string;
  readonly services: TopologyService[];
  readonly networks: string[];
  readonly volumes: string[];
}

/** The topology of a compose document, as it will be written (escape hatches included). */
export function topologyOf(file: string, document: ComposeDocument): Topology {
  const volumes = Object.keys(document.volumes ?? {});
  const services = Object.entries(document.services).map(([name, spec]): TopologyService => {
    const networks = Array.isArray(spec.networks) ? spec.networks.map(String) : Object.keys(spec.networks ?? {});
    const ports = (spec.ports ?? []).map(portOf).filter((p): p is PublishedPort => p !== undefined);
    const mounted = (spec.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source))
      .filter((source): source is string => source !== undefined && volumes.includes(source));
    const replicas = spec.deploy?.replicas;
    return { name, networks: networks.length > 0 ? networks : ['default'], ports, volumes: mounted, replicas: typeof replicas === 'number' ? replicas : undefined };
  });
  const networks = [...new Set([...Object.keys(document.networks ?? {}), ...services.flatMap((s) => s.networks)])];
  return { file, services, networks, volumes };
}

function portOf(port: unknown): PublishedPort | undefined {
  if (typeof port === 'number') return undefined; // exposed to other containers only, never published
  if (typeof port === 'string') {
    const parts = port.split('/')[0].split(':');
    if (parts.length === 1) return undefined;
    const target = parts[parts.length - 1];
    const published = parts[parts.length - 2];
    const hostIp = parts.length > 2 ? parts.slice(0, -2).join(':') : '0.0.0.0';
    return { hostIp, published, target };
  }
  if (typeof port === 'object' && port !== null) {
    const p = port as { target?: unknown; published?: unknown; host_ip?: unknown };
    if (p.published === undefined) return undefined;
    return { hostIp: String(p.host_ip ?? '0.0.0.0'), published: String(p.published), target: String(p.target) };
  }
  return undefined;
}

const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
const title = (text: string) => text.replace(/[[\]{}"`]/g, ' ');

/**
 * The topology as a Mermaid `architecture-beta` diagram: each compose service, network and named volume is a node
 * inside the file's group; each published port is a node outside it, with an arrow to the service it reaches.
 */
export function renderMermaid(topology: Topology): string {
  const group = id('file', topology.file);
  const lines = ['architecture-beta', `    group ${group}(cloud)[${title(topology.file)}]`];
  for (const network of topology.networks) lines.push(`    service ${id('net', network)}(internet)[network ${title(network)}] in ${group}`);
  for (const service of topology.services) {
    const scale = service.replicas !== undefined && service.replicas !== 1 ? ` x${service.replicas}` : '';
    lines.push(`    service ${id('svc', service.name)}(server)[${title(service.name)}${scale}] in ${group}`);
  }
  for (const volume of topology.volumes) lines.push(`    service ${id('vol', volume)}(disk)[volume ${title(volume)}] in ${group}`);
  for (const service of topology.services) {
    for (const port of service.ports) {
      lines.push(`    service ${id('port', `${service.name}_${port.published}`)}(internet)[host ${title(port.hostIp)} port ${port.published}]`);
    }
  }
  for (const service of topology.services) {
    const node = id('svc', service.name);
    for (const network of service.networks) lines.push(`    ${node}:R -- L:${id('net', network)}`);
    for (const volume of service.volumes) lines.push(`    ${node}:B -- T:${id('vol', volume)}`);
    for (const port of service.ports) lines.push(`    ${id('port', `${service.name}_${port.published}`)}:R --> L:${node}`);
  }
  return lines.join('\n');
}

/** The same facts as a Markdown table, for readers without a Mermaid renderer. */
export function renderTable(topology: Topology): string {
  const rows = topology.services.map((s) => {
    const ports = s.ports.length === 0 ? 'none' : s.ports.map((p) => `${p.hostIp}:${p.published} → ${p.target}`).join(', ');
    return `| ${s.name} | ${s.replicas ?? 1} | ${s.networks.join(', ')} | ${ports} | ${s.volumes.join(', ') || 'none'} |`;
  });
  return ['| service | replicas | networks | published ports | volumes |', '|---|---|---|---|---|', ...rows].join('\n');
}
