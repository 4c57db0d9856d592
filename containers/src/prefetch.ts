// Fetches every .deb the harness's images need into its package cache, so that the test run itself needs no
// network at all (apt-get download is then never called by a test). For a setup script:
//   pnpm exec ts-node --transpile-only containers/src/prefetch.ts
import { BASE_IMAGES, DEBIAN_BASE, DEBIAN_FORKY_BASE } from './base-images';
import { SERVICE_IMAGES } from './derived-images';
import { fetchDebs, resolveClosure } from './rootfs';

async function main(): Promise<void> {
  const closures = [
    ...[...BASE_IMAGES, DEBIAN_BASE, DEBIAN_FORKY_BASE].map((recipe) => ({
      name: recipe.reference, roots: recipe.packages, exclude: recipe.exclude ?? [], suite: recipe.suite,
    })),
    ...SERVICE_IMAGES.map((recipe) => ({
      name: recipe.reference, roots: [...recipe.from.packages, ...recipe.packages], exclude: [] as readonly string[], suite: recipe.from.suite,
    })),
  ];
  for (const closure of closures) {
    const packages = (await resolveClosure(closure.roots, closure.suite)).filter((p) => !closure.exclude.includes(p.name));
    const { downloaded, cached } = await fetchDebs(packages, closure.suite);
    console.log(`prefetch: ${closure.name}: ${packages.length} packages (${downloaded} downloaded, ${cached} already cached)`);
  }
}

main().catch((error: Error) => {
  console.error(`prefetch: ${error.message}`);
  process.exit(1);
});
