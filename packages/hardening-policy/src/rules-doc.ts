import { ALL_RULES } from './rules';
import { PACKS } from './packs';
import { RULE_DOCS } from './packs/catalogue';
import { MIN_REASON_LENGTH } from './waiver';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** RULES.md: every rule with its id, its level in each pack, what it checks, why, the fix and its references. */
export function renderRulesMarkdown(): string {
  const packs = Object.values(PACKS);
  const lines = [
    '<!-- Generated from the rule registry (src/rules, src/packs). Do not edit: run `node scripts/write-rules-md.js` after compiling. -->',
    '# Hardening rules',
    '',
    'Each rule is a pure function of the resolved models (what every component will write, after escape hatches).',
    '*single-file* rules match what one-file linters check; *cross-file* rules need several files at once and exist in no',
    'single-file linter. A level is given per pack: **error** stops the synth, **warning** and **info** are reported;',
    '`-` means the pack does not run the rule.',
    '',
    ...packs.map((p) => `- \`${p.name}\`: ${p.description}`),
    '',
    `A waiver names the rule id and the finding's target (as the report prints it) and gives a reason of at least ${MIN_REASON_LENGTH}`,
    'characters; an unused waiver is reported.',
    '',
    `| id | level (${packs.map((p) => p.name).join(' / ')}) | scope | what | why | fix | references |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const rule of ALL_RULES) {
    const doc = RULE_DOCS[rule.name];
    const levels = packs.map((p) => p.entries.find((e) => e.rule === rule)?.level ?? '-').join(' / ');
    const refs = doc.references.map((r) => (r.url ? `[${r.name}](${r.url})` : r.name)).join('; ');
    lines.push(`| ${doc.id} \`${rule.name}\` | ${levels} | ${rule.scope} | ${cell(rule.what)} | ${cell(doc.why)} | ${cell(doc.fix)} | ${cell(refs)} |`);
  }
  return `${lines.join('\n')}\n`;
}
