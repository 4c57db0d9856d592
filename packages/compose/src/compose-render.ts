import { Document, Node, isMap, isPair, isScalar, isSeq } from 'yaml';
import { ComposeFile } from './compose-file';
import { interpolationsIn } from './compose-value';

/** Comment lines are wrapped to fit this width, indentation included. */
const COMMENT_WIDTH = 118;

/** Keys whose lists are short argv-like values, written on one line. */
const FLOW_LISTS = new Set(['command', 'entrypoint', 'test', 'cap_drop', 'cap_add', 'security_opt', 'profiles']);

/**
 * The YAML of a compose file (without the generated-file header).
 *
 * Every string is double-quoted: compose 1.x reads YAML 1.1, where an unquoted `no` is `false` and `22:22` is a
 * base-60 number. Empty top-level maps are left out; there is no `version:` key (obsolete in the Compose
 * Specification).
 */
export function renderComposeFile(file: ComposeFile): string {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.document)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
      && ['services', 'networks', 'volumes', 'secrets', 'configs'].includes(key)) continue;
    body[key] = value;
  }
  const doc = new Document(body, { aliasDuplicateObjects: false });
  const header = [...file.header, ...variableLines(file)];
  if (header.length > 0) doc.commentBefore = commentText(header.join('\n'), 0);
  flowShortLists(doc.contents as Node | null, undefined);
  for (const [path, text] of file.allComments) {
    const key = keyNodeAt(doc, path);
    if (key) key.commentBefore = commentText(text, 2 * (path.length - 1));
  }
  return doc.toString({
    defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, indentSeq: true, flowCollectionPadding: false,
  });
}

function flowShortLists(node: Node | null | undefined, key: string | undefined): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
      flowShortLists(pair.value as Node, name);
    }
  } else if (isSeq(node)) {
    if (key !== undefined && FLOW_LISTS.has(key) && node.items.every((item) => isScalar(item))) {
      node.flow = true;
    } else {
      for (const item of node.items) flowShortLists(item as Node, undefined);
    }
  }
}

/** The key node of the map entry at `path`, to hang a comment on. */
function keyNodeAt(doc: Document, path: readonly string[]): Node | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[path.length - 1]);
  return pair && isScalar(pair.key) ? pair.key : undefined;
}

/** The variables the file reads: the required ones, and the overridable ones with their defaults. */
function variableLines(file: ComposeFile): string[] {
  const required = new Set<string>();
  const defaults = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const i of interpolationsIn(value)) {
        if (i.operator === ':?' || i.operator === '?') required.add(i.name);
        else if (i.operator === ':-' || i.operator === '-') defaults.set(i.name, i.argument);
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(visit);
    }
  };
  visit(file.document);
  const lines: string[] = [];
  if (required.size > 0) lines.push(`Required variables (up stops while one is unset or empty): ${[...required].sort().join(', ')}.`);
  if (defaults.size > 0) {
    lines.push('Overridable variables, with their defaults:');
    for (const name of [...defaults.keys()].sort()) lines.push(`  ${name}=${defaults.get(name)}`);
  }
  return lines;
}

/** A comment's text for the yaml library (each line after `#`), wrapped at word boundaries to fit at `indent`. */
function commentText(text: string, indent: number): string {
  const width = Math.max(40, COMMENT_WIDTH - indent - 2);
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length <= width) {
      lines.push(line);
      continue;
    }
    const lead = /^\s*/.exec(line)![0];
    let current = '';
    for (const word of line.trim().split(/\s+/)) {
      if (current && lead.length + current.length + 1 + word.length > width) {
        lines.push(lead + current);
        current = word;
      } else {
        current = current ? `${current} ${word}` : word;
      }
    }
    lines.push(lead + current);
  }
  return lines.map((line) => ` ${line}`.trimEnd()).join('\n');
}
