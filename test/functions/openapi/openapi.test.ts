import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../functions/openapi/document.js';
import { ROUTES, routeKey } from '../../../lib/http/routes.js';
import { CONTRACT_ROUTE_KEYS, httpApiRoutes } from './serverless-routes.js';

const document = openApiDocument();
const documentedKeys = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
);

/** Every `$ref` anywhere in the document. */
function refs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refs);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refs(value),
  );
}

describe('OpenAPI document', () => {
  it('documents exactly the httpApi routes serverless.yml deploys', () => {
    const deployed = httpApiRoutes().map((route) => route.key);
    const undocumented = deployed.filter((key) => !documentedKeys.includes(key));
    const notDeployed = documentedKeys.filter((key) => !deployed.includes(key));
    expect({ undocumented, notDeployed }).toEqual({ undocumented: [], notDeployed: [] });
  });

  it('documents every route of the published contract', () => {
    expect(CONTRACT_ROUTE_KEYS.filter((key) => !documentedKeys.includes(key))).toEqual([]);
  });

  it('is OpenAPI 3.1 with one operation per route and unique operation ids', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(documentedKeys.sort()).toEqual(ROUTES.map(routeKey).sort());
    const ids = ROUTES.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref to a component schema', () => {
    const schemas = document.components.schemas;
    const targets = refs(document);
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) {
      expect(target).toMatch(/^#\/components\/schemas\//);
      expect(schemas).toHaveProperty([target.replace('#/components/schemas/', '')]);
    }
  });

  it('declares every path template variable as a required path parameter', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      const variables = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
      for (const operation of Object.values(methods) as Array<{
        parameters?: Array<{ name: string; in: string; required: boolean }>;
      }>) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name)).toEqual(variables);
        expect(declared.every((p) => p.required)).toBe(true);
      }
    }
  });

  it('generates the PUT /apps body from the P4 zod schema, secrets write-only', () => {
    const appConfig = document.components.schemas.AppConfig as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<
        string,
        Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> }
      >;
    };
    expect(appConfig.required).toEqual(
      expect.arrayContaining(['appName', 'secretKey', 'adminAccount', 'dataCenter']),
    );
    expect(appConfig.additionalProperties).toBe(false);
    expect(appConfig.properties.secretKey?.writeOnly).toBe(true);
    expect(appConfig.properties.callback?.properties?.token?.writeOnly).toBe(true);
    expect(appConfig.properties.recentContactsPull).toMatchObject({ minimum: 100, maximum: 500 });
    const put = document.paths['/apps/{sdkAppId}']?.put as { requestBody: unknown; security: unknown[] };
    expect(put.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AppConfig' } } },
    });
    expect(put.security).toEqual([{ operatorToken: [] }]);
  });

  it("leaves /policy, /privacy, an app's published privacy page, the receipt keys, /openapi.json and the operator's dashboard page (it holds no data) public and every other route authenticated", () => {
    for (const route of ROUTES) {
      const operation = (
        document.paths[route.path] as Record<string, { security: unknown[]; responses: object }>
      )[route.method.toLowerCase()];
      const isPublic =
        ['/policy', '/privacy', '/openapi.json', '/receipts/keys', '/conformance/dashboard'].includes(
          route.path,
        ) || routeKey(route) === 'GET /apps/{sdkAppId}/privacy';
      expect(operation?.security.length === 0, routeKey(route)).toBe(isPublic);
      if (!isPublic) expect(operation?.responses, routeKey(route)).toHaveProperty(['401']);
    }
  });
});
