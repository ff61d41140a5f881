import { createRequire } from 'node:module';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryRecorder } from '../../../lib/http/telemetry.js';
import { appConfigSchema } from '../../../lib/policy/app-config.js';
import { createAppStore } from '../../../lib/store/apps.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as {
  Api: new (sdkAppId: number, key: string) => { genSig(identifier: string, expire: number): string };
};

const APP = '1400000777';
const OTHER_APP = '1400000888';
const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const ADMIN = 'administrator';
const MINUTE = 60_000;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

describe('GET /apps/{sdkAppId}/metrics', () => {
  let db: TestDatabase;
  let getMetrics: Handler;
  const now = new Date();
  const minuteAgo = (n: number) => new Date(Math.floor(now.getTime() / MINUTE) * MINUTE - n * MINUTE);

  beforeAll(async () => {
    db = await createTestDatabase();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    for (const sdkAppId of [APP, OTHER_APP]) {
      const config = appConfigSchema.parse({
        appName: `app ${sdkAppId}`,
        secretKey: SECRET_KEY,
        adminAccount: ADMIN,
        dataCenter: 'local',
      });
      await apps.put(sdkAppId, config, now);
    }
    // Known P3 data: 10 and 5 minutes ago, and 3 days ago (beyond P3's 2 days)
    const recorder = createTelemetryRecorder({
      doc: db.doc,
      tableName: db.tables.telemetry,
      backgroundFlush: false,
    });
    const record = (app: string, at: Date, success: boolean, latencyMs: number) =>
      recorder.record({
        requestId: `r${Math.random()}`.slice(2),
        api: 'x',
        app,
        at,
        callerIp: undefined,
        status: success ? 200 : 500,
        success,
        latencyMs,
      });
    record(APP, minuteAgo(10), true, 12);
    record(APP, minuteAgo(10), true, 8);
    record(APP, minuteAgo(10), false, 40);
    record(APP, minuteAgo(10), true, 20);
    record(APP, minuteAgo(5), false, 7);
    record(APP, new Date(now.getTime() - 3 * 86_400_000), true, 1);
    record(OTHER_APP, minuteAgo(10), true, 1);
    await recorder.flush();
    ({ getMetrics } = (await import('../../../functions/metrics/handler.js')) as unknown as {
      getMetrics: Handler;
    });
  });
  afterAll(async () => db.drop());

  const call = async (
    app: string,
    auth: { operator?: boolean; adminOf?: string; identifier?: string } = {},
    query: Record<string, string> = {},
  ) => {
    const credentials: Record<string, string> = {};
    if (auth.adminOf) {
      const identifier = auth.identifier ?? ADMIN;
      credentials.sdkappid = auth.adminOf;
      credentials.identifier = identifier;
      credentials.usersig = new TLSSigAPIv2.Api(Number(auth.adminOf), SECRET_KEY).genSig(identifier, 3600);
      credentials.random = '12345';
    }
    const response = (await getMetrics(
      httpEvent('GET', `/apps/${app}/metrics`, {
        routePath: '/apps/{sdkAppId}/metrics',
        pathParameters: { sdkAppId: app },
        query: { ...credentials, ...query },
        headers: auth.operator ? { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } : {},
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') };
  };

  const expectedPoints = [
    { minute: minuteAgo(10).toISOString(), requests: 4, successRate: 0.75, avgLatencyMs: 20 },
    { minute: minuteAgo(5).toISOString(), requests: 1, successRate: 0, avgLatencyMs: 7 },
  ];
  const upToNow = { to: minuteAgo(1).toISOString() };

  it('gives the app admin its own per-minute points, nothing older than 2 days', async () => {
    const { status, body } = await call(APP, { adminOf: APP }, upToNow);
    expect(status).toBe(200);
    expect(body).toEqual({ points: expectedPoints });
  });

  it('gives the operator any app', async () => {
    expect(await call(APP, { operator: true }, upToNow)).toEqual({
      status: 200,
      body: { points: expectedPoints },
    });
    const other = await call(OTHER_APP, { operator: true }, upToNow);
    expect(other.body.points.map((p: { requests: number }) => p.requests)).toEqual([1]);
  });

  it('narrows to from/to', async () => {
    const { body } = await call(
      APP,
      { operator: true },
      { from: minuteAgo(6).toISOString(), to: minuteAgo(4).toISOString() },
    );
    expect(body.points).toEqual([expectedPoints[1]]);
  });

  it('never shows another app to an app admin, nor anything without credentials', async () => {
    expect((await call(OTHER_APP, { adminOf: APP })).status).toBe(403);
    expect((await call(APP, { adminOf: APP, identifier: 'someone-else' })).status).toBe(403);
    expect((await call(APP)).status).toBe(401);
  });

  it.each([
    [{ from: 'yesterday' }, /^from: /],
    [{ to: '2031-13-01T00:00:00Z' }, /^to: /],
    [{ from: minuteAgo(1).toISOString(), to: minuteAgo(5).toISOString() }, /^from: must not be after to/],
  ])('answers 400 naming the field for %o', async (query, detail) => {
    const { status, body } = await call(APP, { operator: true }, query);
    expect(status).toBe(400);
    expect(body.detail).toMatch(detail);
  });
});
