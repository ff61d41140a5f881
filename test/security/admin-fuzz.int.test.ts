import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../lib/policy/app-config.js';
import { adminQuery, operatorHeaders } from '../functions/apps/client.js';
import { startLambdaEndpoint } from '../functions/deletion-requests/lambda-endpoint.js';
import { fullConfig, minimalConfig, newSdkAppId, SECRETS } from '../lib/store/apps-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import {
  expectProblem,
  expectPrototypeUntouched,
  invoke,
  itemCount,
  PROTOTYPE_KEYS,
  withPollutingKeys,
} from './harness.js';

/**
 * Hostile bodies on the admin routes, sent with valid credentials so they reach the parsers: the answer
 * is always a 4xx problem+json whose detail names the field or reason, never a 5xx, and nothing is stored.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let apps: Handler;
let deletions: Handler;
let holds: Handler;
let worker: Handler;
let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
const APP = newSdkAppId();
const FRESH = newSdkAppId();

const route =
  (handler: Handler, method: string, template: string, params: Record<string, string>) =>
  (options: {
    body?: unknown;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    base64?: boolean;
  }) => {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    const event = httpEvent(method, path, {
      routePath: template,
      pathParameters: params,
      ...(options.query ? { query: options.query } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    if (options.base64 && event.body) {
      event.body = Buffer.from(event.body).toString('base64');
      event.isBase64Encoded = true;
    }
    return invoke(handler, event);
  };

const admin = () => adminQuery(APP, SECRETS.secretKey);
const putApp = (id: string) => route(apps, 'PUT', '/apps/{sdkAppId}', { sdkAppId: id });
const patchPrivacy = () => route(apps, 'PATCH', '/apps/{sdkAppId}/privacy', { sdkAppId: APP });
const postTermination = () => route(apps, 'POST', '/apps/{sdkAppId}/termination', { sdkAppId: APP });
const postDeletion = () => route(deletions, 'POST', '/apps/{sdkAppId}/deletion-requests', { sdkAppId: APP });
const postHold = () => route(holds, 'POST', '/apps/{sdkAppId}/legal-holds', { sdkAppId: APP });

/** Every admin body parser, with the credentials that reach it. */
const PARSERS = [
  ['PUT /apps/{id} (new app)', () => putApp(FRESH), () => ({ headers: operatorHeaders })],
  ['PATCH /apps/{id}/privacy', patchPrivacy, () => ({ query: admin() })],
  ['POST /apps/{id}/termination', postTermination, () => ({ headers: operatorHeaders })],
  ['POST /apps/{id}/deletion-requests', postDeletion, () => ({ query: admin() })],
  ['POST /apps/{id}/legal-holds', postHold, () => ({ headers: operatorHeaders })],
] as const;

async function storedState() {
  return { apps: await itemCount(db, 'apps'), governance: await itemCount(db, 'governance') };
}

beforeAll(async () => {
  lambda = await startLambdaEndpoint(async ({ payload }) => worker(payload as never, lambdaContext()));
  lambda.state.mode = 'queue';
  db = await createTestDatabase({ LAMBDA_ENDPOINT: lambda.url, FUNCTION_NAME_PREFIX: 'im-retention-test-' });
  apps = (await import('../../functions/apps/handler.js')).handler as unknown as Handler;
  deletions = (await import('../../functions/deletion-requests/handler.js')).handler as unknown as Handler;
  holds = (await import('../../functions/legal-holds/handler.js')).handler as unknown as Handler;
  worker = (await import('../../functions/deletion-worker/handler.js')).handler as unknown as Handler;
  expect((await putApp(APP)({ headers: operatorHeaders, body: fullConfig() })).status).toBe(200);
});
afterAll(async () => {
  await lambda?.close();
  await db?.drop();
});

