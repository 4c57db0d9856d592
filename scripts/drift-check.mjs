// Drift check: every example's generated files must be exactly what its .projenrc.ts produces now.
//  1. Before re-synthesizing, a generated file whose body no longer matches its keelson-checksum was edited
//     by hand: named, and the check fails.
//  2. After re-synthesizing, any generated file that differs from git HEAD (or any new untracked file)
//     means the committed output is stale: named, and the check fails.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WORKSPACE, exampleDirs, generatedFiles } from './examples.mjs';

const CHECKSUM = /^(?:#|\/\/)? ?keelson-checksum: sha256:([a-f0-9]{64})$/m;

function handEdited(path) {
  const text = readFileSync(path, 'utf-8');
  const match = CHECKSUM.exec(text);
  if (!match) return false;
  const body = text.slice(match.index + match[0].length + 1);
  return createHash('sha256').update(body).digest('hex') !== match[1];
}

const problems = [];

// The workspace itself: .projenrc.ts must still produce the committed package.json files, tsconfigs and tasks.
{
  const projects = ['.', ...readdirSync(join(WORKSPACE, 'packages')).map((p) => join('packages', p))];
  const filesOf = () => projects.flatMap((p) => generatedFiles(join(WORKSPACE, p)).map((f) => join(p, f)));
  const before = filesOf();
  execFileSync('npx', ['projen'], { cwd: WORKSPACE, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PROJEN_DISABLE_POST: 'true' } });
  const files = [...new Set([...before, ...filesOf()])];
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...files], { cwd: WORKSPACE, encoding: 'utf-8' });
  for (const line of status.split('\n').filter(Boolean)) {
    problems.push(`${line.slice(3)} differs from what the workspace's .projenrc.ts generates. Run \`npx projen\` and commit the result.`);
  }
}

for (const dir of exampleDirs()) {
  const name = relative(WORKSPACE, dir);
  const before = generatedFiles(dir);
  for (const file of before) {
    const path = join(dir, file);
    if (existsSync(path) && handEdited(path)) {
      problems.push(`${name}/${file} was edited by hand: its body does not match its keelson-checksum. Change ${name}/.projenrc.ts (or the component) and re-synthesize instead.`);
    }
  }
  execFileSync('npx', ['projen'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const files = [...new Set([...before, ...generatedFiles(dir)])].map((f) => join(name, f));
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...files, name], {
    cwd: WORKSPACE, encoding: 'utf-8',
  });
  for (const line of status.split('\n').filter(Boolean)) {
    const file = line.slice(3);
    const generated = files.includes(file);
    const untracked = line.startsWith('??');
    if (generated) {
      problems.push(`${file} differs from what ${name}/.projenrc.ts generates (${untracked ? 'not committed' : 'stale or hand-edited'}). Run \`pnpm synth:examples\` and commit the result.`);
    } else if (untracked && file.endsWith('.hand-edit')) {
      problems.push(`${file}: a hand edit was kept aside by the synth. Express it in ${name}/.projenrc.ts and delete the file.`);
    }
  }
}

if (problems.length > 0) {
  console.error(`Drift check failed (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`Drift check passed: the workspace and ${exampleDirs().length} examples re-synthesized, generated files identical to the commit.`);
