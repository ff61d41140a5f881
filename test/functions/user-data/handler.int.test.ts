import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppStore } from '../../../lib/store/apps.js';
import { minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import {
  callRoute,
  seedGroupMessage,
  seedMessages,
  seedUserInfo,
} from '../../lib/store/personal-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { adminQuery } from '../apps/client.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type Message = { account: string; app: string; msgKey?: string; groupId?: string };

const ROUTE = '/apps/{sdkAppId}/users/{account}/data';

describe('GET /apps/{sdkAppId}/users/{account}/data (D3 access)', () => {
  let db: TestDatabase;
  let handler: Handler;
  const app = newSdkAppId();
  const otherApp = newSdkAppId();
  const OTHER_SECRET = `${SECRETS.secretKey.slice(0, -4)}cafe`;
  const odd = 'ivan#1/ü?x=1';

  beforeAll(async () => {
    db = await createTestDatabase();
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    await apps.put(app, minimalConfig(), new Date());
    await apps.put(otherApp, minimalConfig({ secretKey: OTHER_SECRET }), new Date());
    const seed = (input: Parameters<typeof seedMessages>[2]) =>
      seedMessages(db.doc, db.tables.personal, input);
    await seed({ app, account: 'ivan', count: 230 });
    await seed({ app, account: 'ivan', count: 12, tag: 'old', expiresInDays: -1 });
    await seedGroupMessage(db.doc, db.tables.personal, { app, account: 'ivan', groupId: 'g#1', msgSeq: 3 });
    await seedUserInfo(db.doc, db.tables.personal, { app, account: 'ivan', nickname: 'Ivan' });
    await seed({ app, account: 'ivana', count: 7 });
    await seed({ app, account: 'judy', count: 9 });
    await seed({ app: otherApp, account: 'ivan', count: 11 });
    await seed({ app, account: odd, count: 3 });
    handler = (await import('../../../functions/user-data/handler.js')).handler as unknown as Handler;
  });
  afterAll(async () => {
    await db?.drop();
  });

  const fetchPage = (
    account: string,
    extra: Record<string, string> = {},
    sdkAppId = app,
    secret: string = SECRETS.secretKey,
  ) =>
    callRoute(
      handler,
      'GET',
      { template: ROUTE, params: { sdkAppId, account } },
      { query: { ...adminQuery(sdkAppId, secret), ...extra } },
    );

  async function everything(account: string, limit: string) {
    const messages: Message[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let userInfo: unknown;
    do {
      const answer = await fetchPage(account, { limit, ...(cursor ? { cursor } : {}) });
      expect(answer.status).toBe(200);
      messages.push(...(answer.body.messages as Message[]));
      userInfo = answer.body.userInfo;
      cursor = answer.body.nextCursor as string | undefined;
      pages += 1;
    } while (cursor);
    return { messages, pages, userInfo };
  }

  it('exports every unexpired item of the account, a page at a time, and nothing of anyone else', async () => {
    const { messages, pages, userInfo } = await everything('ivan', '100');

    expect(userInfo).toMatchObject({ app, account: 'ivan', nickname: 'Ivan', signature: 'hello' });
    expect(messages).toHaveLength(231);
    expect(pages).toBe(3);
    expect(new Set(messages.map((m) => m.msgKey ?? m.groupId)).size).toBe(231);
    expect(messages.every((m) => m.account === 'ivan' && m.app === app)).toBe(true);
    expect(messages.some((m) => m.msgKey?.startsWith('old-'))).toBe(false);
    expect(Object.keys(messages[0] ?? {})).not.toContain('ownerSort');
    expect(Object.keys(messages[0] ?? {})).not.toContain('pk');
  });

  it('answers an account with nothing stored with null and an empty list', async () => {
    const answer = await fetchPage('nobody');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ userInfo: null, messages: [] });
  });

  it('treats the account as an opaque string', async () => {
    const { messages, userInfo } = await everything(odd, '2');
    expect(messages).toHaveLength(3);
    expect(userInfo).toBeNull();
  });

  it("refuses a cursor that is not one of this account's (400), and a bad limit (400)", async () => {
    const first = await fetchPage('ivan', { limit: '5' });
    const cursor = String(first.body.nextCursor);
    expect((await fetchPage('judy', { cursor })).status).toBe(400);
    expect((await fetchPage('ivan', { cursor: 'garbage' })).status).toBe(400);
    const forged = Buffer.from(
      JSON.stringify({ pk: 'x', sk: 'msg', ownerShard: 'x', ownerSort: 'judy#' }),
    ).toString('base64url');
    expect((await fetchPage('ivan', { cursor: forged })).status).toBe(400);
    expect((await fetchPage('ivan', { limit: '0' })).status).toBe(400);
    expect((await fetchPage('ivan', { limit: '1000' })).status).toBe(400);
  });

  it('never serves another app: 403 across apps, and each app sees only its own data', async () => {
    const cross = await fetchPage('ivan', {}, app, OTHER_SECRET);
    expect(cross.status).toBe(401);
    const crossAdmin = await callRoute(
      handler,
      'GET',
      { template: ROUTE, params: { sdkAppId: app, account: 'ivan' } },
      { query: adminQuery(otherApp, OTHER_SECRET) },
    );
    expect(crossAdmin.status).toBe(403);
    const own = await fetchPage('ivan', {}, otherApp, OTHER_SECRET);
    expect(own.status).toBe(200);
    expect(own.body.messages).toHaveLength(11);
    expect(own.body.userInfo).toBeNull();
  });
});
