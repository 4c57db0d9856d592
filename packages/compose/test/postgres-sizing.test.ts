import { POSTGRES_RESERVED_CONNECTIONS, connectionDemand, sizePostgres } from '../src';

describe('PostgreSQL sizing', () => {
  test('derives every setting from the memory limit and the connection budget', () => {
    const sizing = sizePostgres(1024, 100);
    expect(sizing.settings).toEqual([
      ['max_connections', '100'],
      ['shared_buffers', '256MB'],
      ['effective_cache_size', '768MB'],
      ['maintenance_work_mem', '64MB'],
      ['work_mem', '2621kB'],
    ]);
  });

  test('shows the arithmetic of each setting', () => {
    expect(sizePostgres(1024, 100).arithmetic).toEqual([
      'shared_buffers       = 1024 MiB / 4 = 256MB',
      'effective_cache_size = 1024 MiB * 3/4 = 768MB',
      'maintenance_work_mem = 1024 MiB / 16 (at most 2 GiB) = 64MB',
      'work_mem             = (1024 MiB - 256 MiB) / (3 * 100 connections) = 2621kB',
    ]);
  });

  test('caps maintenance_work_mem at 2 GiB and keeps work_mem at PostgreSQL\'s 64 kB minimum', () => {
    expect(sizePostgres(65536, 100).maintenanceWorkMemMiB).toBe(2048);
    expect(sizePostgres(128, 5000).workMemKiB).toBe(64);
  });

  test('adds up the connections the clients may open, plus the superuser reserve', () => {
    const demand = connectionDemand([
      { service: 'app', processes: 6, perProcess: 15, processesDetail: '2 replicas x 3 workers' },
      { service: 'worker', processes: 2, perProcess: 15, processesDetail: '2 processes' },
    ]);
    expect(POSTGRES_RESERVED_CONNECTIONS).toBe(3);
    expect(demand.total).toBe(6 * 15 + 2 * 15 + 3);
    expect(demand.arithmetic).toBe('app 2 replicas x 3 workers x 15 = 90 + worker 2 processes x 15 = 30 + 3 reserved for superusers = 123');
  });
});
