import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { ALL_RULES, LEVELS, PACKS, RULE_DOCS, renderRulesMarkdown } from '../src';
import { RULE_CASES } from './rule-cases';

const RULES_MD = join(__dirname, '..', 'RULES.md');

describe('the rule registry', () => {
  test('gives every rule a compliant and a non-compliant case, and has no case for a rule that does not exist', () => {
    const missing = ALL_RULES.flatMap((rule) => [
      ...((RULE_CASES[rule.name]?.compliant.length ?? 0) === 0 ? [`${rule.name}: no compliant case`] : []),
      ...((RULE_CASES[rule.name]?.nonCompliant.length ?? 0) === 0 ? [`${rule.name}: no non-compliant case`] : []),
    ]);
    expect(missing).toEqual([]);
    expect(Object.keys(RULE_CASES).filter((name) => !ALL_RULES.some((r) => r.name === name))).toEqual([]);
  });

  test('gives every rule a unique id, an explanation, a fix and at least one reference', () => {
    const ids = ALL_RULES.map((rule) => RULE_DOCS[rule.name]?.id);
    expect(ids.every((id) => /^KS-(DF|CO|NX|X|PL)-\d{3}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      const doc = RULE_DOCS[rule.name];
      expect(doc.why.length).toBeGreaterThan(30);
      expect(doc.fix.length).toBeGreaterThan(15);
      expect(doc.references.length).toBeGreaterThan(0);
    }
    expect(Object.keys(RULE_DOCS).sort()).toEqual(ALL_RULES.map((r) => r.name).sort());
  });

  test('keeps one rule per PascalCase file of src/rules, named like the rule', () => {
    const files = readdirSync(join(__dirname, '..', 'src', 'rules')).filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(ALL_RULES.map((r) => r.name).sort());
    expect(files.every((f) => /^[A-Z][A-Za-z]+$/.test(f))).toBe(true);
  });

  test('runs every rule in at least one pack, the baseline at no more than its strict level', () => {
    expect(Object.keys(PACKS)).toEqual(expect.arrayContaining(['baseline', 'strict']));
    for (const rule of ALL_RULES) {
      expect(Object.values(PACKS).some((p) => p.entries.some((e) => e.rule === rule))).toBe(true);
    }
    expect(PACKS.strict.entries.length).toBe(ALL_RULES.length);
    for (const entry of PACKS.baseline.entries) {
      const strict = PACKS.strict.entries.find((e) => e.rule === entry.rule)!;
      expect(LEVELS.indexOf(strict.level)).toBeLessThanOrEqual(LEVELS.indexOf(entry.level));
    }
  });

  test('has a row in RULES.md for every rule, with its id and name', () => {
    const text = readFileSync(RULES_MD, 'utf-8');
    const missing = ALL_RULES.filter((rule) => !text.includes(`| ${RULE_DOCS[rule.name].id} \`${rule.name}\` |`)).map((r) => r.name);
    expect(missing).toEqual([]);
  });

  test('finds RULES.md current: it is what the registry generates (run `node scripts/write-rules-md.js` after compiling)', () => {
    expect(readFileSync(RULES_MD, 'utf-8')).toBe(renderRulesMarkdown());
  });
});
