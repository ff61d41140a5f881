import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageKey } from '../../../lib/store/personal-keys.js';
import { type CallbackHandler, c2cMessage, callCallback } from '../../support/callback-client.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { callbackAppConfig } from '../../support/tencent.js';
import { adminQuery, appsClient, operatorHeaders } from './client.js';

/**
 * "A change is in force when its answer arrives", with the per-container app cache switched on as in
 * production (APP_CACHE_SECONDS=1): each settings call answers only once no cached copy of the old
 * state can serve a request, so the callback right after it is handled under the new state.
 */
const SECRET = 'secret-key-for-callback-tests-0123456789';
let db: TestDatabase;
let callbacks: CallbackHandler;
let call: ReturnType<typeof appsClient>;
let userData: (event: unknown, context: unknown) => Promise<unknown>;
let nextApp = 1_400_700_000 + Math.floor(Math.random() * 100_000) * 10;

beforeAll(async () => {
  db = await createTestDatabase({ APP_CACHE_SECONDS: '1' });
  callbacks = (await import('../../../functions/callback/handler.js')).handler as unknown as CallbackHandler;
  call = appsClient((await import('../../../functions/apps/handler.js')).handler as never);
  userData = (await import('../../../functions/user-data/handler.js')).handler as never;
});
afterAll(async () => {
  await db?.drop();
});

async function register(): Promise<string> {
  nextApp += 1;
  const app = String(nextApp);
  const answer = await call('PUT', `/apps/${app}`, { headers: operatorHeaders, body: callbackAppConfig() });
  expect(answer.status).toBe(200);
  return app;
}
const send = (app: string, body: { CallbackCommand: string } & Record<string, unknown>) =>
  callCallback(callbacks, { sdkAppId: app, command: body.CallbackCommand, body });
const patch = (app: string, body: unknown) =>
  call('PATCH', `/apps/${app}/privacy`, { query: adminQuery(app, SECRET), body });
const beforeSend = {
  CallbackCommand: 'C2C.CallbackBeforeSendMsg',
  From_Account: 'alice',
  To_Account: 'bob',
  MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'card 4111 1111 1111 1111' } }],
};

describe('settings are in force when acknowledged, with the app cache on', () => {
  it('rejects the next before-send after PATCH to reject, having masked it just before', async () => {
    const app = await register();
    expect((await patch(app, { sensitiveData: 'mask' })).status).toBe(200);
    expect((await send(app, beforeSend)).body).toMatchObject({ ErrorCode: 0, MsgBody: expect.any(Array) });
    expect((await patch(app, { sensitiveData: 'reject' })).status).toBe(200);
    expect((await send(app, beforeSend)).body).toMatchObject({ ErrorCode: 120001 });
  });

  it('stores nothing from the next after-send after PATCH to notStored, having stored one just before', async () => {
    const app = await register();
    expect((await send(app, c2cMessage())).body).toMatchObject({ ErrorCode: 0 });
    expect((await patch(app, { messages: { mode: 'notStored' } })).status).toBe(200);
    const after = c2cMessage();
    expect((await send(app, after)).body).toMatchObject({ ErrorCode: 0 });
    const stored = await db.doc.send(
      new GetCommand({
        TableName: db.tables.personal,
        Key: messageKey(app, { kind: 'c2c', msgKey: after.MsgKey }),
      }),
    );
    expect(stored.Item).toBeUndefined();
  });

  it('hides a message a callback stored from its cached old settings while PATCH to notStored settled', async () => {
    const app = await register();
    expect((await send(app, c2cMessage())).body).toMatchObject({ ErrorCode: 0 }); // the cache now says "stored"
    const patching = patch(app, { messages: { mode: 'notStored' } });
    await new Promise((resolve) => setTimeout(resolve, 400)); // written; the cached copy still serves
    const during = c2cMessage();
    expect((await send(app, during)).body).toMatchObject({ ErrorCode: 0 });
    expect((await patching).status).toBe(200);
    const exported = (await userData(
      httpEvent('GET', `/apps/${app}/users/alice/data`, {
        routePath: '/apps/{sdkAppId}/users/{account}/data',
        pathParameters: { sdkAppId: app, account: 'alice' },
        query: adminQuery(app, SECRET),
      }),
      lambdaContext(),
    )) as { statusCode: number; body: string };
    expect(exported.statusCode).toBe(200);
    expect(JSON.parse(exported.body).messages, 'nothing stored under the old setting is readable').toEqual(
      [],
    );
  });

  it('refuses callbacks right after POST termination, and accepts them right after DELETE termination', async () => {
    const app = await register();
    expect((await send(app, c2cMessage())).status).toBe(200);
    expect((await call('POST', `/apps/${app}/termination`, { headers: operatorHeaders })).status).toBe(200);
    expect((await send(app, c2cMessage())).status).toBe(403);
    expect((await call('DELETE', `/apps/${app}/termination`, { headers: operatorHeaders })).status).toBe(200);
    expect((await send(app, c2cMessage())).status).toBe(200);
  });

  it('accepts a newly registered app’s callback even when one for it was refused just before', async () => {
    nextApp += 1;
    const app = String(nextApp);
    expect((await send(app, c2cMessage())).status).toBe(401);
    const answer = await call('PUT', `/apps/${app}`, { headers: operatorHeaders, body: callbackAppConfig() });
    expect(answer.status).toBe(200);
    expect((await send(app, c2cMessage())).status).toBe(200);
  });
});
