import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../../functions/callback/chain.js';
import { createExpiryDeps } from '../../../functions/expire/deps.js';
import { runExpiry } from '../../../functions/expire/run.js';
import { createLogger } from '../../../lib/log.js';
import type { AppConfig } from '../../../lib/policy/app-config.js';
import type { PersonalCategoryId } from '../../../lib/policy/categories.js';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import { createConsentStore } from '../../../lib/store/consents.js';
import { createUserInfoStore } from '../../../lib/store/user-info.js';
import { callRoute, storedFor } from '../../lib/store/personal-fixtures.js';
import {
  type CallbackHandler,
  c2cMessage,
  callCallback,
  groupMessage,
  registerCallbackApp,
} from '../../support/callback-client.js';
import { callbackStores } from '../../support/callback-deps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { exportedMessages } from '../../support/personal.js';
import { callbackAppConfig } from '../../support/tencent.js';
import { adminQuery } from '../apps/client.js';
import { startLambdaEndpoint } from '../deletion-requests/lambda-endpoint.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type WorkerHandler = (event: unknown, context: Context) => Promise<unknown>;

const SECRET = callbackAppConfig().secretKey;
const REQUIRED: Partial<AppConfig> = { privacy: { consent: 'required' } };
const OK = { ActionStatus: 'OK', ErrorCode: 0 };

/**
 * D6 at the store: with `privacy.consent: "required"` the after-send, edit and profile callbacks store
 * nothing for an account without an active consent for the category (and still answer OK); a withdrawal
 * erases what was stored and stops storage at its answer; apps that do not require consent never read it.
 */
