import { KeelsonConfigError } from '@keelson/core';

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A variable a compose value reads from the environment of whoever runs compose. */
export interface ComposeVariable {
  readonly name: string;
  /** `required`: unset or empty stops `up` with the message; `default`: unset or empty takes the fallback. */
  readonly kind: 'required' | 'default';
  /** The message of a required variable, or the fallback of a defaulted one. */
  readonly text: string;
}

/**
 * A string in a compose file, as compose will read it. Compose interpolates `${VAR}` and `$VAR` in every string
 * of the file (commands, health checks, environment values) before any container sees it, so a value says which
 * of its parts are for compose to fill in and which are for the container:
 *
 * - `ComposeValue.literal('$HOME')` reaches the container as `$HOME` (written `$$HOME`), for its shell to expand;
 * - `ComposeValue.required('SECRET_KEY', 'set SECRET_KEY')` is filled in by compose, and stops `up` with the
 *   message when the variable is unset or empty: a secret is never silently blank;
 * - `ComposeValue.withDefault('APP_IMAGE', 'svc:local')` is filled in by compose, with a fallback.
 *
 * Plain strings given to Keelson are literals: a `$` in them is escaped, never interpolated by accident.
 */
export class ComposeValue {
  /** Text the container receives exactly as given: every `$` is doubled so that compose leaves it alone. */
  public static literal(text: string): ComposeValue {
    return new ComposeValue(text.replace(/\$/g, '$$$$'), []);
  }

  /**
   * A variable the person running compose must set. Unset or empty, `up` stops and prints `message`
   * (`${NAME:?message}`).
   */
  public static required(name: string, message: string, option = 'variable'): ComposeValue {
    checkName(name, option);
    if (message.trim() === '' || /[}$\n]/.test(message)) {
      throw new KeelsonConfigError(option, `has the message '${message}' for \${${name}}, which is empty or holds '}', '$' or a line break`,
        "write one line without '}' or '$', saying what to set and where, e.g. 'set POSTGRES_PASSWORD in the environment or in .env'");
    }
    return new ComposeValue(`\${${name}:?${message}}`, [{ name, kind: 'required', text: message }]);
  }

  /** A variable with a fallback used when it is unset or empty (`${NAME:-fallback}`). */
  public static withDefault(name: string, fallback: string, option = 'variable'): ComposeValue {
    checkName(name, option);
    if (fallback === '' || /[}$\n]/.test(fallback)) {
      throw new KeelsonConfigError(option, `has the fallback '${fallback}' for \${${name}}, which is empty or holds '}', '$' or a line break`,
        "give a non-empty fallback without '}' or '$', or use ComposeValue.required so that a missing value stops `up`");
    }
    return new ComposeValue(`\${${name}:-${fallback}}`, [{ name, kind: 'default', text: fallback }]);
  }

  /** Parts joined into one value, e.g. a URL with a required password in it. Plain strings are literals. */
  public static concat(...parts: ComposeText[]): ComposeValue {
    const values = parts.map((p) => (typeof p === 'string' ? ComposeValue.literal(p) : p));
    return new ComposeValue(values.map((v) => v.text).join(''), values.flatMap((v) => v.variables));
  }

  private constructor(
    /** The text as written in the compose file. */
    public readonly text: string,
    /** The variables compose fills in. */
    public readonly variables: readonly ComposeVariable[],
  ) {}

  public toString(): string {
    return this.text;
  }
}

/** A string given to Keelson: a plain string is a literal, a ComposeValue says what compose fills in. */
export type ComposeText = string | ComposeValue;

/** The compose-file text of a value. */
export function composeText(value: ComposeText): string {
  return typeof value === 'string' ? ComposeValue.literal(value).text : value.text;
}

/** One `${...}` or `$NAME` compose will interpolate in a string of the file. */
export interface Interpolation {
  /** As written, e.g. `${POSTGRES_PASSWORD:?set it}`. */
  readonly expression: string;
  readonly name: string;
  /** The operator after the name: `:?`, `?`, `:-`, `-`, or none (a bare reference that may end up blank). */
  readonly operator: ':?' | '?' | ':-' | '-' | '';
  /** The message or the fallback after the operator. */
  readonly argument: string;
}

/** Every interpolation compose will perform in `text`, skipping the `$$` escapes. */
export function interpolationsIn(text: string): Interpolation[] {
  const found: Interpolation[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') continue;
    const next = text[i + 1];
    if (next === '$') { i++; continue; }
    if (next === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) break;
      const inner = text.slice(i + 2, end);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:\?|\?|:-|-)([\s\S]*))?$/.exec(inner);
      if (match) {
        found.push({
          expression: text.slice(i, end + 1),
          name: match[1],
          operator: (match[2] ?? '') as Interpolation['operator'],
          argument: match[3] ?? '',
        });
      }
      i = end;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (bare) {
      found.push({ expression: `$${bare[0]}`, name: bare[0], operator: '', argument: '' });
      i += bare[0].length;
    }
  }
  return found;
}

function checkName(name: string, option: string): void {
  if (!VARIABLE.test(name)) {
    throw new KeelsonConfigError(option, `names the variable '${name}', which is not a valid variable name`,
      'use letters, digits and underscores, not starting with a digit, e.g. POSTGRES_PASSWORD');
  }
}
