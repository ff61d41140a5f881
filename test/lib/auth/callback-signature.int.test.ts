import { createHash } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateCallback, callbackAuth, callbackSign } from '../../../lib/auth/callback-signature.js';
import type { AuthenticatedEvent } from '../../../lib/auth/principal.js';
import { ForbiddenError, UnauthorizedError } from '../../../lib/errors.js';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { fullConfig, minimalConfig, newSdkAppId, SECRETS } from '../store/apps-fixtures.js';

const NOW = new Date('2026-04-01T10:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

describe('IM callback signature', () => {
  let db: TestDatabase;
  let appStore: AppStore;
  const active = newSdkAppId();
  const terminated = newSdkAppId();
  const purged = newSdkAppId();
  const tokenless = newSdkAppId();

  beforeAll(async () => {
    db = await createTestDatabase();
    appStore = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    for (const id of [active, terminated, purged]) await appStore.put(id, fullConfig(), NOW);
    await appStore.put(tokenless, minimalConfig(), NOW);
    await appStore.terminate(terminated, NOW, NOW);
    await appStore.terminate(purged, new Date('2020-01-01T00:00:00Z'), NOW);
  });
  afterAll(async () => db.drop());

  const query = (app: string, requestTime = NOW_SECONDS, token: string = SECRETS.callbackToken) => ({
    SdkAppid: app,
    CallbackCommand: 'C2C.CallbackAfterSendMsg',
    contenttype: 'json',
    ClientIP: '198.51.100.4',
    OptPlatform: 'RESTAPI',
    RequestTime: String(requestTime),
    Sign: callbackSign(token, String(requestTime)),
  });
  const check = (q: Record<string, string>, maxSkewSeconds = 60) =>
    authenticateCallback({ queryStringParameters: q }, { appStore, maxSkewSeconds, now: NOW });

  it('Sign is the lowercase hex SHA-256 of token + RequestTime', () => {
    const expected = createHash('sha256').update(`${SECRETS.callbackToken}1700000000`).digest('hex');
    expect(callbackSign(SECRETS.callbackToken, '1700000000')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts a correct Sign for an active app and returns the app', async () => {
    const app = await check(query(active));
    expect(app).toMatchObject({ sdkAppId: active, status: 'active' });
  });

  it.each([-60, 60, -1, 1])('accepts RequestTime %i s from now (within 60 s)', async (offset) => {
    await expect(check(query(active, NOW_SECONDS + offset))).resolves.toMatchObject({ sdkAppId: active });
  });

  it.each([-61, 61, -3600, 86_400])('refuses RequestTime %i s from now (401)', async (offset) => {
    await expect(check(query(active, NOW_SECONDS + offset))).rejects.toThrow(
      new UnauthorizedError('RequestTime: more than 60 s from now'),
    );
  });

  it('honours a configured skew', async () => {
    await expect(check(query(active, NOW_SECONDS - 100), 120)).resolves.toBeDefined();
    await expect(check(query(active, NOW_SECONDS - 100), 30)).rejects.toThrow(UnauthorizedError);
  });

  it.each([
    ['Sign missing', { Sign: '' }, 'Sign: required'],
    ['SdkAppid missing', { SdkAppid: '' }, 'SdkAppid: required'],
    ['RequestTime missing', { RequestTime: '' }, 'RequestTime: required'],
    ['RequestTime not a number', { RequestTime: '17e8' }, 'RequestTime: not unix seconds'],
    [
      'Sign for another RequestTime',
      { Sign: callbackSign(SECRETS.callbackToken, String(NOW_SECONDS - 1)) },
      'Sign: not valid for this SdkAppid',
    ],
    [
      'Sign made with a wrong token',
      { Sign: callbackSign('wrong-token', String(NOW_SECONDS)) },
      'Sign: not valid for this SdkAppid',
    ],
    [
      'Sign in uppercase hex',
      { Sign: callbackSign(SECRETS.callbackToken, String(NOW_SECONDS)).toUpperCase() },
      'Sign: not valid for this SdkAppid',
    ],
    [
      'Sign truncated',
      { Sign: callbackSign(SECRETS.callbackToken, String(NOW_SECONDS)).slice(0, 63) },
      'Sign: not valid for this SdkAppid',
    ],
    ['an unknown app', { SdkAppid: '1999999998' }, 'Sign: not valid for this SdkAppid'],
  ])('refuses %s with 401', async (_name, change, detail) => {
    await expect(check({ ...query(active), ...change })).rejects.toThrow(new UnauthorizedError(detail));
  });

  it('refuses an app without a callback token (401)', async () => {
    await expect(check(query(tokenless))).rejects.toThrow(UnauthorizedError);
  });

  it('refuses a correctly signed callback of a terminated app (403)', async () => {
    await expect(check(query(terminated))).rejects.toThrow(
      new ForbiddenError('SdkAppid: the app is terminated'),
    );
  });

  it('refuses a purged app like an unknown one (401)', async () => {
    await expect(check(query(purged))).rejects.toThrow(UnauthorizedError);
  });

  it('as middleware, sets event.auth to the IM service principal with the app', async () => {
    const handler = middy<APIGatewayProxyEventV2>()
      .use(callbackAuth({ appStore, maxSkewSeconds: 60, now: () => NOW }))
      .handler(async (event) => (event as AuthenticatedEvent).auth);
    const principal = await handler(
      httpEvent('POST', '/im/callback', { query: query(active) }),
      lambdaContext(),
    );
    expect(principal).toMatchObject({ kind: 'imService', app: { sdkAppId: active, status: 'active' } });
    await expect(
      handler(httpEvent('POST', '/im/callback', { query: query(terminated) }), lambdaContext()),
    ).rejects.toThrow(ForbiddenError);
  });
});
