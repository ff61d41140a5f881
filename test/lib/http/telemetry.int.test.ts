import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, isAppError, NotFoundError, UnauthorizedError } from '../../../lib/errors.js';
import { problemJson } from '../../../lib/http/problem.js';
import { json } from '../../../lib/http/response.js';
import { createTelemetryRecorder, type TelemetryRecorder, telemetry } from '../../../lib/http/telemetry.js';
import { createTelemetryStore } from '../../../lib/store/telemetry.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

const T0 = new Date('2031-05-01T10:20:00.000Z');
const SECRETS = {
  sign: 'PLANTED-SIGN-5f1c0ffee',
  userSig: 'PLANTED-USERSIG-eJyrVkrOL0pV',
  bearer: 'PLANTED-BEARER-TOKEN-77aa',
  content: 'PLANTED-MESSAGE-CONTENT-hello-bob',
  internal: 'PLANTED-INTERNAL-DETAIL-db-password',
};

/** A clock the handlers advance, so every latency is known exactly. */
function clock() {
  let now = T0;
  return {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

type Step = { latency: number; outcome: 'ok' | 'reject' | 'fail' | 'badBody' | 'crash' | 'unauth' };

/** The callback function's shape: Tencent answers, errors rendered as `ActionStatus: FAIL`. */
function callbackChain(recorder: TelemetryRecorder, time: ReturnType<typeof clock>) {
  const tencentErrors = {
    onError: async (request: { error: unknown; response: unknown }) => {
      const status = isAppError(request.error) && request.error.expose ? request.error.status : 500;
      request.response = json(status, {
        ActionStatus: 'FAIL',
        ErrorCode: status === 500 ? 1 : 60003,
        ErrorInfo: 'x',
      });
    },
  };
  const signature = {
    before: async (request: { event: APIGatewayProxyEventV2 }) => {
      const step = JSON.parse(request.event.body ?? '{}').step as Step;
      if (step.outcome === 'unauth') {
        time.advance(step.latency);
        throw new UnauthorizedError('Sign: does not match');
      }
    },
  };
  return middy()
    .use(telemetry({ recorder }))
    .use(tencentErrors)
    .use(signature)
    .handler(async (event: APIGatewayProxyEventV2) => {
      const step = JSON.parse(event.body ?? '{}').step as Step;
      time.advance(step.latency);
      if (step.outcome === 'badBody') throw new BadRequestError('MsgBody: required');
      if (step.outcome === 'crash') throw new Error(`driver failed: ${SECRETS.internal}`);
      if (step.outcome === 'fail') return json(200, { ActionStatus: 'FAIL', ErrorCode: 2, ErrorInfo: 'x' });
      const errorCode = step.outcome === 'reject' ? 120001 : 0;
      return json(200, { ActionStatus: 'OK', ErrorCode: errorCode, ErrorInfo: '' });
    });
}

function callbackEvent(app: string, step: Step) {
  return httpEvent('POST', '/im/callback', {
    query: {
      SdkAppid: app,
      CallbackCommand: 'C2C.CallbackAfterSendMsg',
      contenttype: 'json',
      ClientIP: '198.51.100.23',
      OptPlatform: 'iOS',
      RequestTime: '1900000000',
      Sign: SECRETS.sign,
    },
    headers: { authorization: `Bearer ${SECRETS.bearer}` },
    body: { step, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: SECRETS.content } }] },
    sourceIp: '203.0.113.50',
  });
}

