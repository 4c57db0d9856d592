/** The parts of an image reference, read leniently (a policy reads what users wrote, valid or not). */
export interface ImageParts {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** `repository[:tag][@digest]`. */
export function imageParts(reference: string): ImageParts {
  const at = reference.indexOf('@');
  const name = at >= 0 ? reference.slice(0, at) : reference;
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  return { repository: hasTag ? name.slice(0, colon) : name, tag: hasTag ? name.slice(colon + 1) : undefined, digest };
}

/** Whether a reference still holds a variable (an ARG without default, a compose variable without fallback). */
export function isUnresolved(reference: string): boolean {
  return /\$/.test(reference);
}

/** Whether the reference names a fixed tag: present and not `latest`, or a digest. */
export function hasFixedTag(reference: string): boolean {
  const parts = imageParts(reference);
  return parts.digest !== undefined || (parts.tag !== undefined && parts.tag !== 'latest');
}

/**
 * The interpreter a public Python base image has, by what its publisher documents:
 * python:X.Y[.Z]-* has /usr/local/bin/pythonX.Y; gcr.io/distroless/python3-debian12 has Debian 12's
 * /usr/bin/python3.11 (debian:12* gets it from apt); cgr.dev/chainguard/python:X.Y[-dev] has /usr/bin/pythonX.Y and
 * :latest[-dev] /usr/bin/python3. Undefined for an image this table does not know.
 */
export function knownInterpreters(reference: string): string[] | undefined {
  const { repository, tag } = imageParts(reference);
  const name = repository.replace(/^(docker\.io\/)?(library\/)?/, '');
  if (name === 'python' && tag) {
    const minor = /^(\d+\.\d+)/.exec(tag)?.[1];
    return minor ? [`/usr/local/bin/python${minor}`] : undefined;
  }
  if (name === 'gcr.io/distroless/python3-debian12' || (name === 'debian' && tag && /^(12|bookworm)/.test(tag))) return ['/usr/bin/python3.11'];
  if (name === 'cgr.dev/chainguard/python' && tag) {
    const minor = /^(\d+\.\d+)/.exec(tag)?.[1];
    return minor ? [`/usr/bin/python${minor}`] : /^latest/.test(tag) ? ['/usr/bin/python3'] : undefined;
  }
  return undefined;
}

/** Repositories of data services (databases, caches, brokers, object stores), by their usual image names. */
export const DATA_IMAGES = /(^|\/)(postgres|postgis|mysql|mariadb|mongo|redis|valkey|keydb|memcached|elasticsearch|opensearch|rabbitmq|cassandra|clickhouse|couchdb|neo4j|influxdb|timescaledb|minio)(-[a-z]+)?$/;
