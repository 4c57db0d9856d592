// Synthesizes every example service from its own .projenrc.ts and says where the files are.
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { WORKSPACE, exampleDirs, generatedFiles } from './examples.mjs';

for (const dir of exampleDirs()) {
  const name = relative(WORKSPACE, dir);
  console.log(`\n== ${name}: npx projen`);
  execFileSync('npx', ['projen'], { cwd: dir, stdio: 'inherit' });
  console.log(`Generated in ${dir}:`);
  for (const file of generatedFiles(dir)) console.log(`  ${name}/${file}`);
}
