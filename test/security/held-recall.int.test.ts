import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppStore } from '../../lib/store/apps.js';
import { createLegalHoldStore, type LegalHoldStore } from '../../lib/store/legal-holds.js';
import { messageKey } from '../../lib/store/personal-keys.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { lambdaContext } from '../support/events.js';
import { callbackAppConfig, callbackEvent, TEST_CALLBACK_TOKEN } from '../support/tencent.js';
import { invoke } from './harness.js';

/**
 * D3's exception under DynamoDB's own TTL (on here, as in every deployment): a recalled message that a
 * legal hold covers must stay stored. Found by `npm run soak` (a held account's recalled message gone).
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let handler: Handler;
let holds: LegalHoldStore;
let holdId: string;
const APP = String(1_400_720_000 + Math.floor(Math.random() * 90_000));

beforeAll(async () => {
  db = await createTestDatabase({}, { ttl: true });
  await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(APP, callbackAppConfig(), new Date());
  holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
  ({ id: holdId } = await holds.create(
    { app: APP, account: 'alice', categories: ['messages'], reason: 'litigation' },
    new Date(),
  ));
  handler = (await import('../../functions/callback/handler.js')).handler as unknown as Handler;
});
afterAll(async () => db.drop());

describe('a recall under a legal hold', () => {
  // Found by the soak: recall used to move a held message's expiresAt to now, in reach of DynamoDB TTL
  // before any expiry run could park it; recall now parks it in the held bucket itself.
  it('keeps the held message stored past the next TTL sweep, and expire deletes it after release', {
    timeout: 60_000,
  }, async () => {
    const msgKey = `held-${Date.now()}`;
    const send = (command: string, body: Record<string, unknown>) =>
      invoke(handler, callbackEvent({ sdkAppId: APP, token: TEST_CALLBACK_TOKEN, command, body }));
    const stored = await send('C2C.CallbackAfterSendMsg', {
      From_Account: 'alice',
      To_Account: 'bob',
      MsgTime: Math.floor(Date.now() / 1000),
      MsgKey: msgKey,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'evidence' } }],
    });
    expect(stored.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    const recalled = await send('C2C.CallbackAfterMsgWithDraw', {
      From_Account: 'alice',
      To_Account: 'bob',
      MsgKey: msgKey,
    });
    expect(recalled.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });

    const read = async () =>
      (
        await db.doc.send(
          new GetCommand({
            TableName: db.tables.personal,
            Key: messageKey(APP, { kind: 'c2c', msgKey }),
            ConsistentRead: true,
          }),
        )
      ).Item;
    expect(await read()).toBeDefined();
    // DynamoDB Local sweeps TTL every few seconds; give it time to act.
    const deadline = Date.now() + 15_000;
    while ((await read()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await read()).toBeDefined();

    // Released: the next expire run deletes the recalled message by itself.
    await holds.release(APP, holdId, new Date());
    const expire = (await import('../../functions/expire/handler.js')).handler as unknown as (
      event: unknown,
      context: Context,
    ) => Promise<unknown>;
    await expire({}, lambdaContext());
    expect(await read()).toBeUndefined();
  });
});
