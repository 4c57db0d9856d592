import { IConstruct } from 'constructs';
import { FileBase } from 'projen';
import { Finding, PolicyResult } from './evaluate';
import { LEVELS, Level } from './packs';

/** The SARIF version written, and the schema it validates against. */
export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The tool's name in the reports. */
export const TOOL_NAME = '@keelson/hardening-policy';
const INFORMATION_URI = 'https://github.com/keelson-dev/keelson/tree/main/packages/hardening-policy';

function finding(f: Finding): Record<string, unknown> {
  return {
    id: f.id, rule: f.rule, level: f.level, path: f.path, file: f.file, target: f.target, message: f.message, fix: f.fix,
    ...(f.waiver ? { waiver: { reason: f.waiver.reason } } : {}),
  };
}

/** The JSON report: counts, every finding (waived ones apart), unused waivers, and how each rule fared. */
export function jsonReport(result: PolicyResult): Record<string, unknown> {
  const count = (level: Level) => result.findings.filter((f) => f.level === level).length;
  return {
    tool: TOOL_NAME,
    packs: result.packs,
    summary: { ...Object.fromEntries(LEVELS.map((l) => [l, count(l)])), waived: result.waived.length, unusedWaivers: result.unusedWaivers.length },
    findings: result.findings.map(finding),
    waived: result.waived.map(finding),
    unusedWaivers: result.unusedWaivers.map((w) => ({ id: w.id, finding: w.finding, reason: w.reason })),
    rules: result.rules.map((r) => ({
      id: r.entry.id, rule: r.entry.rule.name, level: r.entry.level, scope: r.entry.rule.scope, compliant: r.compliant, nonCompliant: r.nonCompliant,
    })),
  };
}

const SARIF_LEVELS: Record<Level, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * The SARIF 2.1.0 log: one run, the rules with their help, one result per finding located at the file to change
 * (and at the construct that writes it, as a logical location); waived findings carry an external suppression.
 * `marker`, when given, goes into the log's property bag: the root object admits no other key.
 */
export function sarifReport(result: PolicyResult, marker?: string): Record<string, unknown> {
  const rules = result.rules.map((r) => r.entry);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = [...result.findings, ...result.waived].map((f) => ({
    ruleId: f.id,
    ruleIndex: index.get(f.id),
    level: SARIF_LEVELS[f.level],
    message: { text: `${f.message}. Fix: ${f.fix}` },
    locations: [{
      physicalLocation: { artifactLocation: { uri: f.file || '.' } },
      logicalLocations: [{ fullyQualifiedName: f.path || f.target, kind: 'module' }],
    }],
    partialFingerprints: { 'keelsonFinding/v1': `${f.id} ${f.target}` },
    ...(f.waiver ? { suppressions: [{ kind: 'external', status: 'accepted', justification: f.waiver.reason }] } : {}),
    properties: { target: f.target },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [{
      tool: {
        driver: {
          name: TOOL_NAME,
          informationUri: INFORMATION_URI,
          rules: rules.map((r) => ({
            id: r.id,
            name: r.rule.name,
            shortDescription: { text: r.rule.what },
            fullDescription: { text: r.why },
            help: { text: `${r.fix}\nReferences: ${r.references.map((ref) => ref.name).join('; ')}` },
            defaultConfiguration: { level: SARIF_LEVELS[r.level] },
            properties: { tags: ['security', r.rule.scope], references: r.references.map((ref) => ref.name) },
          })),
        },
      },
      columnKind: 'utf16CodeUnits',
      results,
      properties: { packs: result.packs },
    }],
    ...(marker ? { properties: { '//': marker } } : {}),
  };
}

/** Where the projen marker goes in a JSON report. */
export type MarkerPlacement = 'root' | 'property-bag';

/**
 * A projen-owned JSON report, rendered at synth from `render`. Read-only and listed in .projen/files.json like
 * every projen file. The marker goes in a `//` key (`root`) or, for SARIF, whose root admits no other key, in the
 * log's property bag (`property-bag`), which SARIF leaves open to producers.
 */
export class ReportFile extends FileBase {
  public constructor(scope: IConstruct, filePath: string, private readonly render: (marker: string | undefined) => Record<string, unknown>,
    private readonly placement: MarkerPlacement = 'root') {
    super(scope, filePath, { readonly: true, committed: true });
    this.project.gitattributes.addAttributes(`/${this.path}`, 'linguist-generated');
  }

  protected synthesizeContent(): string {
    const body = this.render(this.placement === 'property-bag' ? this.marker : undefined);
    const content = this.placement === 'root' && this.marker ? { '//': this.marker, ...body } : body;
    return `${JSON.stringify(content, undefined, 2)}\n`;
  }
}
