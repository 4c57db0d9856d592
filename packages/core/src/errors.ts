import { IConstruct } from 'constructs';

/**
 * A value Keelson cannot use, explained: which option, what is wrong with it, and how to fix it.
 *
 * Contracts throw it without knowing where they are used; components rethrow it with their construct path
 * (`atConstruct`), so the user reads the path, the option and the fix in one message.
 */
export class KeelsonConfigError extends Error {
  public constructor(
    /** The option as the user writes it, e.g. `endpoint.port`. */
    public readonly option: string,
    /** What is wrong with the value. */
    public readonly problem: string,
    /** How to fix it. */
    public readonly fix: string,
    /** The construct path, when known. */
    public readonly path?: string,
  ) {
    super(`${path ? `${path}: ` : ''}option '${option}' ${problem}. Fix: ${fix}`);
    this.name = 'KeelsonConfigError';
  }

  /** The same error, located at a construct and with the option prefixed by the props it came through. */
  public atConstruct(scope: IConstruct | string, optionPrefix?: string): KeelsonConfigError {
    const path = typeof scope === 'string' ? scope : constructPath(scope);
    const option = optionPrefix ? `${optionPrefix}.${this.option}` : this.option;
    return new KeelsonConfigError(option, this.problem, this.fix, path);
  }
}

/**
 * Runs `build` and rethrows any KeelsonConfigError located at `scope`: construction errors name the construct.
 */
export function locate<T>(scope: IConstruct, optionPrefix: string | undefined, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof KeelsonConfigError && error.path === undefined) {
      throw error.atConstruct(scope, optionPrefix);
    }
    throw error;
  }
}

/**
 * The construct path as a user reads it: the root project's name instead of projen's generated root id
 * (`ServiceProject#svc@--tmp--...`), then the ids below it, e.g. `svc/Dockerfile`.
 */
export function constructPath(construct: IConstruct): string {
  const [root, ...rest] = construct.node.scopes;
  const rootName = (root as { name?: unknown }).name;
  const head = typeof rootName === 'string' ? rootName : root.node.id;
  return [head, ...rest.map((s) => s.node.id)].join('/');
}
