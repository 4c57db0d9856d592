import { Finding, PolicyResult, findingsAt } from './evaluate';
import { LEVELS, Level } from './packs';

const HEADINGS: Record<Level, string> = { error: 'Errors (the synth stops)', warning: 'Warnings', info: 'Info' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(finding: Finding): string[] {
  return [
    `  ${finding.id} ${finding.rule}  [${finding.path || '?'}]`,
    `    ${finding.message}`,
    `    finding: ${finding.target}`,
    `    fix: ${finding.fix}`,
  ];
}

/** The terminal summary: counts, then every finding grouped by severity with its construct path, waivers last. */
export function renderSummary(result: PolicyResult): string {
  const counts = LEVELS.map((level) => plural(findingsAt(result, level).length, level === 'info' ? 'info' : level).replace(/infos$/, 'info'));
  const checks = result.rules.reduce((n, r) => n + r.compliant + r.nonCompliant, 0);
  const lines = [
    `Keelson hardening policy (${result.packs.join(', ')}): ${counts.join(', ')}, ${result.waived.length} waived; `
      + `${plural(result.rules.length, 'rule')}, ${plural(checks, 'check')}.`,
  ];
  for (const level of LEVELS) {
    const found = findingsAt(result, level);
    if (found.length === 0) continue;
    lines.push(`${HEADINGS[level]}:`, ...found.flatMap(describe));
  }
  if (result.waived.length > 0) {
    lines.push('Waived:', ...result.waived.map((f) => `  ${f.id} ${f.target}  [${f.path}]: ${f.waiver!.reason}`));
  }
  if (result.unusedWaivers.length > 0) {
    lines.push('Unused waivers (no such finding any more: remove them):', ...result.unusedWaivers.map((w) => `  ${w.id} ${w.finding}`));
  }
  return lines.join('\n');
}

/** The message of one error finding, as the synth gate lists it. */
export function errorMessage(finding: Finding): string {
  return `${finding.id} ${finding.rule} [${finding.path}] ${finding.message}. Finding: ${finding.target}. Fix: ${finding.fix}`;
}