describe.each(PARSERS)('%s', (_name, target, credentials) => {
  it('random JSON gets 400 or 413 problem+json with a detail, never a 5xx, and stores nothing', async () => {
    const before = await storedState();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const answer = await target()({ ...credentials(), body: JSON.stringify(value) ?? 'null' });
        // The termination body is all optional: `{}` (or an empty object after stripping) is a valid request.
        fc.pre(answer.status !== 200);
        expectProblem(answer, [400, 413]);
      }),
      { numRuns: 30 },
    );
    expect(await storedState()).toEqual(before);
  });

  it.each([
    ['invalid JSON', '{"appName":'],
    ['arrays nested 20,000 deep', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['a body over 64 KB', JSON.stringify({ appName: 'x'.repeat(70_000) })],
    ['a lone surrogate in a string', '{"account":"\\ud800","appName":"\\udc00","reason":"\\ud800"}'],
  ])('%s gets a 4xx problem and stores nothing', async (_case, raw) => {
    const before = await storedState();
    expectProblem(await target()({ ...credentials(), body: raw }), [400, 413]);
    expect(await storedState()).toEqual(before);
  });

  it('a base64-encoded body over the limit gets 413', async () => {
    expectProblem(
      await target()({ ...credentials(), body: JSON.stringify({ x: 'y'.repeat(70_000) }), base64: true }),
      [413],
    );
  });

  it.each(PROTOTYPE_KEYS)('a %s key pollutes nothing and is refused', async (key) => {
    const answer = await target()({ ...credentials(), body: withPollutingKeys({}, key) });
    expectProblem(answer, [400]);
    expectPrototypeUntouched();
  });
});

describe('PUT /apps/{id}: one field of a valid configuration replaced by a wrong value', () => {
  const fields = [
    'appName',
    'secretKey',
    'adminAccount',
    'dataCenter',
    'recentContactsPull',
    'privacy',
    'callback',
    'trtc',
  ] as const;

  it('gets 400 naming that field, and leaves the stored configuration as it was', async () => {
    const before = (
      await route(apps, 'GET', '/apps/{sdkAppId}', { sdkAppId: APP })({ headers: operatorHeaders })
    ).raw;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(
          fc.boolean(),
          fc.constant(null),
          fc.integer(),
          fc.double(),
          fc.string({ unit: 'binary' }),
          fc.array(fc.jsonValue(), { maxLength: 2 }),
          fc.object(),
        ),
        async (field, wrong) => {
          const body = { ...fullConfig(), [field]: wrong };
          fc.pre(!appConfigSchema.safeParse(body).success);
          const answer = await putApp(APP)({ headers: operatorHeaders, body });
          expectProblem(answer, [400]);
          expect(answer.body.detail).toContain(field);
        },
      ),
      { numRuns: 40 },
    );
    const after = (
      await route(apps, 'GET', '/apps/{sdkAppId}', { sdkAppId: APP })({ headers: operatorHeaders })
    ).raw;
    expect(JSON.parse(after)).toEqual(JSON.parse(before));
  });

  it('never echoes a secret it refused', async () => {
    const answer = await putApp(FRESH)({
      headers: operatorHeaders,
      body: { ...minimalConfig(), secretKey: 42, callback: { token: SECRETS.callbackToken, enabled: 'yes' } },
    });
    expectProblem(answer, [400]);
    expect(answer.raw).not.toContain(SECRETS.callbackToken);
  });
});

describe('accounts that cannot become a key', () => {
  it('a deletion request for an account with a lone surrogate is refused (400) or completes, never leaves a request failing for ever', async () => {
    const answer = await postDeletion()({ query: admin(), body: '{"account":"a\\ud800"}' });
    if (answer.status === 400) {
      expectProblem(answer, [400]);
      return;
    }
    expect(answer.status).toBe(202);
    const report = (await worker(
      { app: APP, requestId: String(answer.body.id) } as never,
      lambdaContext(),
    )) as {
      outcomes: Record<string, number>;
    };
    expect(report.outcomes.completed).toBe(1);
  });
});
