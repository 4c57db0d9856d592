import { ComposeValue, composeText, interpolationsIn } from '../src';

describe('ComposeValue', () => {
  test('a literal doubles every $ so that the container, not compose, sees it', () => {
    expect(ComposeValue.literal('echo $HOME $(id -u) ${X}').text).toBe('echo $$HOME $$(id -u) $${X}');
    expect(ComposeValue.literal('plain').variables).toEqual([]);
  });

  test('a plain string given to Keelson is a literal', () => {
    expect(composeText('a$b')).toBe('a$$b');
    expect(composeText(ComposeValue.withDefault('A', 'b'))).toBe('${A:-b}');
  });

  test('a required variable stops up with its message when unset or empty', () => {
    const value = ComposeValue.required('SECRET_KEY', 'set SECRET_KEY in .env');
    expect(value.text).toBe('${SECRET_KEY:?set SECRET_KEY in .env}');
    expect(value.variables).toEqual([{ name: 'SECRET_KEY', kind: 'required', text: 'set SECRET_KEY in .env' }]);
  });

  test('a defaulted variable takes its fallback when unset or empty', () => {
    expect(ComposeValue.withDefault('APP_IMAGE', 'svc:local').text).toBe('${APP_IMAGE:-svc:local}');
  });

  test('concat joins literals and variables, escaping only the literals', () => {
    const url = ComposeValue.concat('postgresql://app:', ComposeValue.required('PW', 'set PW'), '@db/$x');
    expect(url.text).toBe('postgresql://app:${PW:?set PW}@db/$$x');
    expect(url.variables.map((v) => v.name)).toEqual(['PW']);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a variable name with a dash', () => ComposeValue.required('MY-VAR', 'x'), /option 'variable' names the variable 'MY-VAR', which is not a valid variable name\. Fix: use letters, digits and underscores/],
    ['a message with a closing brace', () => ComposeValue.required('A', 'set {A}'), /has the message 'set \{A\}' for \$\{A\}, which is empty or holds '\}', '\$' or a line break\. Fix: write one line/],
    ['an empty message', () => ComposeValue.required('A', ' '), /has the message ' ' for \$\{A\}/],
    ['a fallback with a $', () => ComposeValue.withDefault('A', '$B'), /has the fallback '\$B' for \$\{A\}, which is empty or holds/],
    ['an empty fallback', () => ComposeValue.withDefault('A', ''), /has the fallback '' for \$\{A\}.*Fix: give a non-empty fallback/],
  ])('refuses %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('interpolationsIn', () => {
  test('finds what compose will fill in, with the operator and its argument', () => {
    expect(interpolationsIn('${A:?set A} ${B:-b} ${C-c} ${D?d} ${E} $F')).toEqual([
      { expression: '${A:?set A}', name: 'A', operator: ':?', argument: 'set A' },
      { expression: '${B:-b}', name: 'B', operator: ':-', argument: 'b' },
      { expression: '${C-c}', name: 'C', operator: '-', argument: 'c' },
      { expression: '${D?d}', name: 'D', operator: '?', argument: 'd' },
      { expression: '${E}', name: 'E', operator: '', argument: '' },
      { expression: '$F', name: 'F', operator: '', argument: '' },
    ]);
  });

  test('skips the $$ escapes', () => {
    expect(interpolationsIn('$$HOME $${X} exec "$$@" $$(cat f)')).toEqual([]);
  });
});
