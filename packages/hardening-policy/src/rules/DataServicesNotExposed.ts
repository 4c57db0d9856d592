import { ComposeServiceRole } from '@keelson/core';
import { Rule, verdict } from '../rule';
import { eachService, isLoopback, portsOf, serviceTarget, withDefaults } from '../private/compose';
import { imageParts } from '../private/image';

const DATA_ROLES: readonly ComposeServiceRole[] = ['database', 'cache'];
const DATA_IMAGES = /(^|\/)(postgres|postgis|mysql|mariadb|mongo|redis|valkey|keydb|memcached|elasticsearch|opensearch|rabbitmq|cassandra|clickhouse|couchdb|neo4j|influxdb|timescaledb|minio)(-[a-z]+)?$/;

/** A data service is published on loopback at most: a database on the LAN is a database on the internet one day. */
export const DataServicesNotExposed: Rule = {
  name: 'DataServicesNotExposed',
  scope: 'single-file',
  what: 'Data services (databases, caches, brokers) are published on loopback only, or not at all',
  evaluate: (input) => eachService(input.composes).flatMap(({ path, file, name, service, role }) => {
    const image = service.image === undefined ? '' : imageParts(withDefaults(String(service.image))).repository;
    if (!DATA_ROLES.includes(role) && !(role === 'other' && DATA_IMAGES.test(image))) return [];
    const exposed = portsOf(service).filter((p) => !isLoopback(p.hostIp));
    return [verdict(exposed.length === 0, serviceTarget(file, name, 'ports'), path, file.path,
      () => `data service '${name}' is published on every interface in ${file.path} (${exposed.map((p) => `'${p.text}'`).join(', ')})`)];
  }),
};
