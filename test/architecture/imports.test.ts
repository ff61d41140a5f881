import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../functions/openapi/serverless-routes.js';

/**
 * The house rules of docs/architecture.md, checked over the source tree's own imports (TypeScript's
 * pre-processor: static, dynamic and type-only imports alike): `lib/` never imports `functions/`,
 * `scripts/`, `bench/` or `test/`; a function never imports another function; no file imports itself
 * through a circle of others.
 */
const ROOMS = ['lib', 'functions', 'scripts', 'bench'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repository-relative file → the repository-relative files it imports (relative specifiers only). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const room of ROOMS) {
    for (const file of sourceFiles(join(REPO_ROOT, room))) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => relative(REPO_ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'));
      graph.set(relative(REPO_ROOT, file), targets);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next))
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const graph = importGraph();
const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
const functionOf = (path: string) => (path.startsWith('functions/') ? path.split('/')[1] : undefined);

describe('the import rules of docs/architecture.md', () => {
  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(edges.length).toBeGreaterThan(500);
  });

  it('lib imports nothing above it (functions, scripts, bench, test)', () => {
    const upward = edges.filter(({ from, to }) => from.startsWith('lib/') && !to.startsWith('lib/'));
    expect(upward).toEqual([]);
  });

  it('lib/policy imports only itself, and lib/store no edge room (http, auth, operations)', () => {
    const impure = edges.filter(
      ({ from, to }) => from.startsWith('lib/policy/') && !to.startsWith('lib/policy/'),
    );
    const storeUp = edges.filter(
      ({ from, to }) => from.startsWith('lib/store/') && /^lib\/(http|auth|operations)\//.test(to),
    );
    expect({ impure, storeUp }).toEqual({ impure: [], storeUp: [] });
  });

  it('no function imports another function', () => {
    const across = edges.filter(
      ({ from, to }) =>
        functionOf(from) !== undefined && functionOf(to) !== undefined && functionOf(from) !== functionOf(to),
    );
    expect(across).toEqual([]);
  });

  it('no circle of imports', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('defines every error of the product in lib/errors.ts (scripts may keep their own)', () => {
    const definedElsewhere = ['lib', 'functions'].flatMap((room) =>
      sourceFiles(join(REPO_ROOT, room))
        .filter((file) => relative(REPO_ROOT, file) !== join('lib', 'errors.ts'))
        .flatMap((file) =>
          [...readFileSync(file, 'utf8').matchAll(/class (\w+) extends \w*Error\b/g)].map(
            (match) => `${relative(REPO_ROOT, file)}: ${match[1]}`,
          ),
        ),
    );
    expect(definedElsewhere).toEqual([]);
  });

  it('would see a circle if one were added', () => {
    const withCircle = new Map(graph);
    withCircle.set('lib/policy/time.ts', [
      ...(graph.get('lib/policy/time.ts') ?? []),
      'lib/policy/retention.ts',
    ]);
    expect(circles(withCircle).some((circle) => circle.includes('lib/policy/time.ts'))).toBe(true);
  });
});
