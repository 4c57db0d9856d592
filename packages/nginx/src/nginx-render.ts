import { NginxBlock, NginxDirective, NginxNode } from './nginx-model';

const INDENT = '    ';

/**
 * One argument as nginx reads it back: bare when it can be, else in double quotes with `"` and `\` escaped
 * (nginx unescapes `\"`, `\'` and `\\` in every token, so a backslash is always written doubled in quotes).
 */
export function quoteArg(arg: string): string {
  if (arg !== '' && !/[\s;{}"'\\]/.test(arg) && !arg.startsWith('#')) return arg;
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function comment(text: string | undefined, indent: string): string[] {
  return text ? text.split('\n').map((line) => `${indent}#${line ? ` ${line}` : ''}`) : [];
}

function head(name: string, args: readonly string[]): string {
  // The name is quoted too: inside `map` and `types` the first word is a key such as "" or a regex.
  return [name, ...args].map(quoteArg).join(' ');
}

function renderNode(node: NginxNode, depth: number): string[] {
  const indent = INDENT.repeat(depth);
  if (node instanceof NginxDirective) {
    return [...comment(node.comment, indent), `${indent}${head(node.name, node.args)};`];
  }
  return [
    ...comment(node.comment, indent),
    `${indent}${head(node.name, node.args)} {`,
    ...renderChildren(node, depth + 1),
    `${indent}}`,
  ];
}

function renderChildren(block: NginxBlock, depth: number): string[] {
  const lines: string[] = [];
  block.children.forEach((child, index) => {
    // A blank line before every block and every commented directive, except first in its block.
    const separate = index > 0 && (child instanceof NginxBlock || child.comment !== undefined
      || block.children[index - 1] instanceof NginxBlock);
    if (separate) lines.push('');
    lines.push(...renderNode(child, depth));
  });
  return lines;
}

/** The nginx.conf text of a model's main context (without the generated-file header). */
export function renderNginx(main: NginxBlock): string {
  return `${renderChildren(main, 0).join('\n')}\n`;
}
