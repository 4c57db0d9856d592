import { NginxBlock, NginxVersion, RateLimitZone, quoteArg, renderNginx } from '../src';
import { effective } from '../src/nginx-config-checks';
import { parseNginxTime } from '../src/private/values';

describe('the nginx model renders what nginx reads back', () => {
  test.each<[string, string]>([
    ['on', 'on'],
    ['$remote_addr', '$remote_addr'],
    ['zone=perclient:10m', 'zone=perclient:10m'],
    ['', '""'],
    ['public, max-age=31536000, immutable', '"public, max-age=31536000, immutable"'],
    ["default-src 'none'", '"default-src \'none\'"'],
    ['~\\.[0-9a-f]{8,}$', '"~\\\\.[0-9a-f]{8,}$"'],
    ['a"b', '"a\\"b"'],
    ['a;b', '"a;b"'],
    ['#x', '"#x"'],
  ])('argument %j is written %s', (arg, written) => {
    expect(quoteArg(arg)).toBe(written);
  });

  test('blocks nest with four spaces, a comment sits above its line, a blank line comes before each block', () => {
    const main = new NginxBlock('');
    main.add('worker_processes', '1', 'One worker.');
    main.block('events', [], (e) => e.add('worker_connections', '1024'));
    main.block('http', [], (http) => {
      http.add('server_tokens', 'off');
      http.block('map', ['$http_upgrade', '$connection_upgrade'], (m) => {
        m.add('default', 'upgrade');
        m.add('', '');
      });
    });
    expect(renderNginx(main)).toBe([
      '# One worker.',
      'worker_processes 1;',
      '',
      'events {',
      '    worker_connections 1024;',
      '}',
      '',
      'http {',
      '    server_tokens off;',
      '',
      '    map $http_upgrade $connection_upgrade {',
      '        default upgrade;',
      '        "" "";',
      '    }',
      '}',
      '',
    ].join('\n'));
  });

  test('set replaces in place, remove takes a name and an argument prefix, blocks filter by arguments', () => {
    const server = new NginxBlock('server');
    server.add('listen', '8080').add('proxy_set_header', ['Host', '$host']).add('proxy_set_header', ['X-Real-IP', '$remote_addr']);
    server.block('location', ['/']);
    server.block('location', ['=', '/login']);
    server.set('listen', ['8443', 'ssl']);
    expect(server.children[0]).toMatchObject({ name: 'listen', args: ['8443', 'ssl'] });
    server.remove('proxy_set_header', ['Host']);
    expect(server.directives('proxy_set_header').map((d) => d.args[0])).toEqual(['X-Real-IP']);
    expect(server.blocks('location', ['=', '/login'])).toHaveLength(1);
    expect(server.blocks('location')).toHaveLength(2);
    expect(server.walk().map(({ block }) => block.args.join(' '))).toEqual(['', '/', '= /login']);
  });

  test('array directives are inherited only by a level with none of its own, as nginx does', () => {
    const server = new NginxBlock('server').add('add_header', ['X-A', '1']);
    const plain = server.block('location', ['/']);
    const own = server.block('location', ['/x'], (l) => l.add('add_header', ['X-B', '2']));
    expect(effective('add_header', plain, [server]).map((d) => d.args[0])).toEqual(['X-A']);
    expect(effective('add_header', own, [server]).map((d) => d.args[0])).toEqual(['X-B']);
  });
});

describe('values', () => {
  test.each<[string, number | undefined]>([
    ['60', 60], ['60s', 60], ['1m', 60], ['1m30s', 90], ['500ms', 0.5], ['1h', 3600], ['1d', 86400], ['$var', undefined], ['1x', undefined],
  ])('nginx time %s is %s seconds', (value, seconds) => {
    expect(parseNginxTime(value)).toBe(seconds);
  });

  test('versions compare by major, minor and patch', () => {
    expect(NginxVersion.MINIMUM).toBe('1.19.10');
    const v = NginxVersion.parse('1.25.1');
    expect([v.major, v.minor, v.patch]).toEqual([1, 25, 1]);
    expect(v.atLeast('1.25.0')).toBe(true);
    expect(v.atLeast('1.25.2')).toBe(false);
    expect(v.atLeast('1.9.5')).toBe(true);
    expect(NginxVersion.parse('1.30').patch).toBe(0);
  });

  test('a zone keeps its rate as written', () => {
    const zone = new RateLimitZone({ name: 'login', rate: '30r/m' });
    expect([zone.requests, zone.unit, zone.rate]).toEqual([30, 'm', '30r/m']);
  });
});
