import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHandler } from '../../lib/http/http-handler.js';
import { json } from '../../lib/http/response.js';
import { type Actor, ROUTES, type RouteDoc, routeKey } from '../../lib/http/routes.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { createLogger } from '../../lib/log.js';
import { createAppStore } from '../../lib/store/apps.js';
import { httpApiRoutes, REPO_ROOT } from '../functions/openapi/serverless-routes.js';
import { genUserSig } from '../lib/auth/tls-sig.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import { TEST_CALLBACK_TOKEN, tencentSign } from '../support/tencent.js';

/**
 * Who may call a route is written once, in the route table (lib/http/routes.ts `actors`). This proves the
 * three things made from it agree with it, on the real handlers and DynamoDB Local: every route, sent to
 * the function serverless.yml routes it to, is served by that function's router (never its "no such
 * route" 404); called with no credentials, the operator's token, an app admin's UserSig and a callback
 * signature, exactly the callers the table names get past authentication (any answer but 401/403) and
 * the others get 401 or 403; and `GET /openapi.json` names the same actors for it.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const CALLERS = ['nobody', 'operator', 'appAdmin', 'imService'] as const;
type Caller = (typeof CALLERS)[number];
interface Outcome {
  readonly status: number;
  readonly routed: boolean;
}

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

function credentials(
  caller: Caller,
  app: string,
): { headers?: Record<string, string>; query?: Record<string, string> } {
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
  if (caller === 'imService') {
    const requestTime = Math.floor(Date.now() / 1000);
    return {
      query: {
        SdkAppid: app,
        // A command the callback does not know: answered 200 once the signature is checked.
        CallbackCommand: 'Route.RolesCheck',
        contenttype: 'json',
        RequestTime: String(requestTime),
        Sign: tencentSign(TEST_CALLBACK_TOKEN, requestTime),
      },
    };
  }
  return {};
}

/** Calls `route` through `handler` once per caller, each on a fresh app (a termination cannot leak). */
async function outcomesOf(handler: Handler, route: RouteDoc): Promise<Record<Caller, Outcome>> {
  const outcomes = {} as Record<Caller, Outcome>;
  for (const caller of CALLERS) {
    const app = newSdkAppId();
    await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(
      app,
      minimalConfig({
        callback: { enabled: true, url: 'https://callback.example.com/im', token: TEST_CALLBACK_TOKEN },
      }),
      new Date(),
    );
    const params: Record<string, string> = {
      sdkAppId: app,
      account: 'alice',
      id: '00000000-0000-4000-8000-000000000000',
    };
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(params[name] ?? ''),
    );
    const answer = await handler(
      httpEvent(route.method, path, {
        routePath: route.path,
        pathParameters: Object.fromEntries(
          [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, params[name as string] ?? '']),
        ),
        ...(route.body ? { body: {} } : {}),
        ...credentials(caller, app),
      }),
      lambdaContext(),
    );
    const status = answer.statusCode ?? 0;
    const routed = !(status === 404 && String(answer.body).includes('route: no such route'));
    outcomes[caller] = { status, routed };
  }
  return outcomes;
}

/** The actors a route behaves as if the table named: `public` when a caller without credentials gets in. */
function actorsLetIn(outcomes: Record<Caller, Outcome>): Actor[] {
  const letIn = (caller: Caller) => ![401, 403].includes(outcomes[caller].status);
  if (letIn('nobody')) return ['public'];
  return CALLERS.filter(
    (caller): caller is Exclude<Caller, 'nobody'> => caller !== 'nobody' && letIn(caller),
  );
}

/** The actors `GET /openapi.json` names for an operation, read back from its security requirements. */
const SCHEME_ACTOR: Record<string, Actor> = {
  operatorToken: 'operator',
  adminUserSig: 'appAdmin',
  callbackSign: 'imService',
};
function documentedActors(document: OpenApi, route: RouteDoc): Actor[] {
  const operation = document.paths[route.path]?.[route.method.toLowerCase()];
  if (!operation) return [];
  if (operation.security.length === 0) return ['public'];
  return operation.security.flatMap((requirement) =>
    Object.keys(requirement).flatMap((scheme) => (SCHEME_ACTOR[scheme] ? [SCHEME_ACTOR[scheme]] : [])),
  );
}
interface OpenApi {
  paths: Record<string, Record<string, { security: Array<Record<string, string[]>> }>>;
}

const sorted = (actors: readonly Actor[]) => [...actors].sort();

describe('the router, the authentication and GET /openapi.json agree with the route table on every route', () => {
  let document: OpenApi;
  beforeAll(async () => {
    const openapi = handlers.get('GET /openapi.json') as Handler;
    const answer = await openapi(httpEvent('GET', '/openapi.json'), lambdaContext());
    document = JSON.parse(answer.body ?? '{}') as OpenApi;
  });

  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const handler = handlers.get(key);
    expect(handler, `${key} is deployed`).toBeDefined();
    const outcomes = await outcomesOf(handler as Handler, route);
    const statuses = JSON.stringify(Object.fromEntries(CALLERS.map((c) => [c, outcomes[c].status])));
    expect(
      CALLERS.filter((caller) => !outcomes[caller].routed),
      `${key}: served by its function's router`,
    ).toEqual([]);
    expect(sorted(actorsLetIn(outcomes)), `${key}: who gets in (statuses ${statuses})`).toEqual(
      sorted(route.actors),
    );
    expect(sorted(documentedActors(document, route)), `${key}: actors in GET /openapi.json`).toEqual(
      sorted(route.actors),
    );
  });
});

describe('the check itself', () => {
  it('would see a handler that lets in a caller the table does not name', async () => {
    const logger = createLogger('route-roles-test');
    const recorder = createTelemetryRecorder({ doc: db.doc, tableName: db.tables.telemetry, logger });
    const unguarded = httpHandler<APIGatewayProxyEventV2>({ logger, recorder }).handler(async () =>
      json(200, {}),
    );
    const route = ROUTES.find((candidate) => candidate.operationId === 'getConformance') as RouteDoc;
    const outcomes = await outcomesOf(unguarded as unknown as Handler, route);
    expect(actorsLetIn(outcomes)).toEqual(['public']);
    expect(route.actors).toEqual(['operator']);
  });
});