describe('consent enforced at the store (D6)', () => {
  let db: TestDatabase;
  let callback: CallbackHandler;
  let consent: Handler;
  let apps: Handler;
  let userData: Handler;
  let worker: WorkerHandler;
  let appStore: AppStore;
  let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
  const lookups: string[] = [];

  beforeAll(async () => {
    lambda = await startLambdaEndpoint(async ({ payload }) =>
      worker(payload, lambdaContext({ getRemainingTimeInMillis: () => 60_000 })),
    );
    db = await createTestDatabase({
      LAMBDA_ENDPOINT: lambda.url,
      FUNCTION_NAME_PREFIX: 'im-retention-test-',
    });
    appStore = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    const consents = createConsentStore({ doc: db.doc, tableName: db.tables.governance });
    // The deployed chain with the deployed stores; the consent lookup counted on its way through.
    callback = createCallbackHandler({
      appStore,
      ...callbackStores(db.doc, db.tables),
      consents: {
        activeConsent: (app, account, call) => {
          lookups.push(app);
          return consents.activeConsent(app, account, call);
        },
      },
      dataCenter: 'local',
      maxSkewSeconds: 60,
      logger: createLogger('consent-enforcement'),
    }) as unknown as CallbackHandler;
    consent = (await import('../../../functions/consent/handler.js')).handler as unknown as Handler;
    apps = (await import('../../../functions/apps/handler.js')).handler as unknown as Handler;
    userData = (await import('../../../functions/user-data/handler.js')).handler as unknown as Handler;
    worker = (await import('../../../functions/deletion-worker/handler.js'))
      .handler as unknown as WorkerHandler;
  });
  afterAll(async () => {
    await lambda?.settled();
    await lambda?.close();
    await db?.drop();
  });

  const send = (app: string, body: Record<string, unknown>) =>
    callCallback(callback, { sdkAppId: app, command: String(body.CallbackCommand), body });
  const profile = (app: string, account: string, nick: string, eventTime = Date.now()) =>
    send(app, {
      CallbackCommand: 'Profile.CallbackPortraitSet',
      From_Account: account,
      ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: nick }],
      EventTime: eventTime,
    });
  const consentRoute = (method: string, app: string, account: string, body?: unknown) =>
    callRoute(
      consent,
      method,
      { template: '/apps/{sdkAppId}/users/{account}/consent', params: { sdkAppId: app, account } },
      { query: adminQuery(app, SECRET), ...(body ? { body } : {}) },
    );
  const grant = (app: string, account: string, categories: PersonalCategoryId[] = ['userInfo', 'messages']) =>
    consentRoute('PUT', app, account, { categories, jurisdiction: 'DE', age: 30 });
  /** The D3 request a withdrawal filed, as the app admin reads it. */
  const deletionRequestOf = async (app: string, id: unknown) =>
    callRoute(
      (await import('../../../functions/deletion-requests/handler.js')).handler as unknown as Handler,
      'GET',
      { template: '/apps/{sdkAppId}/deletion-requests/{id}', params: { sdkAppId: app, id: String(id) } },
      { query: adminQuery(app, SECRET) },
    );
  const messagesOf = (app: string, account: string) =>
    exportedMessages(db.doc, db.tables.personal, app, account);
  const profileOf = (app: string, account: string) =>
    createUserInfoStore({ doc: db.doc, tableName: db.tables.personal }).get(app, account, new Date());

  it('stores a message between grant and withdrawal and erases it at the withdrawal; before and after, nothing', async () => {
    const app = await registerCallbackApp(appStore, REQUIRED);
    expect((await send(app, c2cMessage({ From_Account: 'alice' }))).body).toMatchObject(OK);
    expect(await messagesOf(app, 'alice')).toEqual([]);

    expect((await grant(app, 'alice')).status).toBe(200);
    const between = c2cMessage({ From_Account: 'alice' });
    expect((await send(app, between)).body).toMatchObject(OK);
    expect((await messagesOf(app, 'alice')).map((m) => m.msgKey)).toEqual([between.MsgKey]);

    const withdrawn = await consentRoute('DELETE', app, 'alice');
    expect(withdrawn.status).toBe(200);
    const after = c2cMessage({ From_Account: 'alice' });
    expect((await send(app, after)).body).toMatchObject(OK);
    await lambda.settled();
    expect(await messagesOf(app, 'alice')).toEqual([]);
    expect(await storedFor(db.doc, db.tables.personal, app, 'alice')).toEqual({ userInfo: 0, messages: 0 });

    const receipt = await deletionRequestOf(app, withdrawn.body.deletionRequestId);
    expect(receipt.body).toMatchObject({ status: 'completed', deleted: { messages: 1, userInfo: 0 } });
  });

  it('stores only the categories the consent names: userInfo without messages', async () => {
    const app = await registerCallbackApp(appStore, REQUIRED);
    await grant(app, 'bob', ['userInfo']);
    expect((await profile(app, 'bob', 'Bobby')).body).toMatchObject(OK);
    expect((await send(app, groupMessage({ From_Account: 'bob' }))).body).toMatchObject(OK);
    expect(await profileOf(app, 'bob')).toMatchObject({ nickname: 'Bobby' });
    expect(await storedFor(db.doc, db.tables.personal, app, 'bob')).toEqual({ userInfo: 1, messages: 0 });
    // Another account of the same app, without any consent: nothing of it at all.
    expect((await profile(app, 'mallory', 'M')).body).toMatchObject(OK);
    expect(await profileOf(app, 'mallory')).toBeUndefined();
  });

  it('applies an edit only while the sender has a consent for messages', async () => {
    const app = await registerCallbackApp(appStore, REQUIRED);
    await grant(app, 'carol', ['messages']);
    const sent = c2cMessage({ From_Account: 'carol' });
    await send(app, sent);
    const edit = (text: string) =>
      send(app, {
        ...sent,
        CallbackCommand: 'C2C.CallbackAfterModifyMsg',
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
      });
    await edit('edited once');
    const text = async () =>
      ((await messagesOf(app, 'carol'))[0]?.msgBody[0]?.MsgContent as { Text?: string } | undefined)?.Text;
    expect(await text()).toBe('edited once');
    // The consent now names userInfo only: messages are withdrawn, the stored copy erased, the edit dropped.
    await grant(app, 'carol', ['userInfo']);
    expect((await edit('edited twice')).body).toMatchObject(OK);
    await lambda.settled();
    expect(await messagesOf(app, 'carol')).toEqual([]);
  });

  it('a grant leaving out a category withdraws it: that category is erased, the other kept, the history says so', async () => {
    const app = await registerCallbackApp(appStore, REQUIRED);
    await grant(app, 'fay');
    await profile(app, 'fay', 'Fay');
    await send(app, c2cMessage({ From_Account: 'fay' }));
    expect(await storedFor(db.doc, db.tables.personal, app, 'fay')).toEqual({ userInfo: 1, messages: 1 });

    const narrowed = await grant(app, 'fay', ['userInfo']);
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toMatchObject({ categories: ['userInfo'], deletionRequestId: expect.any(String) });
    await lambda.settled();
    expect(await storedFor(db.doc, db.tables.personal, app, 'fay')).toEqual({ userInfo: 1, messages: 0 });
    const record = await consentRoute('GET', app, 'fay');
    expect(
      (record.body.history as Array<{ action: string; categories: string[] }>).map(
        ({ action, categories }) => ({ action, categories }),
      ),
    ).toEqual([
      { action: 'granted', categories: ['userInfo', 'messages'] },
      { action: 'withdrawn', categories: ['messages'] },
      { action: 'granted', categories: ['userInfo'] },
    ]);
    const request = await deletionRequestOf(app, narrowed.body.deletionRequestId);
    expect(request.body).toMatchObject({
      status: 'completed',
      categories: ['messages'],
      deleted: { messages: 1, userInfo: 0 },
    });
    // The same or a wider grant withdraws nothing and files nothing.
    const widened = await grant(app, 'fay', ['userInfo', 'messages']);
    expect(widened.status).toBe(200);
    expect(widened.body.deletionRequestId).toBeUndefined();
  });

  it('never reads a consent for an app that does not require one; one lookup per callback for an app that does', async () => {
    const free = await registerCallbackApp(appStore);
    const required = await registerCallbackApp(appStore, REQUIRED);
    lookups.length = 0;
    await send(free, c2cMessage({ From_Account: 'dave' }));
    await profile(free, 'dave', 'Dave');
    await send(free, groupMessage({ From_Account: 'dave' }));
    expect(lookups).toEqual([]);
    expect(await storedFor(db.doc, db.tables.personal, free, 'dave')).toEqual({ userInfo: 1, messages: 2 });
    await send(required, c2cMessage({ From_Account: 'dave' }));
    await profile(required, 'dave', 'Dave');
    expect(lookups).toEqual([required, required]);
  });

  it('switching an app to required hides at once what accounts stored before, and stores consented ones again', async () => {
    const app = await registerCallbackApp(appStore);
    const before = c2cMessage({ From_Account: 'erin' });
    await send(app, before);
    // Set a few seconds ago: a cut's limit is rounded up to the whole second, like every expiry.
    await profile(app, 'erin', 'Erin', Date.now() - 3000);
    const exportOf = async () =>
      (
        await callRoute(
          userData,
          'GET',
          { template: '/apps/{sdkAppId}/users/{account}/data', params: { sdkAppId: app, account: 'erin' } },
          { query: adminQuery(app, SECRET) },
        )
      ).body;
    expect(await exportOf()).toMatchObject({ userInfo: { nickname: 'Erin' }, messages: [{}] });

    const patched = await callRoute(
      apps,
      'PATCH',
      { template: '/apps/{sdkAppId}/privacy', params: { sdkAppId: app } },
      { query: adminQuery(app, SECRET), body: { consent: 'required' } },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.privacy).toMatchObject({ consent: 'required' });
    expect(await exportOf()).toMatchObject({ userInfo: null, messages: [] });

    await grant(app, 'erin', ['messages']);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // MsgTime is whole seconds: past the cut.
    const later = c2cMessage({ From_Account: 'erin' });
    await send(app, later);
    expect(((await exportOf()).messages as Array<{ msgKey: string }>).map((m) => m.msgKey)).toEqual([
      later.MsgKey,
    ]);
  });

  it('switching to required spares accounts consenting at the switch; others lose what they stored, even consenting later', async () => {
    const app = await registerCallbackApp(appStore);
    const accounts = ['gus', 'hal', 'ivy'] as const;
    const sent = new Map<string, string>();
    for (const account of accounts) {
      const message = c2cMessage({ From_Account: account });
      sent.set(account, String(message.MsgKey));
      await send(app, message);
      await profile(app, account, account.toUpperCase(), Date.now() - 3000);
    }
    expect((await grant(app, 'gus')).status).toBe(200); // consenting before the requirement
    const exportOf = async (account: string) =>
      (
        await callRoute(
          userData,
          'GET',
          { template: '/apps/{sdkAppId}/users/{account}/data', params: { sdkAppId: app, account } },
          { query: adminQuery(app, SECRET) },
        )
      ).body as { userInfo: { nickname?: string } | null; messages: Array<{ msgKey: string }> };
    const appExport = async () => {
      const exporter = (await import('../../../functions/app-export/handler.js'))
        .handler as unknown as Handler;
      const whole = {
        userInfo: [] as Array<{ account: string }>,
        messages: [] as Array<{ account: string }>,
      };
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = { ...adminQuery(app, SECRET), ...(cursor ? { cursor } : {}) };
        const route = { template: '/apps/{sdkAppId}/export', params: { sdkAppId: app } };
        const page = (await callRoute(exporter, 'GET', route, { query })).body as typeof whole & {
          nextCursor: string | null;
        };
        whole.userInfo.push(...page.userInfo);
        whole.messages.push(...page.messages);
        cursor = page.nextCursor;
      } while (cursor);
      return whole;
    };

    const patched = await callRoute(
      apps,
      'PATCH',
      { template: '/apps/{sdkAppId}/privacy', params: { sdkAppId: app } },
      { query: adminQuery(app, SECRET), body: { consent: 'required' } },
    );
    expect(patched.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the cut's settle lead
    expect((await grant(app, 'ivy')).status).toBe(200); // consenting after it

    const gus = await exportOf('gus');
    expect(gus.userInfo).toMatchObject({ nickname: 'GUS' });
    expect(gus.messages.map((m) => m.msgKey)).toEqual([sent.get('gus')]);
    for (const account of ['hal', 'ivy'])
      expect(await exportOf(account)).toMatchObject({ userInfo: null, messages: [] });
    const whole = await appExport();
    expect(whole.userInfo.map((p) => p.account)).toEqual(['gus']);
    expect(whole.messages.map((m) => m.account)).toEqual(['gus']);

    // expire moves the others' expiries and deletes them; the spared account's items keep theirs.
    const report = await runExpiry(createExpiryDeps(db.doc, db.tables), {
      now: new Date(Date.now() + 5000),
      graceSeconds: 0,
      dryRun: false,
      shouldStop: () => false,
      categories: ['messages', 'userInfo'],
    });
    expect(report.cuts.pending).toBe(0);
    expect(await storedFor(db.doc, db.tables.personal, app, 'gus')).toEqual({ userInfo: 1, messages: 1 });
    for (const account of ['hal', 'ivy'])
      expect(await storedFor(db.doc, db.tables.personal, app, account)).toEqual({ userInfo: 0, messages: 0 });
  });
});
