import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../lib/auth/constant-time.js';
import { createAppStore } from '../../lib/store/apps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { callbackAppConfig, callbackEvent, TEST_CALLBACK_TOKEN, tencentSign } from '../support/tencent.js';
import { expectCallbackRefusal, invoke, itemCount } from './harness.js';

/**
 * Attacks on the callback signature (docs/tencent-im.md: Sign = lowercase hex sha256(token + RequestTime), within
 * 60 s, constant-time compare), through the callback function's whole middy chain on DynamoDB Local.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let handler: Handler;
const APP = String(1_400_710_000 + Math.floor(Math.random() * 90_000));
const OTHER = String(Number(APP) + 1);
const OTHER_TOKEN = 'other-app-callback-token-0123456789';
const now = () => Math.floor(Date.now() / 1000);
let n = 0;

function message() {
  n += 1;
  return {
    From_Account: 'mallory',
    To_Account: 'bob',
    MsgTime: now(),
    MsgKey: `sig-${n}-${Math.random().toString(36).slice(2)}`,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'forged?' } }],
  };
}

const send = (overrides: {
  sign?: string | null;
  requestTime?: number;
  sdkAppId?: string;
  token?: string;
  query?: Record<string, string>;
}) => {
  const event = callbackEvent({
    sdkAppId: overrides.sdkAppId ?? APP,
    token: overrides.token ?? TEST_CALLBACK_TOKEN,
    command: 'C2C.CallbackAfterSendMsg',
    body: message(),
    ...(overrides.sign !== undefined ? { sign: overrides.sign } : {}),
    ...(overrides.requestTime !== undefined ? { requestTime: overrides.requestTime } : {}),
  });
  if (overrides.query) event.queryStringParameters = { ...event.queryStringParameters, ...overrides.query };
  return invoke(handler, event);
};

beforeAll(async () => {
  db = await createTestDatabase();
  const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
  await apps.put(APP, callbackAppConfig(), new Date());
  await apps.put(
    OTHER,
    callbackAppConfig({ callback: { enabled: true, url: 'https://x.example/cb', token: OTHER_TOKEN } }),
    new Date(),
  );
  handler = (await import('../../functions/callback/handler.js')).handler as unknown as Handler;
});
afterAll(async () => db.drop());

describe('forged and mangled Signs are refused with 401 and store nothing', () => {
  const t = now();
  const good = () => tencentSign(TEST_CALLBACK_TOKEN, t);
  it.each([
    ['an empty Sign', () => ''],
    ['a missing Sign', () => null],
    ['the Sign truncated to 63 characters', () => good().slice(0, 63)],
    ['the Sign truncated to 32 characters', () => good().slice(0, 32)],
    ['the Sign with one extra character', () => `${good()}0`],
    ['the Sign in upper case', () => good().toUpperCase()],
    ['the Sign base64-encoded instead of hex', () => Buffer.from(good(), 'hex').toString('base64')],
    ['the Sign with surrounding spaces', () => ` ${good()} `],
    ['the Sign of the token alone', () => tencentSign(TEST_CALLBACK_TOKEN, '')],
    ['the Sign of RequestTime + token (reversed order)', () => tencentSign(String(t), TEST_CALLBACK_TOKEN)],
    ["another app's correctly made Sign", () => tencentSign(OTHER_TOKEN, t)],
    ['64 zeros', () => '0'.repeat(64)],
  ])('%s', async (_name, sign) => {
    const before = await itemCount(db, 'personal');
    const answer = await send({ sign: sign(), requestTime: t });
    expectCallbackRefusal(answer, [401]);
    expect(answer.body.ErrorInfo).toMatch(/Sign/);
    expect(await itemCount(db, 'personal')).toBe(before);
  });

  it('any random Sign is refused', async () => {
    const before = await itemCount(db, 'personal');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ unit: 'binary', maxLength: 100 })),
        async (sign) => {
          fc.pre(sign !== '' && sign !== tencentSign(TEST_CALLBACK_TOKEN, now()));
          expectCallbackRefusal(await send({ sign }), [401]);
        },
      ),
      { numRuns: 40 },
    );
    expect(await itemCount(db, 'personal')).toBe(before);
  });
});

describe('RequestTime: skew and replays', () => {
  it.each([
    ['61 s in the past', -61],
    ['61 s in the future', 61],
    ['a day old', -86_400],
    ['in the year 2100', 4_102_444_800 - now()],
  ])('a correctly signed callback %s is refused', async (_name, offset) => {
    const requestTime = now() + offset;
    const answer = await send({ requestTime });
    expectCallbackRefusal(answer, [401]);
    expect(answer.body.ErrorInfo).toMatch(/RequestTime/);
  });

  it.each([
    ['milliseconds', () => String(Date.now())],
    ['an exponent', () => '1.7e9'],
    ['a leading plus', () => `+${now()}`],
    ['a negative number', () => '-1'],
    ['hex', () => `0x${now().toString(16)}`],
    ['trailing text', () => `${now()}abc`],
  ])('a RequestTime in %s is refused even when signed as sent', async (_name, value) => {
    const requestTime = value();
    const answer = await send({
      query: { RequestTime: requestTime, Sign: tencentSign(TEST_CALLBACK_TOKEN, requestTime) },
    });
    expectCallbackRefusal(answer, [401]);
  });

  it('a replayed callback (same RequestTime, Sign and body) inside the window changes nothing: one item', async () => {
    const event = callbackEvent({
      sdkAppId: APP,
      token: TEST_CALLBACK_TOKEN,
      command: 'C2C.CallbackAfterSendMsg',
      body: message(),
    });
    const before = await itemCount(db, 'personal');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => invoke(handler, structuredClone(event))),
    );
    for (const answer of answers) expect(answer.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect(await itemCount(db, 'personal')).toBe(before + 1);
  });

  it("a Sign made for one app is refused when the SdkAppid is swapped to another's", async () => {
    const t = now();
    const answer = await send({ sdkAppId: OTHER, sign: tencentSign(TEST_CALLBACK_TOKEN, t), requestTime: t });
    expectCallbackRefusal(answer, [401]);
  });

  it.each([
    ['an unknown app', '1999999999'],
    ['an SdkAppid with a key separator', `${APP}#msg`],
    ['an SdkAppid with a quote', `${APP}' OR '1'='1`],
    ['an empty SdkAppid', ''],
  ])('%s is refused without saying whether the app exists', async (_name, sdkAppId) => {
    const answer = await send({ sdkAppId });
    expectCallbackRefusal(answer, [401]);
    expect(answer.body.ErrorInfo).not.toMatch(/unknown|not registered|exist/i);
  });
});

describe('constant-time comparison', () => {
  it('compares any two strings correctly, whatever their lengths, without throwing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['lib/auth/callback-signature.ts', /constantTimeEqual\(sign,/],
    ['lib/auth/operator.ts', /constantTimeEqual\(presented,/],
    ['lib/auth/usersig.ts', /timingSafeEqual\(doc\.sig, expected\)/],
  ])('%s compares the secret-derived value in constant time, never with === or !==', (file, call) => {
    const source = readFileSync(file, 'utf8');
    expect(source).toMatch(call);
    // A secret-derived value is never compared with === / !== (with undefined or '', or by length, is fine).
    const unsafe =
      /\b(?:sign|presented|expected|token)\s*[!=]==\s*(?!undefined\b|''|"")[\w'"`]|[\w)'"`]\s*[!=]==\s*(?:sign|presented|expected|token)\b(?!\.length)/;
    expect(source).not.toMatch(unsafe);
    expect('if (sign === expected) return;').toMatch(unsafe);
    expect('if (token !== presented) throw e;').toMatch(unsafe);
  });
});
