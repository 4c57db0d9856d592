#!/usr/bin/env node
/**
 * Generates src/private/compose-spec.generated.ts from the Compose Specification JSON schema, so that the compose
 * model Keelson renders is typed by the schema that validates it, never by hand.
 *
 *   node scripts/generate-compose-types.js            # rewrite the file
 *   node scripts/generate-compose-types.js --check    # exit 1 if the committed file differs from a fresh generation
 *   node scripts/generate-compose-types.js --stdout   # print the generation, write nothing
 *
 * The schema is the workspace's pinned copy (../shared/schemas/compose-spec.json from the repository root);
 * COMPOSE_SPEC_SCHEMA points elsewhere. test/compose-spec-types.test.ts runs this script (in its own node process:
 * prettier, which the generator formats with, loads itself with a dynamic import that jest's module sandbox refuses)
 * and fails on any difference, so the types never drift from the schema.
 */
'use strict';
const { createHash } = require('crypto');
const { readFileSync, writeFileSync } = require('fs');
const { join, resolve } = require('path');

const PACKAGE_DIR = resolve(__dirname, '..');
const SCHEMA = process.env.COMPOSE_SPEC_SCHEMA ?? resolve(PACKAGE_DIR, '../../../shared/schemas/compose-spec.json');
const OUTPUT = join(PACKAGE_DIR, 'src', 'private', 'compose-spec.generated.ts');

/**
 * json-schema-to-typescript turns every `patternProperties: {"^x-": {}}` into `[k: string]: unknown`, which would
 * accept any misspelt key. Where the only patterns behind an index signature are `^x-`, the signature is narrowed
 * to `` [k: `x-${string}`]: unknown `` (a template-literal index signature): extensions stay allowed, typos do not.
 */
function narrowExtensionSignatures(source) {
  return source.replace(/(\/\*\*(?:(?!\*\/)[\s\S])*?\*\/\s*)\[k: string\]: unknown;/g, (match, comment) => {
    const patterns = [...comment.matchAll(/`patternProperty` "([^"]*)"/g)].map((m) => m[1]);
    if (patterns.length === 0 || patterns.some((p) => p !== '^x-')) return match;
    return `${comment}[k: \`x-\${string}\`]: unknown;`;
  });
}

/** The generated TypeScript for the schema at `schemaPath`. */
async function generateComposeTypes(schemaPath = SCHEMA) {
  const { compile } = require('json-schema-to-typescript');
  const text = readFileSync(schemaPath, 'utf-8');
  const schema = JSON.parse(text);
  // The draft-07 meta-schema URL is not something to resolve; the rest of the schema is self-contained.
  delete schema.$schema;
  const digest = createHash('sha256').update(text).digest('hex');
  const body = await compile(schema, 'ComposeSpecification', {
    bannerComment: '',
    additionalProperties: false,
    strictIndexSignatures: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
  const banner = [
    '/* eslint-disable */',
    '/**',
    ' * Types of the Compose Specification, generated from its JSON schema by scripts/generate-compose-types.js.',
    ' * Do not edit: change the schema and run `node scripts/generate-compose-types.js`.',
    ` * Schema: compose-spec.json, sha256 ${digest}.`,
    ' */',
  ].join('\n');
  return `${banner}\n${narrowExtensionSignatures(body)}`;
}

module.exports = { generateComposeTypes, narrowExtensionSignatures, OUTPUT, SCHEMA };

if (require.main === module) {
  generateComposeTypes().then((generated) => {
    if (process.argv.includes('--stdout')) {
      process.stdout.write(generated);
      return;
    }
    if (process.argv.includes('--check')) {
      const committed = readFileSync(OUTPUT, 'utf-8');
      if (committed !== generated) {
        console.error(`${OUTPUT} differs from a fresh generation: run node scripts/generate-compose-types.js`);
        process.exit(1);
      }
      console.log(`${OUTPUT} is up to date`);
      return;
    }
    writeFileSync(OUTPUT, generated);
    console.log(`wrote ${OUTPUT}`);
  }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