describe('telemetry middleware through real middy chains', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());
  const store = () => createTelemetryStore({ doc: db.doc, tableName: db.tables.telemetry });

  it('counts every callback outcome exactly and records P2 without credentials or content', async () => {
    const time = clock();
    const recorder = createTelemetryRecorder({
      doc: db.doc,
      tableName: db.tables.telemetry,
      now: time.now,
      backgroundFlush: false,
    });
    const handler = callbackChain(recorder, time);
    const steps: Step[] = [
      { latency: 10, outcome: 'ok' },
      { latency: 20, outcome: 'reject' },
      { latency: 5, outcome: 'unauth' },
      { latency: 15, outcome: 'badBody' },
      { latency: 30, outcome: 'crash' },
      { latency: 40, outcome: 'fail' },
    ];
    const statuses: number[] = [];
    for (const step of steps) {
      const response = (await handler(
        callbackEvent('1400001', step),
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2;
      statuses.push(response.statusCode ?? 0);
    }
    expect(statuses).toEqual([200, 200, 401, 400, 500, 200]);
    await recorder.flush();

    // 6 requests, 4 failures (unauth, badBody, crash, FAIL), latency 10+20+5+15+30+40 = 120 => 20 ms
    expect(await store().metrics('1400001', { now: time.now() })).toEqual([
      { minute: '2031-05-01T10:20:00.000Z', requests: 6, successRate: 2 / 6, avgLatencyMs: 20 },
    ]);

    const records = await store().logRecords('1400001', { from: T0, to: time.now(), now: time.now() });
    expect(records.map((r) => [r.status, r.outcome, r.latencyMs, r.errorName, r.errorCode])).toEqual([
      [200, 'success', 10, undefined, undefined],
      [200, 'success', 20, undefined, undefined],
      [401, 'failure', 5, 'UnauthorizedError', 60003],
      [400, 'failure', 15, 'BadRequestError', 60003],
      [500, 'failure', 30, 'Error', 1],
      [200, 'failure', 40, undefined, 2],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        api: 'im.callback:C2C.CallbackAfterSendMsg',
        app: '1400001',
        // The request's own source, the IM service; never the end user's ClientIP (198.51.100.23).
        callerIp: '203.0.113.50',
      });
    }
    expect(records[3]?.errorMessage).toBe('MsgBody: required');
    expect(records[4]?.errorMessage).toBeUndefined();
    const stored = JSON.stringify(records);
    for (const secret of Object.values(SECRETS)) expect(stored).not.toContain(secret);
  });

  it('records admin routes under their route key with the problem+json status', async () => {
    const time = clock();
    const recorder = createTelemetryRecorder({
      doc: db.doc,
      tableName: db.tables.telemetry,
      now: time.now,
      backgroundFlush: false,
    });
    const handler = middy<APIGatewayProxyEventV2>()
      .use(telemetry({ recorder }))
      .use(problemJson())
      .handler(async (event) => {
        time.advance(event.pathParameters?.sdkAppId === '1500001' ? 4 : 6);
        if (event.queryStringParameters?.missing) throw new NotFoundError('app not found');
        return json(200, { ok: true });
      });
    const event = (query: Record<string, string>) =>
      httpEvent('GET', '/apps/1500001', {
        routePath: '/apps/{sdkAppId}',
        pathParameters: { sdkAppId: '1500001' },
        query: { usersig: SECRETS.userSig, ...query },
        sourceIp: '203.0.113.77',
      });
    expect(
      ((await handler(event({}), lambdaContext())) as APIGatewayProxyStructuredResultV2).statusCode,
    ).toBe(200);
    const missing = (await handler(
      event({ missing: '1' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(missing.statusCode).toBe(404);
    expect(missing.headers?.['content-type']).toBe('application/problem+json');
    await recorder.flush();

    expect(await store().metrics('1500001', { now: time.now() })).toEqual([
      { minute: '2031-05-01T10:20:00.000Z', requests: 2, successRate: 0.5, avgLatencyMs: 4 },
    ]);
    const records = await store().logRecords('1500001', { from: T0, to: time.now(), now: time.now() });
    expect(records.map((r) => [r.api, r.status, r.callerIp, r.errorName])).toEqual([
      ['GET /apps/{sdkAppId}', 200, '203.0.113.77', undefined],
      ['GET /apps/{sdkAppId}', 404, '203.0.113.77', 'NotFoundError'],
    ]);
    expect(JSON.stringify(records)).not.toContain(SECRETS.userSig);
  });

  it('counts a thrown error as a failure even when the answer fails open with OK', async () => {
    const time = clock();
    const recorder = createTelemetryRecorder({
      doc: db.doc,
      tableName: db.tables.telemetry,
      now: time.now,
      backgroundFlush: false,
    });
    const failOpen = {
      onError: async (request: { response: unknown }) => {
        request.response = json(200, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      },
    };
    const handler = middy<APIGatewayProxyEventV2>()
      .use(telemetry({ recorder }))
      .use(failOpen)
      .handler(async () => {
        time.advance(3);
        throw new Error('store timed out');
      });
    const event = httpEvent('POST', '/im/callback', {
      query: { SdkAppid: '1600001', CallbackCommand: 'C2C.CallbackBeforeSendMsg' },
    });
    const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    await recorder.flush();
    expect(await store().metrics('1600001', { now: time.now() })).toEqual([
      { minute: '2031-05-01T10:20:00.000Z', requests: 1, successRate: 0, avgLatencyMs: 3 },
    ]);
    const [record] = await store().logRecords('1600001', { from: T0, to: time.now(), now: time.now() });
    expect(record).toMatchObject({
      api: 'im.callback:C2C.CallbackBeforeSendMsg',
      status: 200,
      errorName: 'Error',
    });
  });

  it('never fails or slows a request when telemetry cannot be written', async () => {
    const hanging = new Proxy(db.doc, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return () => new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1500));
      },
    }) as DynamoDBDocumentClient;
    const recorder = createTelemetryRecorder({
      doc: hanging,
      tableName: db.tables.telemetry,
      backgroundFlush: false,
      maxBufferedRecords: 1,
      flushWaitMs: 50,
    });
    const handler = middy()
      .use(telemetry({ recorder }))
      .use(problemJson())
      .handler(async () => json(200, { ok: true }));
    const started = Date.now();
    const response = (await handler(
      httpEvent('GET', '/policy'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
