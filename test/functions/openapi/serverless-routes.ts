import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/functions/openapi/serverless-routes.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface YamlModule {
  load(text: string, options?: { schema?: unknown; filename?: string }): unknown;
  Type: new (
    tag: string,
    options: { kind: 'scalar' | 'sequence' | 'mapping'; construct: (data: unknown) => unknown },
  ) => unknown;
  DEFAULT_SCHEMA: { extend(types: unknown[]): unknown };
}

// js-yaml is what the Serverless Framework itself parses serverless.yml with (a dependency of osls).
const yaml = createRequire(import.meta.url)('js-yaml') as YamlModule;

// CloudFormation short forms (!Ref, !GetAtt...) in a functions.yml: kept as opaque values.
const CLOUDFORMATION_TAGS = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'ImportValue',
];
const SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  CLOUDFORMATION_TAGS.flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (data) => ({ [`Fn::${tag}`]: data }) }),
    ),
  ),
);

export interface HttpApiRoute {
  /** `"GET /apps/{sdkAppId}"` */
  readonly key: string;
  readonly functionKey: string;
  readonly file: string;
  /** serverless.yml's `handler`: `functions/<name>/handler.<export>`. */
  readonly handler: string;
}

/** The `functions:` includes of serverless.yml, in order (`./functions/<name>/functions.yml`). */
export function functionFiles(root = REPO_ROOT): string[] {
  const text = readFileSync(join(root, 'serverless.yml'), 'utf8');
  return [...text.matchAll(/^\s*-\s*\$\{file\((\.\/functions\/[^)]+\/functions\.yml)\)\}\s*$/gm)].map(
    ([, file]) => file as string,
  );
}

/** Every httpApi event of every function serverless.yml includes, read from the functions.yml files. */
export function httpApiRoutes(root = REPO_ROOT): HttpApiRoute[] {
  const routes: HttpApiRoute[] = [];
  for (const file of functionFiles(root)) {
    const path = join(root, file);
    if (!existsSync(path)) throw new Error(`serverless.yml includes ${file}, which does not exist`);
    const functions = (yaml.load(readFileSync(path, 'utf8'), { schema: SCHEMA, filename: file }) ??
      {}) as Record<string, { handler: string; events?: Array<Record<string, unknown>> }>;
    for (const [functionKey, definition] of Object.entries(functions)) {
      for (const event of definition.events ?? []) {
        const httpApi = event.httpApi as string | { method: string; path: string } | undefined;
        if (httpApi === undefined) continue;
        const key =
          typeof httpApi === 'string'
            ? httpApi.replace(/^(\S+)\s+/, (_, method: string) => `${method.toUpperCase()} `)
            : `${httpApi.method.toUpperCase()} ${httpApi.path}`;
        routes.push({ key, functionKey, file, handler: definition.handler });
      }
    }
  }
  return routes;
}

/**
 * The routes the published contract names (docs/api.md). The contract only grows and a route keeps its
 * meaning, so this list is written down here, independently of lib/http/routes.ts: a route dropped or
 * renamed there fails the test that every one of these is documented and deployed.
 */
export const CONTRACT_ROUTE_KEYS: readonly string[] = [
  'POST /im/callback',
  'PUT /apps/{sdkAppId}',
  'GET /apps/{sdkAppId}',
  'PATCH /apps/{sdkAppId}/privacy',
  'POST /apps/{sdkAppId}/termination',
  'DELETE /apps/{sdkAppId}/termination',
  'POST /apps/{sdkAppId}/deletion-requests',
  'GET /apps/{sdkAppId}/deletion-requests/{id}',
  'GET /apps/{sdkAppId}/users/{account}/data',
  'GET /apps/{sdkAppId}/export',
  'POST /apps/{sdkAppId}/legal-holds',
  'DELETE /apps/{sdkAppId}/legal-holds/{id}',
  'GET /apps/{sdkAppId}/metrics',
  'GET /conformance',
  'GET /policy',
  'GET /privacy',
];
