import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

export interface PackagedFunction {
  /** The serverless.yml function key. */
  readonly name: string;
  readonly zip: string;
  /** The extracted bundle (`.mjs`) and its neighbours (source map). */
  readonly bundle: string;
  /** The handler's export name (`functions/x/handler.<export>` in serverless.yml). */
  readonly exportName: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
}

/**
 * `serverless package --stage prod` (serverless-esbuild: ESM, minified, per-function zips, the deploy
 * configuration as it is), then every zip unpacked next to it.
 */
export async function packageFunctions(workDir: string): Promise<PackagedFunction[]> {
  rmSync(workDir, { recursive: true, force: true });
  const out = join(workDir, 'package');
  mkdirSync(out, { recursive: true });
  await run('npx', ['serverless', 'package', '--stage', 'prod', '--package', out], {
    cwd: ROOT,
    // serverless-esbuild resolves this against the service folder: a relative path keeps it in workDir.
    env: { ...process.env, ESBUILD_WORK_FOLDER: relative(ROOT, join(workDir, 'esbuild')) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const state = JSON.parse(readFileSync(join(out, 'serverless-state.json'), 'utf8')) as {
    service: { functions: Record<string, { handler: string }> };
  };
  const functions: PackagedFunction[] = [];
  for (const file of readdirSync(out)
    .filter((name) => name.endsWith('.zip'))
    .sort()) {
    const name = file.replace(/\.zip$/, '');
    const zip = join(out, file);
    const target = join(workDir, 'unzipped', name);
    mkdirSync(target, { recursive: true });
    await run('unzip', ['-q', '-o', zip, '-d', target]);
    const { stdout } = await run('unzip', ['-l', zip]);
    const mjs = stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((parts) => parts.length >= 4 && parts[3]?.endsWith('.mjs'));
    if (!mjs) throw new Error(`${file}: no .mjs bundle inside`);
    const { stdout: zipSize } = await run('stat', ['-c', '%s', zip]);
    functions.push({
      name,
      zip,
      bundle: join(target, mjs[3] as string),
      exportName: state.service.functions[name]?.handler.split('.').pop() ?? 'handler',
      bundleBytes: Number(mjs[0]),
      zipBytes: Number(zipSize.trim()),
    });
  }
  return functions;
}

/** serverless.yml `custom.esbuild`, for bundling the baseline and for composition reports. */
export const FUNCTION_ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
};

/** Bundles `entry` (relative to the repository) with the functions' options; the output file. */
export async function bundleLikeFunctions(entry: string, outfile: string): Promise<string> {
  await build({ ...FUNCTION_ESBUILD_OPTIONS, entryPoints: [join(ROOT, entry)], outfile, logLevel: 'error' });
  return outfile;
}

/** Bytes in the minified bundle of `entry` by package (node_modules) or `project`, largest first. */
export async function bundleComposition(entry: string): Promise<[string, number][]> {
  const result = await build({
    ...FUNCTION_ESBUILD_OPTIONS,
    sourcemap: false,
    entryPoints: [join(ROOT, entry)],
    outfile: join(ROOT, '.bench-composition.mjs'),
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile?.outputs ?? {})[0];
  const byPackage = new Map<string, number>();
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    const match = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = match?.[1] ?? 'project';
    byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]);
}
