import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { callbackAppConfig, TEST_CALLBACK_TOKEN } from '../../support/tencent.js';
import { adminQuery, appsClient, operatorHeaders } from '../apps/client.js';

/**
 * GET /apps/{sdkAppId}/processing-record on DynamoDB Local: the record is the app's settings in force,
 * read through the real apps routes that change them; JSON by default, the page when asked for HTML.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const base = 1_400_740_000 + Math.floor(Math.random() * 9_000) * 10;
const APP = String(base + 1);
const OTHER = String(base + 2);
const TRTC_APP = String(base + 3);
const PURGED = String(base + 4);
const UNKNOWN = String(base + 5);
const SECRET = 'secret-key-for-callback-tests-0123456789';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface Activity {
  id: string;
  retention: Record<string, unknown>;
  storage: { mode: string; reason: string };
  recipients: Array<{ id: string }>;
  sensitiveData: { mode: string | null; handling: string };
  consent: string;
  location: { dataCenter: string };
  technicalMeasures: { backups: { restorableDays: number }; encryptionAtRest: { sseType: string } };
}

describe('GET /apps/{sdkAppId}/processing-record', () => {
  let database: TestDatabase;
  let apps: ReturnType<typeof appsClient>;
  let getRecord: Handler;

  const call = async (
    sdkAppId: string,
    auth: { operator?: boolean; adminOf?: string } = {},
    headers: Record<string, string> = {},
  ) => {
    const answer = (await getRecord(
      httpEvent('GET', `/apps/${sdkAppId}/processing-record`, {
        routePath: '/apps/{sdkAppId}/processing-record',
        pathParameters: { sdkAppId },
        query: auth.adminOf ? adminQuery(auth.adminOf, SECRET) : {},
        headers: { ...(auth.operator ? operatorHeaders : {}), ...headers },
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const raw = answer.body ?? '';
    const contentType = String(answer.headers?.['content-type'] ?? '');
    return {
      status: answer.statusCode,
      contentType,
      headers: answer.headers ?? {},
      raw,
      body: contentType.includes('json') && raw ? JSON.parse(raw) : undefined,
    };
  };
  const activities = async (sdkAppId: string) => {
    const { status, body } = await call(sdkAppId, { adminOf: sdkAppId });
    expect(status).toBe(200);
    return Object.fromEntries((body.categories as Activity[]).map((a) => [a.id, a])) as Record<
      string,
      Activity
    >;
  };
  const put = async (sdkAppId: string, overrides: Parameters<typeof callbackAppConfig>[0]) => {
    const answer = await apps('PUT', `/apps/${sdkAppId}`, {
      headers: operatorHeaders,
      body: callbackAppConfig(overrides),
    });
    expect(answer.status, answer.raw).toBe(200);
  };
  const patch = async (sdkAppId: string, body: unknown) => {
    const answer = await apps('PATCH', `/apps/${sdkAppId}/privacy`, {
      query: adminQuery(sdkAppId, SECRET),
      body,
    });
    expect(answer.status, answer.raw).toBe(200);
  };

  beforeAll(async () => {
    database = await createTestDatabase({ APP_CACHE_SECONDS: '0' });
    apps = appsClient((await import('../../../functions/apps/handler.js')).handler as unknown as Handler);
    getRecord = (await import('../../../functions/processing-record/handler.js'))
      .handler as unknown as Handler;
    await put(APP, {
      appName: 'Demo chat',
      trtc: { sharingConsent: true, subscribed: false },
      privacy: { messages: { mode: 'stored', retentionDays: 30 }, sensitiveData: 'reject' },
    });
    await put(OTHER, { appName: 'Other chat' });
    await put(TRTC_APP, { appName: 'Video chat', trtc: { sharingConsent: true, subscribed: true } });
    await put(PURGED, { appName: 'Gone chat' });
    const terminated = await apps('POST', `/apps/${PURGED}/termination`, {
      headers: operatorHeaders,
      body: { terminatedAt: '2020-01-01T00:00:00Z' },
    });
    expect(terminated.status, terminated.raw).toBe(200);
  });
  afterAll(async () => database?.drop());

  it('gives the app admin the JSON record with the retention and modes it configured', async () => {
    const { status, contentType, headers, body } = await call(APP, { adminOf: APP });
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(headers).toMatchObject({ 'cache-control': 'no-store', vary: 'Accept' });
    expect(body).toMatchObject({
      record: 'GDPR art. 30(2)',
      controller: { sdkAppId: APP, appName: 'Demo chat' },
      app: {
        status: 'active',
        purgeAt: null,
        dataCenter: 'local',
        residentHere: true,
        sharesWithTrtc: false,
      },
    });
    const byId = await activities(APP);
    expect(Object.keys(byId)).toEqual(['log', 'monitoring', 'config', 'userInfo', 'messages']);
    expect(byId.messages).toMatchObject({
      retention: { kind: 'customerSet', days: 30, isDefault: false },
      storage: { mode: 'stored', reason: 'setting' },
      sensitiveData: { mode: 'reject', handling: 'rejected' },
      consent: 'notRequired',
      location: { dataCenter: 'local' },
    });
    expect(byId.userInfo).toMatchObject({
      retention: { kind: 'customerSet', days: 7, isDefault: true },
      sensitiveData: { mode: 'reject', handling: 'masked' },
    });
    expect(byId.log?.retention).toEqual({ kind: 'days', days: 7 });
    expect(byId.monitoring?.retention).toEqual({ kind: 'days', days: 2 });
    for (const activity of Object.values(byId)) {
      expect(activity.technicalMeasures).toMatchObject({
        encryptionAtRest: { sseType: 'KMS' },
        backups: { restorableDays: 7 },
      });
    }
  });

  it('gives the operator the same record, for any app', async () => {
    const asAdmin = await call(APP, { adminOf: APP });
    const asOperator = await call(APP, { operator: true });
    expect(asOperator.status).toBe(200);
    expect({ ...asOperator.body, generatedAt: 0 }).toEqual({ ...asAdmin.body, generatedAt: 0 });
    expect((await call(OTHER, { operator: true })).body.controller.appName).toBe('Other chat');
  });

  it('answers the bilingual page when Accept prefers text/html', async () => {
    const { status, contentType, headers, raw } = await call(
      APP,
      { adminOf: APP },
      { accept: BROWSER_ACCEPT },
    );
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/html/);
    expect(headers).toMatchObject({ vary: 'Accept' });
    expect(raw).toMatch(/^<!doctype html>/);
    expect(raw).toContain('Demo chat');
    expect(raw).toContain('处理活动记录');
    expect(raw).toContain('record of processing activities');
    for (const id of ['log', 'monitoring', 'config', 'userInfo', 'messages']) {
      expect(raw).toContain(`data-category="${id}"`);
    }
    expect(raw).toContain('30 days (set by the customer)');
    expect(raw).toContain('30 天（客户设置）');
    expect(raw).toContain('messages with sensitive data refused');
    expect(raw).not.toMatch(/<(script|link|img)\b/);
    // A client that accepts both equally, or anything, gets JSON.
    expect((await call(APP, { adminOf: APP }, { accept: '*/*' })).contentType).toMatch(/json/);
  });

  it('follows a settings change at once: a notStored app says so', async () => {
    await patch(OTHER, { messages: { mode: 'notStored' }, userInfo: { mode: 'stored', retentionDays: 90 } });
    const byId = await activities(OTHER);
    expect(byId.messages).toMatchObject({
      retention: { kind: 'notStored' },
      storage: { mode: 'notStored', reason: 'setting' },
    });
    expect(byId.userInfo?.retention).toEqual({ kind: 'customerSet', days: 90, isDefault: false });
    const page = await call(OTHER, { adminOf: OTHER }, { accept: 'text/html' });
    expect(page.raw).toContain('not stored: processed only in transit');

    await patch(OTHER, { messages: { mode: 'stored', retentionDays: 14 } });
    expect((await activities(OTHER)).messages?.retention).toEqual({
      kind: 'customerSet',
      days: 14,
      isDefault: false,
    });
  });

  it('names TRTC as a recipient of app information only when the app agreed and subscribes (P5)', async () => {
    const withoutTrtc = await activities(APP);
    for (const activity of Object.values(withoutTrtc)) expect(activity.recipients).toEqual([]);
    const withTrtc = await activities(TRTC_APP);
    expect(withTrtc.config?.recipients.map((r) => r.id)).toEqual(['trtc']);
    for (const id of ['log', 'monitoring', 'userInfo', 'messages'])
      expect(withTrtc[id]?.recipients).toEqual([]);
    expect((await call(APP, { adminOf: APP }, { accept: 'text/html' })).raw).not.toContain(
      'Real-Time Communication',
    );
    expect((await call(TRTC_APP, { adminOf: TRTC_APP }, { accept: 'text/html' })).raw).toContain(
      'Tencent Real-Time Communication (TRTC) (P5: agreed and subscribed)',
    );
  });

  it('never carries a secret or the admin account, in JSON or HTML', async () => {
    for (const headers of [{}, { accept: 'text/html' }] as Record<string, string>[]) {
      for (const auth of [{ adminOf: APP }, { operator: true }]) {
        const { status, raw } = await call(APP, auth, headers);
        expect(status).toBe(200);
        for (const secret of [SECRET, TEST_CALLBACK_TOKEN, 'callback.example.com', 'administrator']) {
          expect(raw).not.toContain(secret);
        }
      }
    }
  });

  it('answers 404 to the operator for an unknown or purged app', async () => {
    for (const sdkAppId of [UNKNOWN, PURGED]) {
      const { status, contentType, body } = await call(sdkAppId, { operator: true });
      expect(status).toBe(404);
      expect(contentType).toMatch(/problem\+json/);
      expect(body.detail).toMatch(/^sdkAppId: /);
    }
  });

  it('answers 401 without credentials and 403 to the admin of another app', async () => {
    expect((await call(APP)).status).toBe(401);
    expect((await call(APP, {}, { accept: 'text/html' })).status).toBe(401);
    expect((await call(APP, {}, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await call(OTHER, { adminOf: APP })).status).toBe(403);
  });
});
