import { relative } from 'node:path';
import { bundleComposition, type PackagedFunction } from './support/package.js';
import type { BenchResults } from './support/result.js';
import { round } from './support/stats.js';

/**
 * bundle.maxKb: the largest minified function bundle (the `.mjs` inside its `serverless package` zip,
 * uncompressed; source maps not counted), with where its bytes come from.
 */
export async function benchBundle(
  functions: readonly PackagedFunction[],
  unzippedRoot: string,
): Promise<BenchResults> {
  const sorted = [...functions].sort((a, b) => b.bundleBytes - a.bundleBytes);
  const largest = sorted[0];
  if (!largest) throw new Error('no packaged functions');
  const kb = (bytes: number) => round(bytes / 1024, 1);
  const entry = relative(`${unzippedRoot}/${largest.name}`, largest.bundle).replace(/\.mjs$/, '.ts');
  const composition = await bundleComposition(entry);
  const top = composition
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb(bytes)} KB`)
    .join(', ');
  return {
    'bundle.maxKb': {
      value: kb(largest.bundleBytes),
      unit: 'KB (1024 bytes), minified .mjs',
      detail:
        `largest: ${largest.name} (${entry}) ${kb(largest.bundleBytes)} KB minified, zip ${kb(largest.zipBytes)} KB with its source map; ` +
        `smallest: ${sorted.at(-1)?.name} ${kb(sorted.at(-1)?.bundleBytes ?? 0)} KB; ${functions.length} functions; ` +
        `largest bundle by package: ${top}`,
    },
  };
}
