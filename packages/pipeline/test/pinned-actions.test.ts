import { isPinned, PINNED_ACTIONS, usesOf, versionOf } from '../src';

// Read from snapshots of each action's repository (git show-ref --tags, annotated tags peeled) on 2026-11-26.
const EXPECTED: Record<string, [string, string]> = {
  'actions/checkout': ['v7.0.1', '3d3c42e5aac5ba805825da76410c181273ba90b1'],
  'actions/setup-node': ['v7.0.0', '820762786026740c76f36085b0efc47a31fe5020'],
  'hadolint/hadolint-action': ['v3.3.0', '2332a7b74a6de0dda2e2221d575162eba76ba5e5'],
  'docker/setup-qemu-action': ['v4.2.0', '96fe6ef7f33517b61c61be40b68a1882f3264fb8'],
  'docker/setup-buildx-action': ['v4.3.0', '37fe631027851001ddb9b187196cc803df7f5f0e'],
  'docker/login-action': ['v4.1.0', '4907a6ddec9925e35a0a9e82d7399ccc52663121'],
  'docker/build-push-action': ['v7.3.0', '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a'],
  'aquasecurity/trivy-action': ['v0.36.0', 'ed142fd0673e97e23eac54620cfb913e5ce36c25'],
  'sigstore/cosign-installer': ['v4.1.2', '6f9f17788090df1f26f669e9d70d6ae9567deba6'],
};

test('every pinned action is the SHA and version read from its repository', () => {
  const table = Object.fromEntries(Object.values(PINNED_ACTIONS).map((a) => [a.repository, [a.version, a.sha]]));
  expect(table).toEqual(EXPECTED);
});

test('every pin is a full lowercase commit SHA and a semantic version tag', () => {
  for (const a of Object.values(PINNED_ACTIONS)) {
    expect(a.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(a.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(versionOf(usesOf(a))).toBe(a.version);
  }
});

test('a tag, a branch or a short SHA is not pinned; a full SHA, a local action and a docker digest are', () => {
  expect(isPinned('actions/checkout@v4')).toBe(false);
  expect(isPinned('actions/checkout@main')).toBe(false);
  expect(isPinned('actions/checkout@3d3c42e')).toBe(false);
  expect(isPinned('actions/checkout')).toBe(false);
  expect(isPinned('docker://alpine:3.20')).toBe(false);
  expect(isPinned('actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1')).toBe(true);
  expect(isPinned('./.github/actions/setup')).toBe(true);
  expect(isPinned(`docker://alpine@sha256:${'a'.repeat(64)}`)).toBe(true);
});
