import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { relative, resolve } from 'path';

const SCRIPT = resolve(__dirname, '..', 'scripts', 'generate-compose-types.js');
// The package's own script (CommonJS): the test reads its constants and runs it as `node scripts/...` does.
const generator = require(SCRIPT) as {
  narrowExtensionSignatures(source: string): string;
  OUTPUT: string;
  SCHEMA: string;
};

describe('the compose model types', () => {
  test('are generated from the workspace\'s pinned Compose Specification schema, ../shared/schemas from the repository root', () => {
    const repositoryRoot = resolve(__dirname, '..', '..', '..');
    expect(relative(repositoryRoot, generator.SCHEMA)).toBe('../shared/schemas/compose-spec.json');
    expect(relative(resolve(__dirname, '..'), generator.OUTPUT)).toBe('src/private/compose-spec.generated.ts');
  });

  test('committed in src/private are exactly what a fresh generation writes: they never drift from the schema', () => {
    const committed = readFileSync(generator.OUTPUT, 'utf-8');
    // In its own node process: prettier (the generator's formatter) loads with a dynamic import jest's sandbox refuses.
    const fresh = execFileSync(process.execPath, [SCRIPT, '--stdout'], { encoding: 'utf-8', maxBuffer: 16 * 1024 * 1024 });
    // On a difference, run `node scripts/generate-compose-types.js` in packages/compose and commit the result.
    expect(committed).toBe(fresh);
  });

  test('name the schema they come from by its sha256', () => {
    const { createHash } = require('crypto') as typeof import('crypto');
    const digest = createHash('sha256').update(readFileSync(generator.SCHEMA)).digest('hex');
    expect(readFileSync(generator.OUTPUT, 'utf-8')).toContain(`Schema: compose-spec.json, sha256 ${digest}.`);
  });

  test('narrow the x- extension index signatures so that a misspelt key does not type-check', () => {
    const source = [
      '/**',
      ' * This interface was referenced by `Service`\'s JSON-Schema definition',
      ' * via the `patternProperty` "^x-".',
      ' */',
      '[k: string]: unknown;',
    ].join('\n');
    expect(generator.narrowExtensionSignatures(source)).toContain('[k: `x-${string}`]: unknown;');
    const generated = readFileSync(generator.OUTPUT, 'utf-8');
    expect(generated).not.toContain('[k: string]: unknown;');
  });

  test('keep an index signature whose patterns are not only x- (service names, labels)', () => {
    const source = [
      '/**',
      ' * via the `patternProperty` "^[a-zA-Z0-9._-]+$".',
      ' */',
      '[k: string]: unknown;',
    ].join('\n');
    expect(generator.narrowExtensionSignatures(source)).toBe(source);
  });
});
