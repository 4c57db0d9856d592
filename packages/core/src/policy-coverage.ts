import { IConstruct } from 'constructs';

/*
 * Which checks a policy in the tree has taken over. A component that keeps a fallback check of its own (so that a
 * project without a policy is still safe) skips it when a policy runs the rule that covers it: the finding is then
 * reported, levelled and waivable once, in the policy.
 */

const COVERAGE = Symbol.for('@keelson/core.policy-coverage');

/** Declares that `scope` (a policy) evaluates, over the whole tree, the rules whose ids `ruleIds` returns when read. */
export function declarePolicyCoverage(scope: IConstruct, ruleIds: () => readonly string[]): void {
  Object.defineProperty(scope, COVERAGE, { value: ruleIds, configurable: true, enumerable: false });
}

/** Whether a construct in the tree of `scope` (from its root) declared that it evaluates rule `ruleId`. */
export function policyCovers(scope: IConstruct, ruleId: string): boolean {
  return scope.node.root.node.findAll().some((construct) => {
    const ruleIds = (construct as unknown as Record<symbol, (() => readonly string[]) | undefined>)[COVERAGE];
    return ruleIds !== undefined && ruleIds().includes(ruleId);
  });
}
