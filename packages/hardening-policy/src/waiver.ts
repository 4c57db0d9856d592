import { KeelsonConfigError } from '@keelson/core';

/**
 * An acknowledged finding: one rule, one finding, and why it is acceptable here. A waiver never covers a whole rule
 * for a whole project: it names the finding's target, as the report prints it.
 */
export interface Waiver {
  /** The rule's id, e.g. `KS-CO-007`. */
  readonly id: string;
  /** The finding's target, e.g. `compose.prod.yaml#services/app/read_only`, as the report prints it. */
  readonly finding: string;
  /**
   * Why the finding is acceptable in this service: a sentence a reviewer can check (at least 20 characters and
   * 4 words; placeholders such as "n/a" or "todo" are refused).
   */
  readonly reason: string;
}

/** The shortest reason accepted, in characters. */
export const MIN_REASON_LENGTH = 20;

const PLACEHOLDERS = /^(n\/?a|na|none|todo|tbd|fixme|wip|ok|okay|fine|ignore|ignored|temp|temporary|test|testing|false positive|not needed|not applicable|waived|accepted|because|reason|-+|\.+)\b/i;

/**
 * Checks a waiver against the rule ids that exist and the ones the active packs run; throws a KeelsonConfigError
 * naming `waivers[index]` otherwise.
 */
export function checkWaiver(waiver: Waiver, index: number, known: ReadonlySet<string>, active: ReadonlySet<string>): void {
  const option = `waivers[${index}]`;
  if (typeof waiver.id !== 'string' || !known.has(waiver.id)) {
    throw new KeelsonConfigError(`${option}.id`, `is '${waiver.id}', which is not a rule id`,
      `name one of the rule ids of RULES.md (e.g. ${[...known].slice(0, 3).join(', ')}), as the report prints it`);
  }
  if (!active.has(waiver.id)) {
    throw new KeelsonConfigError(`${option}.id`, `is '${waiver.id}', a rule none of the active packs runs`,
      'remove the waiver, or add the pack that runs the rule');
  }
  if (typeof waiver.finding !== 'string' || !/^[^#\s]+#\S+$/.test(waiver.finding)) {
    throw new KeelsonConfigError(`${option}.finding`, `is '${waiver.finding}', not a finding's target`,
      "copy the target the report prints for the finding, e.g. 'compose.prod.yaml#services/app/read_only': a waiver covers one finding, never a whole rule");
  }
  const reason = typeof waiver.reason === 'string' ? waiver.reason.trim() : '';
  const words = reason.split(/\s+/).filter((w) => w !== '').length;
  if (reason.length < MIN_REASON_LENGTH || words < 4 || PLACEHOLDERS.test(reason)) {
    throw new KeelsonConfigError(`${option}.reason`, reason === ''
      ? `is missing for ${waiver.id} at ${waiver.finding}`
      : `is '${reason}', which does not say why ${waiver.id} is acceptable at ${waiver.finding}`,
    `write why this finding is acceptable in this service, in a sentence a reviewer can check (at least ${MIN_REASON_LENGTH} characters and 4 words)`);
  }
}
