// The example services of the workspace: every examples/<name>/ with a .projenrc.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const WORKSPACE = resolve(import.meta.dirname, '..');

/** Absolute paths of the example service directories, sorted. */
export function exampleDirs() {
  const root = join(WORKSPACE, 'examples');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, '.projenrc.ts')))
    .map((entry) => join(root, entry.name))
    .sort();
}

/** The files projen generated in an example at its last synth, relative to the example. */
export function generatedFiles(dir) {
  const manifest = join(dir, '.projen', 'files.json');
  if (!existsSync(manifest)) return [];
  return JSON.parse(readFileSync(manifest, 'utf-8')).files;
}
