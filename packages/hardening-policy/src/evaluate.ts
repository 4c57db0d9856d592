import { PolicyInput } from './rule';
import { Level, Pack, PackEntry, mergePacks } from './packs';
import { RuleReference } from './packs/catalogue';
import { Waiver } from './waiver';

/** A non-compliant verdict of a rule, as a pack weighs it. */
export interface Finding {
  /** The rule id, e.g. `KS-X-001`. */
  readonly id: string;
  /** The rule's name, e.g. `HealthCheckProbesServedEndpoint`. */
  readonly rule: string;
  readonly level: Level;
  readonly message: string;
  /** The construct path of the component that writes the file to change. */
  readonly path: string;
  /** The file to change. */
  readonly file: string;
  /** What a waiver names. */
  readonly target: string;
  readonly fix: string;
  /** The waiver that acknowledges it, if one does. */
  readonly waiver?: Waiver;
}

/** How a rule fared. */
export interface RuleOutcome {
  readonly entry: PackEntry;
  readonly compliant: number;
  readonly nonCompliant: number;
}

/** What the policy found. */
export interface PolicyResult {
  readonly packs: readonly string[];
  /** The rules run, at the level the packs give them. */
  readonly rules: readonly RuleOutcome[];
  /** Findings no waiver covers. */
  readonly findings: readonly Finding[];
  /** Findings a waiver acknowledges. */
  readonly waived: readonly Finding[];
  /** Waivers that matched no finding. */
  readonly unusedWaivers: readonly Waiver[];
}

/** The references of a rule, by id. */
export type ReferencesById = Readonly<Record<string, readonly RuleReference[]>>;

/** Runs the packs' rules over the resolved models and matches the waivers. Pure. */
export function evaluatePolicy(input: PolicyInput, packs: readonly Pack[], waivers: readonly Waiver[] = []): PolicyResult {
  const entries = mergePacks(packs);
  const used = new Set<Waiver>();
  const findings: Finding[] = [];
  const waived: Finding[] = [];
  const rules: RuleOutcome[] = [];
  for (const entry of entries) {
    let verdicts;
    try {
      verdicts = entry.rule.evaluate(input);
    } catch (error) {
      verdicts = [{ status: 'non-compliant' as const, target: `${entry.rule.name}#crash`, path: '', file: '',
        message: `the rule failed on this project (${(error as Error).message}); please report it` }];
    }
    let compliantCount = 0;
    let nonCompliantCount = 0;
    const seen = new Set<string>();
    for (const v of verdicts) {
      if (v.status === 'compliant') { compliantCount++; continue; }
      nonCompliantCount++;
      if (seen.has(v.target)) continue;
      seen.add(v.target);
      const waiver = waivers.find((w) => w.id === entry.id && w.finding === v.target);
      const finding: Finding = {
        id: entry.id, rule: entry.rule.name, level: entry.level, message: v.message, path: v.path, file: v.file, target: v.target, fix: entry.fix,
        ...(waiver ? { waiver } : {}),
      };
      if (waiver) {
        used.add(waiver);
        waived.push(finding);
      } else {
        findings.push(finding);
      }
    }
    rules.push({ entry, compliant: compliantCount, nonCompliant: nonCompliantCount });
  }
  return { packs: packs.map((p) => p.name), rules, findings, waived, unusedWaivers: waivers.filter((w) => !used.has(w)) };
}

/** Findings at `level`. */
export function findingsAt(result: PolicyResult, level: Level): Finding[] {
  return result.findings.filter((f) => f.level === level);
}
