import { createRequire } from 'node:module';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, StoreError } from '../../lib/errors.js';
import { problemJson } from '../../lib/http/problem.js';
import { json } from '../../lib/http/response.js';
import { createTelemetryRecorder, flushAllTelemetry, telemetry } from '../../lib/http/telemetry.js';
import { createLogger } from '../../lib/log.js';
import { appConfigSchema } from '../../lib/policy/app-config.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createTelemetryStore } from '../../lib/store/telemetry.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';

/**
 * Lambda log groups are P2 log data too: whatever a handler writes to stdout/stderr ends up there.
 * This runs the handlers with planted secrets, credentials, message content and profile values in every
 * part of the request (and in internal errors), captures ALL process output, and greps for them; it
 * also greps the P2 log records the runs stored. Later helpers add their handlers to `runs`.
 */
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as {
  Api: new (sdkAppId: number, key: string) => { genSig(identifier: string, expire: number): string };
};

const APP = '1400000999';
const PLANTED = {
  secretKey: 'PLANTEDSECRETKEY0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071',
  callbackToken: 'PLANTED-CALLBACK-TOKEN-3141592653',
  operatorToken: TEST_OPERATOR_TOKEN,
  wrongBearer: 'PLANTED-WRONG-BEARER-2718281828',
  sign: 'PLANTEDSIGNdeadbeefdeadbeefdeadbeef',
  content: 'PLANTED-MESSAGE-CONTENT-meet-me-at-noon',
  nickname: 'PLANTED-NICKNAME-Zhang-San',
  account: 'PLANTED-ACCOUNT-user-42',
  internal: 'PLANTED-INTERNAL-ERROR-DETAIL',
};

function captureOutput() {
  const chunks: string[] = [];
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
    console: { ...console },
  };
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    };
  }
  return {
    text: () => chunks.join('\n'),
    restore() {
      process.stdout.write = originals.stdout as typeof process.stdout.write;
      process.stderr.write = originals.stderr as typeof process.stderr.write;
      Object.assign(console, originals.console);
    },
  };
}

/** Every part of a request an attacker or the IM service controls, each carrying a planted value. */
function plantedEvent(
  method: string,
  path: string,
  routePath: string,
  extra: Parameters<typeof httpEvent>[2] = {},
) {
  return httpEvent(method, path, {
    routePath,
    ...extra,
    query: {
      Sign: PLANTED.sign,
      token: PLANTED.callbackToken,
      text: PLANTED.content,
      ...(extra.query ?? {}),
    },
    headers: { 'x-planted': PLANTED.nickname, ...(extra.headers ?? {}) },
    body: {
      From_Account: PLANTED.account,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: PLANTED.content } }],
      ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: PLANTED.nickname }],
      secretKey: PLANTED.secretKey,
    },
  });
}

describe('no log line and no log record carries secrets, content or profile values', () => {
  let db: TestDatabase;
  let output: ReturnType<typeof captureOutput>;
  const startedAt = new Date();

  beforeAll(async () => {
    db = await createTestDatabase({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(
      APP,
      appConfigSchema.parse({
        appName: 'log capture',
        secretKey: PLANTED.secretKey,
        adminAccount: 'administrator',
        dataCenter: 'local',
        callback: { enabled: true, url: 'https://example.com/cb', token: PLANTED.callbackToken },
      }),
      new Date(),
    );
    output = captureOutput();
    try {
      await runEverything(db);
      await flushAllTelemetry();
    } finally {
      output.restore();
    }
  });
  afterAll(async () => db.drop());

  it('captured the output of the runs (so the grep below means something)', () => {
    expect(output.text()).toContain('unhandled error');
    expect(output.text()).toContain('telemetry flush failed');
  });

  it.each(Object.entries(PLANTED))('no log line contains the planted %s', (_name, value) => {
    expect(output.text()).not.toContain(value);
  });

  it('no P2 log record contains a planted value', async () => {
    const store = createTelemetryStore({ doc: db.doc, tableName: db.tables.telemetry });
    const range = { from: startedAt, to: new Date(), now: new Date() };
    const records = [...(await store.logRecords(APP, range)), ...(await store.logRecords(undefined, range))];
    expect(records.length).toBeGreaterThanOrEqual(8);
    const stored = JSON.stringify(records);
    for (const value of Object.values(PLANTED)) expect(stored).not.toContain(value);
  });
});

async function runEverything(db: TestDatabase): Promise<void> {
  const context = lambdaContext();
  const { getPolicy, getPrivacyPage } = await import('../../functions/policy/handler.js');
  const { getMetrics } = await import('../../functions/metrics/handler.js');
  const userSig = new TLSSigAPIv2.Api(Number(APP), PLANTED.secretKey).genSig('administrator', 3600);

  await getPolicy(plantedEvent('GET', '/policy', '/policy'), context);
  await getPrivacyPage(plantedEvent('GET', '/privacy', '/privacy'), context);
  const metricsPath = { pathParameters: { sdkAppId: APP } };
  const metrics = (query: Record<string, string>, headers: Record<string, string> = {}) =>
    getMetrics(
      plantedEvent('GET', `/apps/${APP}/metrics`, '/apps/{sdkAppId}/metrics', {
        ...metricsPath,
        query,
        headers,
      }),
      context,
    );
  await metrics({ sdkappid: APP, identifier: 'administrator', usersig: userSig, random: '7' });
  await metrics({ sdkappid: APP, identifier: 'administrator', usersig: `${userSig}x`, random: '7' });
  await metrics({}, { authorization: `Bearer ${PLANTED.operatorToken}` });
  await metrics({}, { authorization: `Bearer ${PLANTED.wrongBearer}` });
  await metrics({ from: PLANTED.content }, { authorization: `Bearer ${PLANTED.operatorToken}` });

  // Error paths of the shared middlewares: an internal error carrying secrets, a client error, and a
  // telemetry write failing with a message that carries one.
  const logger = createLogger('log-capture');
  const failingDoc = new Proxy(db.doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async () => {
        throw new StoreError(`write failed for ${PLANTED.account}: ${PLANTED.internal}`);
      };
    },
  }) as DynamoDBDocumentClient;
  const recorders = [
    createTelemetryRecorder({ doc: db.doc, tableName: db.tables.telemetry, logger }),
    createTelemetryRecorder({
      doc: failingDoc,
      tableName: db.tables.telemetry,
      logger,
      maxBufferedRecords: 1,
    }),
  ];
  for (const recorder of recorders) {
    const handler = middy<APIGatewayProxyEventV2>()
      .use(telemetry({ recorder, logger }))
      .use(problemJson({ logger }))
      .handler(async (event) => {
        if (event.queryStringParameters?.crash) {
          throw new Error(`${PLANTED.internal} ${PLANTED.secretKey} ${PLANTED.content}`);
        }
        if (event.queryStringParameters?.bad) throw new BadRequestError('MsgBody: required');
        return json(200, { ok: true });
      });
    const event = (query: Record<string, string>) =>
      plantedEvent('POST', '/im/callback', '/im/callback', {
        query: {
          SdkAppid: APP,
          CallbackCommand: 'C2C.CallbackAfterSendMsg',
          ClientIP: '198.51.100.1',
          ...query,
        },
      });
    await handler(event({ crash: '1' }), context);
    await handler(event({ bad: '1' }), context);
    await handler(event({}), context);
  }
}
