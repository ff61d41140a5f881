import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { TABLE_KEYS } from '../../lib/store/tables.js';
import { genUserSig } from '../lib/auth/tls-sig.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../support/database.js';
import { type AccessRecorder, asFunction, recordDynamoAccesses } from '../support/dynamo-accesses.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import { callbackEvent, TEST_CALLBACK_TOKEN } from '../support/tencent.js';

/**
 * The real system for the model-based test: every function's handler module (middy chains as deployed),
 * on fresh DynamoDB Local tables, called in-process with API Gateway payload 2.0 events. The Lambda
 * Invoke API the functions start the deletion worker with is a small HTTP server here that records
 * each start; the driver then runs the worker with it, as Lambda would.
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export const SECRET_KEY = 'model-test-secret-key-0123456789abcdef';
export const ADMIN = 'administrator';
/** Short, so a sequence runs fast, and long enough that a stale entry would outlive a change's answer. */
export const CACHE_SECONDS = 0.3;

export interface System {
  readonly db: TestDatabase;
  /** The DynamoDB actions each function (serverless.yml key) made so far. */
  readonly accesses: AccessRecorder['byFunction'];
  callback(sdkAppId: string, command: string, body: Record<string, unknown>): Promise<Answer>;
  operator(
    method: string,
    route: string,
    params: Record<string, string>,
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<Answer>;
  admin(method: string, route: string, params: Record<string, string>, body?: unknown): Promise<Answer>;
  /** `GET /apps/{sdkAppId}/privacy`, unauthenticated: the app's public disclosure page. */
  disclosurePage(sdkAppId: string): Promise<{ status: number; text: string }>;
  runExpire(): Promise<Record<string, unknown>>;
  /** The scheduled purge run (end of service), then the worker as its schedule would. */
  runPurge(): Promise<{ purged: string[]; erasing: string[] }>;
  /** Runs the worker for every start recorded since the last call, then once as its schedule would. */
  drainWorker(): Promise<void>;
  scanPersonal(): Promise<Record<string, unknown>[]>;
  /** Every consent record in the governance table (test-side Scan, outside any function). */
  scanConsents(): Promise<Record<string, unknown>[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const withPath = (route: string, params: Record<string, string>) =>
  route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));

async function invoke(handler: Handler, event: unknown): Promise<Answer> {
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const raw = response.body ?? '';
  return { status: response.statusCode ?? 0, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
}

function lambdaStub(starts: Array<Record<string, unknown>>): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      starts.push(body ? (JSON.parse(body) as Record<string, unknown>) : {});
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startSystem(): Promise<System> {
  const starts: Array<Record<string, unknown>> = [];
  const stub = await lambdaStub(starts);
  const db = await createTestDatabase({
    APP_CACHE_SECONDS: String(CACHE_SECONDS),
    LAMBDA_ENDPOINT: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
    FUNCTION_NAME_PREFIX: 'im-retention-model-',
    EXPIRY_GRACE_SECONDS: '0',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const recorder = recordDynamoAccesses(db.tables);
  /** The module's handler, each call run as the serverless.yml function `functionKey`. */
  const load = async (path: string, functionKey: string, exportName = 'handler'): Promise<Handler> => {
    const handler = ((await import(path)) as Record<string, Handler>)[exportName] as Handler;
    return (event, context) => asFunction(functionKey, () => handler(event, context));
  };
  const handlers = {
    callback: await load('../../functions/callback/handler.js', 'callback'),
    apps: await load('../../functions/apps/handler.js', 'apps'),
    holds: await load('../../functions/legal-holds/handler.js', 'legalHolds'),
    deletion: await load('../../functions/deletion-requests/handler.js', 'deletionRequests'),
    worker: await load('../../functions/deletion-worker/handler.js', 'deletionWorker'),
    userData: await load('../../functions/user-data/handler.js', 'userData'),
    consent: await load('../../functions/consent/handler.js', 'consent'),
    conformance: await load('../../functions/conformance/handler.js', 'conformance'),
    expire: await load('../../functions/expire/handler.js', 'expire'),
    purge: await load('../../functions/purge/handler.js', 'purge'),
    appDisclosure: await load('../../functions/policy/handler.js', 'appDisclosure', 'getAppDisclosure'),
    receipts: await load('../../functions/receipts/handler.js', 'receipts'),
  };
  const routeHandler = (route: string): Handler => {
    if (route.includes('/legal-holds')) return handlers.holds;
    // Every app's requests (operator) are served by the conformance function (serverless.yml).
    if (route === '/deletion-requests') return handlers.conformance;
    if (route.includes('/deletion-requests')) return handlers.deletion;
    if (route.endsWith('/consent')) return handlers.consent;
    if (route.includes('/users/')) return handlers.userData;
    if (route.startsWith('/conformance')) return handlers.conformance;
    if (route.includes('receipt')) return handlers.receipts;
    return handlers.apps;
  };
  const http = (
    method: string,
    route: string,
    params: Record<string, string>,
    body: unknown,
    auth: 'operator' | 'admin',
    extraQuery?: Record<string, string>,
  ) => {
    const sdkAppId = params.sdkAppId ?? '';
    const query =
      auth === 'admin'
        ? {
            sdkappid: sdkAppId,
            identifier: ADMIN,
            usersig: genUserSig(sdkAppId, SECRET_KEY, ADMIN, 3600),
            random: String(Math.floor(Math.random() * 2 ** 32)),
            contenttype: 'json',
          }
        : undefined;
    const event: APIGatewayProxyEventV2 = httpEvent(method, withPath(route, params), {
      routePath: route,
      pathParameters: params,
      ...(query || extraQuery ? { query: { ...query, ...extraQuery } } : {}),
      headers: auth === 'operator' ? { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } : {},
      ...(body === undefined ? {} : { body }),
    });
    return invoke(routeHandler(route), event);
  };

  return {
    db,
    accesses: recorder.byFunction,
    callback: (sdkAppId, command, body) =>
      invoke(handlers.callback, callbackEvent({ sdkAppId, token: TEST_CALLBACK_TOKEN, command, body })),
    operator: (method, route, params, body, query) => http(method, route, params, body, 'operator', query),
    admin: (method, route, params, body) => http(method, route, params, body, 'admin'),
    async disclosurePage(sdkAppId) {
      const event = httpEvent('GET', `/apps/${encodeURIComponent(sdkAppId)}/privacy`, {
        routePath: '/apps/{sdkAppId}/privacy',
        pathParameters: { sdkAppId },
      });
      const response = (await handlers.appDisclosure(
        event,
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2;
      return { status: response.statusCode ?? 0, text: response.body ?? '' };
    },
    async runExpire() {
      return (await handlers.expire({}, lambdaContext())) as Record<string, unknown>;
    },
    async runPurge() {
      return (await handlers.purge({}, lambdaContext({ getRemainingTimeInMillis: () => 300_000 }))) as {
        purged: string[];
        erasing: string[];
      };
    },
    async drainWorker() {
      while (starts.length > 0) {
        const payload = starts.shift() as Record<string, unknown>;
        await handlers.worker(payload, lambdaContext({ getRemainingTimeInMillis: () => 300_000 }));
      }
      await handlers.worker({}, lambdaContext({ getRemainingTimeInMillis: () => 300_000 }));
      starts.length = 0;
    },
    async scanPersonal() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.doc.send(
          new ScanCommand({ TableName: db.tables.personal, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async scanConsents() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.doc.send(
          new ScanCommand({
            TableName: db.tables.governance,
            ConsistentRead: true,
            ExclusiveStartKey: start,
            FilterExpression: 'begins_with(pk, :consent)',
            ExpressionAttributeValues: { ':consent': 'consent#' },
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async reset() {
      starts.length = 0;
      for (const key of TABLE_KEYS) {
        const table = db.tables[key];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await db.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
          const keys = (page.Items ?? []).map((item) =>
            key === 'apps' ? { appId: item.appId } : { pk: item.pk, sk: item.sk },
          );
          for (let i = 0; i < keys.length; i += 25) {
            await db.doc.send(
              new BatchWriteCommand({
                RequestItems: { [table]: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
              }),
            );
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }
    },
    async close() {
      recorder.stop();
      await new Promise<void>((resolve) => stub.close(() => resolve()));
      await db.drop();
    },
  };
}
