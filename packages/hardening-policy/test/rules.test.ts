import { ALL_RULES } from '../src';
import { RULE_CASES } from './rule-cases';

describe.each(ALL_RULES.map((rule) => [rule.name, rule] as const))('%s', (name, rule) => {
  const cases = RULE_CASES[name] ?? { compliant: [], nonCompliant: [] };

  test.each(cases.compliant.map((c) => [c.name, c] as const))('is compliant on %s', (_, c) => {
    const verdicts = rule.evaluate(c.input());
    expect(verdicts.filter((v) => v.status === 'non-compliant')).toEqual([]);
    expect(verdicts.some((v) => v.status === 'compliant')).toBe(true);
  });

  test.each(cases.nonCompliant.map((c) => [c.name, c] as const))('finds %s', (_, c) => {
    const found = rule.evaluate(c.input()).filter((v) => v.status === 'non-compliant');
    expect(found.length).toBeGreaterThan(0);
    if (c.target) expect(found.map((v) => v.target)).toContain(c.target);
    for (const v of found) {
      if (v.status !== 'non-compliant') continue;
      expect(v.message.length).toBeGreaterThan(20);
      expect(v.path).toMatch(/^fastapi-service\//);
    }
  });
});
