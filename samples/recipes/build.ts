/**
 * Writes samples/<name>.tgz for every hand-made recipe (`*.sample.ts` beside this file) and, as
 * root with the lab's software, every lab sample listed in lab-samples.ts.
 *   npm run samples            hand-made samples only
 *   npm run samples -- --lab   also regenerate the lab samples (root; installs Debian packages)
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { SampleRecipe } from './kit.js';
import { SampleKit } from './kit.js';
import { LAB_SAMPLES } from './lab-samples.js';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/', import.meta.url).href.replace('/dist/samples/', '/samples/'));

export async function loadRecipes(dir = here): Promise<SampleRecipe[]> {
  const files = (await readdir(dir)).filter((f) => /\.sample\.(js|ts)$/.test(f)).sort();
  const recipes: SampleRecipe[] = [];
  for (const f of files) recipes.push(((await import(join(dir, f))) as { default: SampleRecipe }).default);
  return recipes;
}

export async function buildRecipe(recipe: SampleRecipe, outDir: string): Promise<string> {
  const kit = new SampleKit();
  recipe.build(kit);
  return kit.write(join(outDir, `${recipe.name}.tgz`), recipe.description);
}

async function main(): Promise<void> {
  const outDir = fileURLToPath(new URL('../../../samples/', import.meta.url));
  for (const recipe of await loadRecipes()) console.log(`wrote ${await buildRecipe(recipe, outDir)}`);
  if (process.argv.includes('--lab')) {
    const { runLab } = await import('../../collector/lab/run-lab.js');
    for (const sample of LAB_SAMPLES) {
      const result = await runLab(sample.scenario, join(outDir, `${sample.name}.tgz`), { overwrite: true });
      console.log(`wrote ${result.path} (lab scenario ${sample.scenario})`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
