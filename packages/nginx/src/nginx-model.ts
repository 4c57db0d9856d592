/** One simple directive, e.g. `{ name: 'proxy_read_timeout', args: ['60s'] }`. */
export class NginxDirective {
  public constructor(
    /** The directive name, e.g. `listen`. */
    public readonly name: string,
    /** Its arguments, unquoted: the renderer quotes what needs quoting. */
    public readonly args: readonly string[],
    /** A comment written above it. */
    public readonly comment?: string,
  ) {}
}

/** Anything a block holds: a directive or a nested block. */
export type NginxNode = NginxDirective | NginxBlock;

/**
 * A block directive with its children, in order, e.g. `server { ... }` or `location /static/ { ... }`.
 *
 * The whole nginx.conf is a tree of these; the component builds it, escape hatches change it, the validations and
 * the renderer read it. What you change here is what is written and what is checked.
 */
export class NginxBlock {
  public readonly children: NginxNode[] = [];

  public constructor(
    /** The block name, e.g. `server`; the main context of the file has the name `''`. */
    public readonly name: string,
    /** The arguments before `{`, e.g. `['=', '/health']` for `location = /health`. */
    public readonly args: readonly string[] = [],
    /** A comment written above the block. */
    public readonly comment?: string,
  ) {}

  /** Appends a directive. Returns this block, for chaining. */
  public add(name: string, args: string | readonly string[] = [], comment?: string): this {
    this.children.push(new NginxDirective(name, typeof args === 'string' ? [args] : [...args], comment));
    return this;
  }

  /** Appends a nested block, lets `build` fill it, and returns the nested block. */
  public block(name: string, args: readonly string[] = [], build?: (block: NginxBlock) => void, comment?: string): NginxBlock {
    const child = new NginxBlock(name, args, comment);
    this.children.push(child);
    build?.(child);
    return child;
  }

  /** The directives (not blocks) named `name`, in order. */
  public directives(name: string): NginxDirective[] {
    return this.children.filter((c): c is NginxDirective => c instanceof NginxDirective && c.name === name);
  }

  /** The first directive named `name`, if any. */
  public directive(name: string): NginxDirective | undefined {
    return this.directives(name)[0];
  }

  /** The nested blocks named `name` (and with exactly `args`, when given). */
  public blocks(name: string, args?: readonly string[]): NginxBlock[] {
    return this.children.filter((c): c is NginxBlock => c instanceof NginxBlock && c.name === name
      && (args === undefined || sameArgs(c.args, args)));
  }

  /** Replaces every directive named `name` by one with `args` (appended if there was none). */
  public set(name: string, args: string | readonly string[], comment?: string): this {
    const index = this.children.findIndex((c) => c instanceof NginxDirective && c.name === name);
    const directive = new NginxDirective(name, typeof args === 'string' ? [args] : [...args],
      comment ?? (index >= 0 ? (this.children[index] as NginxDirective).comment : undefined));
    this.remove(name);
    if (index >= 0) this.children.splice(index, 0, directive);
    else this.children.push(directive);
    return this;
  }

  /** Removes every directive named `name` (whose arguments start with `argsPrefix`, when given). */
  public remove(name: string, argsPrefix?: readonly string[]): this {
    const kept = this.children.filter((c) => !(c instanceof NginxDirective && c.name === name
      && (argsPrefix === undefined || sameArgs(c.args.slice(0, argsPrefix.length), argsPrefix))));
    this.children.splice(0, this.children.length, ...kept);
    return this;
  }

  /** This block and every block below it, depth first, each with the chain of blocks that contains it. */
  public walk(): Array<{ block: NginxBlock; ancestors: NginxBlock[] }> {
    const out: Array<{ block: NginxBlock; ancestors: NginxBlock[] }> = [];
    const visit = (block: NginxBlock, ancestors: NginxBlock[]) => {
      out.push({ block, ancestors });
      for (const child of block.children) if (child instanceof NginxBlock) visit(child, [...ancestors, block]);
    };
    visit(this, []);
    return out;
  }
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
