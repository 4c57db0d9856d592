#!/usr/bin/env node
// Writes RULES.md from the compiled rule registry: `pnpm exec projen compile && node scripts/write-rules-md.js`.
// test/rules-doc.test.ts fails while the committed RULES.md differs from what this writes.
const { writeFileSync } = require('fs');
const { join } = require('path');
const { renderRulesMarkdown } = require('../dist');

writeFileSync(join(__dirname, '..', 'RULES.md'), renderRulesMarkdown());
console.log('wrote RULES.md');
