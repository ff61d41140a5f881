import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, ROUTES, routeKey } from '../../lib/http/routes.js';
import { createAppStore } from '../../lib/store/apps.js';
import { httpApiRoutes, REPO_ROOT } from '../functions/openapi/serverless-routes.js';
import { genUserSig } from '../lib/auth/tls-sig.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';

/**
 * Who may call a route is written once, in the route table (lib/http/routes.ts `actors`), which
 * `GET /openapi.json` renders. This proves the deployed handlers agree with it: every route, through the
 * function serverless.yml routes it to, called with no credentials, with the operator's token and with a
 * valid app-admin UserSig. A caller the table names gets past authentication (any answer but 401/403);
 * one it does not name gets 401 or 403; a public route answers without credentials.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const CALLERS = ['nobody', 'operator', 'appAdmin'] as const;
type Caller = (typeof CALLERS)[number];

let db: TestDatabase;
const handlers = new Map<string, Handler>();

beforeAll(async () => {
  db = await createTestDatabase();
  for (const route of httpApiRoutes()) {
    const [file, exportName] = route.handler.split(/\.(?=[^.]+$)/) as [string, string];
    const module = (await import(`${REPO_ROOT}/${file}.ts`)) as Record<string, Handler>;
    handlers.set(route.key, module[exportName] as Handler);
  }
}, 120_000);
afterAll(async () => db?.drop());

function credentials(caller: Caller, app: string) {
  if (caller === 'operator') return { headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } };
  if (caller === 'appAdmin') {
    return {
      query: {
        sdkappid: app,
        identifier: 'administrator',
        usersig: genUserSig(app, SECRETS.secretKey, 'administrator', 600),
        random: String(Math.floor(Math.random() * 2 ** 31)),
        contenttype: 'json',
      },
    };
  }
  return {};
}

const allowed = (actors: readonly Actor[], caller: Caller) =>
  actors.includes('public') || (caller !== 'nobody' && actors.includes(caller));

describe('every route lets in exactly the callers the route table names', () => {
  const routes = ROUTES.filter((route) => !route.actors.includes('imService'));

  it.each(routes.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const handler = handlers.get(key);
    expect(handler, `${key} is deployed`).toBeDefined();
    const outcomes: Record<Caller, number> = { nobody: 0, operator: 0, appAdmin: 0 };
    for (const caller of CALLERS) {
      // A fresh app per call: an operator's termination cannot change what the next caller sees.
      const app = newSdkAppId();
      await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(app, minimalConfig(), new Date());
      const params: Record<string, string> = {
        sdkAppId: app,
        account: 'alice',
        id: '00000000-0000-4000-8000-000000000000',
      };
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(params[name] ?? ''),
      );
      const answer = await (handler as Handler)(
        httpEvent(route.method, path, {
          routePath: route.path,
          pathParameters: Object.fromEntries(
            [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, params[name as string] ?? '']),
          ),
          ...credentials(caller, app),
        }),
        lambdaContext(),
      );
      outcomes[caller] = answer.statusCode ?? 0;
    }
    const expected = Object.fromEntries(
      CALLERS.map((caller) => [caller, allowed(route.actors, caller) ? 'let in' : 'refused']),
    );
    const seen = Object.fromEntries(
      CALLERS.map((caller) => [caller, [401, 403].includes(outcomes[caller]) ? 'refused' : 'let in']),
    );
    expect(seen, `${key}: statuses ${JSON.stringify(outcomes)}`).toEqual(expected);
  });
});
