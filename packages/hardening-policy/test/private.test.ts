import { PACKS, Pack, PolicyInput, evaluatePolicy } from '../src';
import { durationSeconds, portsOf, tmpfsOf, volumesOf } from '../src/private/compose';
import { parseEnv, substitute } from '../src/private/dockerfile';
import { isIgnored } from '../src/private/dockerignore';
import { hasFixedTag, knownInterpreters } from '../src/private/image';
import { inNetwork, networkInside } from '../src/private/net';
import { probeTarget } from '../src/private/probe';
import { isInterpolated, isSecretName, literalUrlPassword } from '../src/private/secrets';

const EMPTY: PolicyInput = { dockerfiles: [], dockerignores: [], appServers: [], proxies: [], composes: [], kubernetes: [], pipelines: [] };

describe('the readers the rules share', () => {
  test('match .dockerignore patterns as docker does: ** at any depth, the last match wins, ! brings back', () => {
    expect(isIgnored('app/.env', ['**/.env'])).toBe(true);
    expect(isIgnored('.env', ['**/.env'])).toBe(true);
    expect(isIgnored('app/.env', ['.env'])).toBe(false);
    expect(isIgnored('.git/config', ['**/.git'])).toBe(true);
    expect(isIgnored('tls/server.key', ['**/*.key'])).toBe(true);
    expect(isIgnored('app/.env', ['**/.env', '!app/.env'])).toBe(false);
    expect(isIgnored('app/main.py', ['**/.env'])).toBe(false);
  });

  test('read the endpoint of an HTTP probe: a URL, or Keelson\'s probe with its port variable', () => {
    expect(probeTarget(['curl', '-fsS', 'http://127.0.0.1:8080/healthz'])).toEqual({ port: 8080, path: '/healthz' });
    expect(probeTarget(['wget', '-qO-', 'http://localhost/'])).toEqual({ port: 80, path: '/' });
    expect(probeTarget(['python', '-c', "urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health')"]))
      .toEqual({ portVariable: 'PORT', port: 8000, path: '/health' });
    expect(probeTarget(['pg_isready', '--host=127.0.0.1'])).toBeUndefined();
  });

  test('read compose\'s short and long forms: ports, volumes, tmpfs options, durations', () => {
    expect(portsOf({ ports: ['127.0.0.1:5432:5432', '8000:8000', 9000, { target: 80, published: 8080 }] }).map((p) => [p.hostIp, p.published, p.target]))
      .toEqual([['127.0.0.1', '5432', '5432'], ['0.0.0.0', '8000', '8000'], ['0.0.0.0', '', '9000'], ['0.0.0.0', '8080', '80']]);
    expect(volumesOf({ volumes: ['pgdata:/var/lib/postgresql', './nginx/nginx.conf:/etc/nginx/nginx.conf:ro', { type: 'tmpfs', target: '/cache' }] })
      .map((v) => [v.type, v.target, v.readOnly])).toEqual([['volume', '/var/lib/postgresql', false], ['bind', '/etc/nginx/nginx.conf', true], ['tmpfs', '/cache', false]]);
    expect(tmpfsOf({ tmpfs: ['/tmp:mode=755,uid=1000', '/run'] })).toEqual([{ path: '/tmp', options: { mode: '755', uid: '1000' } }, { path: '/run', options: {} }]);
    expect([durationSeconds('1m30s'), durationSeconds('45s'), durationSeconds('500ms'), durationSeconds('soon')]).toEqual([90, 45, 0.5, undefined]);
  });

  test('read Dockerfile ENV and ARG substitutions', () => {
    expect(parseEnv('A=1 \\\n    B="two words" C=')).toEqual({ A: '1', B: 'two words', C: '' });
    expect(parseEnv('LEGACY some value')).toEqual({ LEGACY: 'some value' });
    expect(substitute('${RUNTIME_IMAGE}', { RUNTIME_IMAGE: 'python:3.12' })).toBe('python:3.12');
    expect(substitute('${UNSET:-debian:12}', {})).toBe('debian:12');
  });

  test('know the interpreter of the public Python images, and what a fixed tag is', () => {
    expect(knownInterpreters('python:3.12.12-slim-bookworm')).toEqual(['/usr/local/bin/python3.12']);
    expect(knownInterpreters('gcr.io/distroless/python3-debian12:nonroot')).toEqual(['/usr/bin/python3.11']);
    expect(knownInterpreters('cgr.dev/chainguard/python:latest-dev')).toEqual(['/usr/bin/python3']);
    expect(knownInterpreters('registry.internal/python-base:7')).toBeUndefined();
    expect([hasFixedTag('redis'), hasFixedTag('redis:latest'), hasFixedTag('redis:8.2.9'), hasFixedTag(`redis@sha256:${'0'.repeat(64)}`)]).toEqual([false, false, true, true]);
  });

  test('tell secrets from their files and from values compose fills in', () => {
    expect(['POSTGRES_PASSWORD', 'API_KEY', 'GITHUB_TOKEN', 'SECRET_KEY'].every(isSecretName)).toBe(true);
    expect(['POSTGRES_PASSWORD_FILE', 'PORT', 'PYTHONUNBUFFERED'].some(isSecretName)).toBe(false);
    expect(isInterpolated('${POSTGRES_PASSWORD:?set it}')).toBe(true);
    expect(isInterpolated('${POSTGRES_PASSWORD:-postgres}')).toBe(false);
    expect(literalUrlPassword('postgresql://app:${POSTGRES_PASSWORD:?set it}@postgres:5432/app')).toBeUndefined();
    expect(literalUrlPassword('redis://:s3cret@redis:6379/0')).toBe('s3cret');
  });

  test('compare IPv4 addresses and networks', () => {
    expect(inNetwork('172.30.0.10', '172.30.0.0/24')).toBe(true);
    expect(inNetwork('172.31.0.10', '172.30.0.0/24')).toBe(false);
    expect(inNetwork('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(networkInside('172.30.0.0/24', '172.30.0.0/16')).toBe(true);
    expect(networkInside('172.30.0.0/16', '172.30.0.0/24')).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  test('turns a rule that throws into an error finding naming the rule, instead of passing silently', () => {
    const crashing: Pack = {
      name: 'test', description: 'a crashing rule',
      entries: [{ ...PACKS.baseline.entries[0], rule: { name: 'Crash', scope: 'single-file', what: 'crashes', evaluate: () => { throw new Error('boom'); } } }],
    };
    const result = evaluatePolicy(EMPTY, [crashing]);
    expect(result.findings).toEqual([expect.objectContaining({ level: 'error', message: expect.stringMatching(/the rule failed on this project \(boom\)/) })]);
  });

  test('runs a rule in several packs once, at its most severe level', () => {
    const result = evaluatePolicy(EMPTY, [PACKS.baseline, PACKS.strict]);
    expect(result.rules).toHaveLength(PACKS.strict.entries.length);
    expect(result.rules.every((r) => r.entry.level === 'error')).toBe(true);
  });
});
