/** A third-party GitHub Action pinned to the commit of a release tag. */
export interface PinnedAction {
  /** `owner/repo`. */
  readonly repository: string;
  /** The release tag the commit carries, written as a comment after the pin. */
  readonly version: string;
  /** The commit the tag points to (annotated tags peeled), 40 lowercase hex digits. */
  readonly sha: string;
}

/**
 * Every action the generated workflows use, pinned by commit SHA.
 *
 * Where each pair comes from: the tag list of a snapshot of the action's public repository
 * (`git show-ref --tags`, annotated tags peeled with `git for-each-ref ... %(*objectname)`), read on 2026-11-26;
 * the newest release tag of each. A bump edits one line here and the test that asserts the table.
 */
export const PINNED_ACTIONS = {
  checkout: { repository: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' },
  setupNode: { repository: 'actions/setup-node', version: 'v7.0.0', sha: '820762786026740c76f36085b0efc47a31fe5020' },
  hadolint: { repository: 'hadolint/hadolint-action', version: 'v3.3.0', sha: '2332a7b74a6de0dda2e2221d575162eba76ba5e5' },
  setupQemu: { repository: 'docker/setup-qemu-action', version: 'v4.2.0', sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8' },
  setupBuildx: { repository: 'docker/setup-buildx-action', version: 'v4.3.0', sha: '37fe631027851001ddb9b187196cc803df7f5f0e' },
  login: { repository: 'docker/login-action', version: 'v4.1.0', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121' },
  buildPush: { repository: 'docker/build-push-action', version: 'v7.3.0', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a' },
  // v0.36.0 is an annotated tag (tag object a9c7b0f06e461e9d4b4d1711f154ee024b8d7ab8); this is the commit it points to.
  trivy: { repository: 'aquasecurity/trivy-action', version: 'v0.36.0', sha: 'ed142fd0673e97e23eac54620cfb913e5ce36c25' },
  cosignInstaller: { repository: 'sigstore/cosign-installer', version: 'v4.1.2', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6' },
} as const satisfies Record<string, PinnedAction>;

/** The `uses:` value of a pinned action: `owner/repo@<sha>`. */
export function usesOf(action: PinnedAction): string {
  return `${action.repository}@${action.sha}`;
}

/** The version of a `uses:` value that pins a known action by its SHA, for the `# vX.Y.Z` comment. */
export function versionOf(uses: string): string | undefined {
  return Object.values(PINNED_ACTIONS).find((a) => uses === usesOf(a))?.version;
}
