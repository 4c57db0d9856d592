import { Rule } from '../rule';
import { ALL_RULES } from '../rules';
import { RULE_DOCS, RuleDoc } from './catalogue';

/** How a finding weighs: an error stops the synth; a warning and an info are reported. */
export type Level = 'error' | 'warning' | 'info';

/** Every level, most severe first. */
export const LEVELS: readonly Level[] = ['error', 'warning', 'info'];

/** A rule as a pack runs it: its id, level, explanation, fix and references. */
export interface PackEntry extends RuleDoc {
  readonly rule: Rule;
  readonly level: Level;
}

/** A named set of rules with their levels. */
export interface Pack {
  readonly name: string;
  readonly description: string;
  readonly entries: readonly PackEntry[];
}

function pack(name: string, description: string, levels: Readonly<Record<string, Level>>): Pack {
  return {
    name,
    description,
    entries: ALL_RULES.filter((rule) => levels[rule.name] !== undefined).map((rule) => {
      const doc = RULE_DOCS[rule.name];
      if (!doc) throw new Error(`rule ${rule.name} has no entry in RULE_DOCS`);
      return { ...doc, rule, level: levels[rule.name] };
    }),
  };
}

/** The baseline's levels: what a production deployment must never do is an error. */
const BASELINE_LEVELS: Readonly<Record<string, Level>> = {
  NonRootFinalUser: 'error',
  BaseImageTagPinned: 'error',
  NoAddForLocalFiles: 'error',
  NoSecretsInArgOrEnv: 'error',
  ImageHealthCheckPresent: 'error',
  ExecFormEntrypoint: 'error',
  AptInstallMinimal: 'warning',
  NoPrivileged: 'error',
  CapabilitiesDropped: 'error',
  NoDockerSocket: 'error',
  NoHostNamespaces: 'error',
  LimitsSet: 'error',
  NoNewPrivileges: 'error',
  ReadOnlyRoot: 'error',
  NonRootUser: 'error',
  DataServicesNotExposed: 'error',
  PortsBoundToInterface: 'warning',
  ImagesPinned: 'error',
  SecretsNotInline: 'error',
  HealthChecks: 'info',
  ProxyTlsModern: 'error',
  ProxyHidesVersion: 'warning',
  HealthCheckProbesServedEndpoint: 'error',
  ExposedPortMatchesServer: 'warning',
  WritablePathsOwnedByRuntimeUser: 'error',
  ReadOnlyRootLeavesServerPathsWritable: 'error',
  ProxyUpstreamReachesAppServer: 'error',
  ProxyTimeoutsMatchAppServer: 'error',
  StopGracePeriodCoversGracefulTimeout: 'warning',
  InterpreterMatchesVirtualenv: 'error',
  DatabaseConnectionBudget: 'error',
  RuntimeUserAgrees: 'error',
  ForwardedHeadersTrusted: 'warning',
  ProxyConfigMounted: 'error',
  BuildContextExcludesSecrets: 'error',
  ImageHealthCheckFitsRole: 'error',
  // The image pipeline: what is pushed passed the scan gate, and the workflow runs only reviewed code (errors). Signing
  // and token scopes are warnings: `sign: false` is a documented choice, and which write scope a job uses is read from
  // the steps Keelson recognises (a job of your own may use one it cannot see).
  PushedImageScanned: 'error',
  ActionsPinnedBySha: 'error',
  PushedImageSigned: 'warning',
  WorkflowTokenLeastPrivilege: 'warning',
  PipelineBuildsGeneratedDockerfile: 'error',
};

/** The packs, by name. */
export const PACKS: Readonly<Record<string, Pack>> = {
  baseline: pack('baseline',
    'On by default. What a production deployment must never do is an error; what it should not do is a warning; what is worth knowing is info. '
    + 'Base-image and compose digests are left to strict: they need a digest you looked up, renewed on purpose.',
    BASELINE_LEVELS),
  strict: pack('strict',
    'Every rule, every finding an error, digests included: for a service whose deployment is reviewed like its code.',
    Object.fromEntries(ALL_RULES.map((rule) => [rule.name, 'error' as Level]))),
};

/** Every rule id any pack knows. */
export function knownRuleIds(): Set<string> {
  return new Set(Object.values(RULE_DOCS).map((d) => d.id));
}

/** The rules the packs run together: a rule in several packs runs once, at its most severe level. */
export function mergePacks(packs: readonly Pack[]): PackEntry[] {
  const byId = new Map<string, PackEntry>();
  for (const entry of packs.flatMap((p) => p.entries)) {
    const current = byId.get(entry.id);
    if (!current || LEVELS.indexOf(entry.level) < LEVELS.indexOf(current.level)) byId.set(entry.id, entry);
  }
  // Keelson's rules in RULES.md order, then any other rule (a pack of your own) in the order its pack gives.
  const rank = (entry: PackEntry) => { const i = ALL_RULES.indexOf(entry.rule); return i < 0 ? ALL_RULES.length : i; };
  return [...byId.values()].map((entry, order) => ({ entry, order }))
    .sort((a, b) => rank(a.entry) - rank(b.entry) || a.order - b.order).map(({ entry }) => entry);
}
