import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { ImagePipeline, renderTrivyIgnore, SEVERITIES, severitiesFrom } from '../src';
import { containerImage, serviceProject, synth } from './support';

/*
 * Trivy publishes no JSON schema for .trivyignore.yaml. This one is written from Trivy's documentation
 * (docs/configuration/filtering, "By Finding IDs": vulnerabilities / misconfigurations / secrets / licenses, each a
 * list of { id, paths, purls, statement, expired_at }, expired_at a YYYY-MM-DD date), with Keelson's own rule on top:
 * every entry has a statement and an expiry.
 */
const ENTRY = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'statement', 'expired_at'],
  properties: {
    id: { type: 'string', minLength: 1 },
    paths: { type: 'array', items: { type: 'string' } },
    purls: { type: 'array', items: { type: 'string' } },
    statement: { type: 'string', minLength: 1 },
    expired_at: { type: 'string', format: 'date' },
  },
};
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['vulnerabilities', 'misconfigurations', 'secrets', 'licenses'].map((k) => [k, { type: 'array', items: ENTRY }])),
};

// YAML 1.2's core schema reads 2027-03-31 as a string, as the JSON schema expects; Trivy (Go) reads it as a date.
const validate = addFormats(new Ajv({ allErrors: true, strict: true })).compile(SCHEMA);

function ignoreFileOf(ignore: ConstructorParameters<typeof ImagePipeline>[1]['ignore']) {
  const project = serviceProject();
  new ImagePipeline(project, { image: containerImage(), registry: 'ghcr.io/acme/orders', ignore });
  return synth(project)['.trivyignore.yaml'];
}

test('the ignore file carries each entry with its reason as statement and its expiry as expired_at', () => {
  const text = ignoreFileOf([
    { id: 'CVE-2024-6345', reason: 'setuptools is only in the builder stage', expires: '2027-03-31' },
    { id: 'GHSA-cx63-2mw6-8hw5', reason: 'no untrusted input reaches it', expires: '2027-01-15', paths: ['usr/lib/python3/dist-packages/x'] },
  ]);
  expect(text).toContain('  - id: CVE-2024-6345\n    statement: setuptools is only in the builder stage\n    expired_at: 2027-03-31\n');
  const doc = parse(text);
  expect(doc.vulnerabilities[1]).toEqual({
    id: 'GHSA-cx63-2mw6-8hw5', paths: ['usr/lib/python3/dist-packages/x'], statement: 'no untrusted input reaches it', expired_at: '2027-01-15',
  });
  expect(validate(doc)).toBe(true);
});

test('with no entries the ignore file is an empty list that validates', () => {
  const doc = parse(ignoreFileOf(undefined));
  expect(doc).toEqual({ vulnerabilities: [] });
  expect(validate(doc)).toBe(true);
});

test('the schema rejects an entry without a statement or expiry (it is really checking)', () => {
  expect(validate(parse('vulnerabilities:\n  - id: CVE-2024-6345\n'))).toBe(false);
  expect(validate(parse(renderTrivyIgnore([{ id: 'CVE-1', reason: 'r', expires: 'soon' }])))).toBe(false);
});

test('the severities are Trivy\'s, and a threshold selects itself and everything above', () => {
  expect(SEVERITIES).toEqual(['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
  expect(severitiesFrom('LOW')).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
  expect(severitiesFrom('UNKNOWN')).toEqual(SEVERITIES);
  expect(() => severitiesFrom('high')).toThrow(/option 'failOn' is 'high', which is not a Trivy severity/);
});
