import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullConfig, minimalConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { adminQuery, appsClient, operatorHeaders } from './client.js';

describe('apps function: configuration, privacy, residency, sharing, termination', () => {
  let db: TestDatabase;
  let call: ReturnType<typeof appsClient>;
  beforeAll(async () => {
    db = await createTestDatabase({ DATA_CENTER: 'local' });
    const { handler } = await import('../../../functions/apps/handler.js');
    call = appsClient(handler);
  });
  afterAll(async () => db.drop());

  const register = (id: string, config: unknown = fullConfig()) =>
    call('PUT', `/apps/${id}`, { headers: operatorHeaders, body: config });

  describe('PUT /apps/{sdkAppId}', () => {
    it('registers an app and answers the stored config with every secret redacted', async () => {
      const id = newSdkAppId();
      const before = Date.now();
      const answer = await register(id);
      expect(answer.status).toBe(200);
      expect(answer.contentType).toMatch(/^application\/json/);
      const { secretKey: _s, callback: _c, offlinePush: _o, ...plain } = fullConfig();
      expect(answer.body).toMatchObject({
        sdkAppId: id,
        status: 'active',
        terminatedAt: null,
        purgeAt: null,
        config: {
          ...plain,
          secretKeySet: true,
          callback: { enabled: true, url: 'https://callback.example.com/im', tokenSet: true },
          offlinePush: [
            { platform: 'android', packageName: 'com.example.chat', appId: '1001', appSecretSet: true },
          ],
        },
      });
      expect(Date.parse(answer.body.createdAt as string)).toBeGreaterThanOrEqual(before - 1000);
      expect(answer.body.updatedAt).toBe(answer.body.createdAt);
      for (const secret of Object.values(SECRETS)) expect(answer.raw).not.toContain(secret);
    });

    it('reads back the same redacted config by GET (operator and app admin)', async () => {
      const id = newSdkAppId();
      const put = await register(id);
      const byOperator = await call('GET', `/apps/${id}`, { headers: operatorHeaders });
      const byAdmin = await call('GET', `/apps/${id}`, { query: adminQuery(id, SECRETS.secretKey) });
      expect(byOperator).toMatchObject({ status: 200, body: put.body });
      expect(byAdmin).toMatchObject({ status: 200, body: put.body });
      for (const secret of Object.values(SECRETS)) expect(byAdmin.raw).not.toContain(secret);
    });

    it('ignores client-sent times: createdAt stays, updatedAt moves', async () => {
      const id = newSdkAppId();
      const first = await register(id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await register(id, minimalConfig({ appName: 'Renamed' }));
      expect(second.body.createdAt).toBe(first.body.createdAt);
      expect(Date.parse(second.body.updatedAt as string)).toBeGreaterThan(
        Date.parse(first.body.createdAt as string),
      );
      expect((second.body.config as { appName: string }).appName).toBe('Renamed');
      const refused = await register(id, { ...minimalConfig(), createdAt: '2020-01-01T00:00:00Z' });
      expect(refused.status).toBe(400);
    });

    it.each([
      ['appName missing', { ...minimalConfig(), appName: undefined }, /^appName: /],
      ['secretKey missing', { ...minimalConfig(), secretKey: undefined }, /^secretKey: /],
      ['adminAccount missing', { ...minimalConfig(), adminAccount: undefined }, /^adminAccount: /],
      ['dataCenter missing', { ...minimalConfig(), dataCenter: undefined }, /^dataCenter: /],
      ['recentContactsPull below 100', minimalConfig({ recentContactsPull: 99 }), /^recentContactsPull: /],
      ['recentContactsPull above 500', minimalConfig({ recentContactsPull: 501 }), /^recentContactsPull: /],
      [
        'recentContactsPull not an integer',
        minimalConfig({ recentContactsPull: 150.5 }),
        /^recentContactsPull: /,
      ],
      [
        'addFriendDefaultVerification unknown',
        { ...minimalConfig(), addFriendDefaultVerification: 'Maybe' },
        /^addFriendDefaultVerification: /,
      ],
      [
        'retentionDays 0',
        minimalConfig({ privacy: { messages: { mode: 'stored', retentionDays: 0 } } }),
        /^privacy\.messages\.retentionDays: /,
      ],
      [
        'retentionDays above 3650',
        minimalConfig({ privacy: { userInfo: { mode: 'stored', retentionDays: 3651 } } }),
        /^privacy\.userInfo\.retentionDays: /,
      ],
      [
        'an unknown storage mode',
        { ...minimalConfig(), privacy: { userInfo: { mode: 'kept' } } },
        /^privacy\.userInfo\.mode: /,
      ],
      [
        'an unknown D5 mode',
        { ...minimalConfig(), privacy: { sensitiveData: 'redact' } },
        /^privacy\.sensitiveData: /,
      ],
      [
        'trtc without subscribed',
        { ...minimalConfig(), trtc: { sharingConsent: true } },
        /^trtc\.subscribed: /,
      ],
      [
        'callback.url not a URL',
        { ...minimalConfig(), callback: { enabled: true, url: 'not a url' } },
        /^callback\.url: /,
      ],
      [
        'offlinePush without platform',
        { ...minimalConfig(), offlinePush: [{ packageName: 'x' }] },
        /^offlinePush\.0\.platform: /,
      ],
      ['an unknown field', { ...minimalConfig(), colour: 'blue' }, /^unknown field colour/],
      ['a misspelt nested field', { ...minimalConfig(), recall: { timeLimit: 5 } }, /recall/],
      ['a non-object body', ['appName'], /./],
    ])('answers 400 problem+json naming the field for %s', async (_name, body, detail) => {
      const answer = await register(newSdkAppId(), body);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(answer.body.detail).toMatch(detail);
    });

    it('answers 400 for a body that is not JSON, and for a malformed sdkAppId', async () => {
      const notJson = await call('PUT', `/apps/${newSdkAppId()}`, {
        headers: operatorHeaders,
        body: '{"appName":',
      });
      expect(notJson).toMatchObject({ status: 400, body: { detail: 'body: not valid JSON' } });
      const badId = await call('PUT', '/apps/not-a-number', {
        headers: operatorHeaders,
        body: minimalConfig(),
      });
      expect(badId).toMatchObject({ status: 400, body: { detail: 'sdkAppId: must be a positive integer' } });
    });

    it('never echoes a secret in a validation error', async () => {
      const answer = await register(newSdkAppId(), {
        ...minimalConfig(),
        recentContactsPull: SECRETS.secretKey,
      });
      expect(answer.status).toBe(400);
      expect(answer.raw).not.toContain(SECRETS.secretKey);
    });
  });

  describe('derived facts', () => {
    it.each([
      ['local', true],
      ['ap-singapore', false],
    ])('P1: dataCenter %s gives residentHere %s in a deployment at "local"', async (dataCenter, resident) => {
      const id = newSdkAppId();
      const answer = await register(id, minimalConfig({ dataCenter }));
      expect(answer.body).toMatchObject({
        residentHere: resident,
        dataCenter: { app: dataCenter, deployment: 'local' },
      });
    });

    it.each([
      [{ sharingConsent: true, subscribed: true }, true],
      [{ sharingConsent: true, subscribed: false }, false],
      [{ sharingConsent: false, subscribed: true }, false],
      [{ sharingConsent: false, subscribed: false }, false],
      [undefined, false],
    ])('P5: trtc %o shares with TRTC: %s', async (trtc, shares) => {
      const answer = await register(newSdkAppId(), minimalConfig(trtc ? { trtc } : {}));
      expect(answer.body.sharing).toEqual({ trtc: shares });
    });

    it('answers the D1/D2/D5/D6 settings with defaults filled in', async () => {
      const answer = await register(newSdkAppId(), minimalConfig());
      expect(answer.body.privacy).toEqual({
        userInfo: { mode: 'stored', retentionDays: 7 },
        messages: { mode: 'stored', retentionDays: 7 },
        sensitiveData: 'mask',
        consent: 'notRequired',
      });
    });
  });

  describe('PATCH /apps/{sdkAppId}/privacy', () => {
    it('sets privacy.consent (D6) by PATCH and by PUT, and refuses a value it does not know', async () => {
      const id = newSdkAppId();
      await register(id);
      const query = () => adminQuery(id, SECRETS.secretKey);
      const patched = await call('PATCH', `/apps/${id}/privacy`, {
        query: query(),
        body: { consent: 'required' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.privacy).toMatchObject({ consent: 'required', sensitiveData: 'reject' });
      const wrong = await call('PATCH', `/apps/${id}/privacy`, {
        query: query(),
        body: { consent: 'maybe' },
      });
      expect(wrong.status).toBe(400);
      const put = await register(id, minimalConfig({ privacy: { consent: 'notRequired' } }));
      expect(put.body.privacy).toMatchObject({ consent: 'notRequired' });
    });

    it('lets the app admin change D1/D2/D5, keeping what was not sent', async () => {
      const id = newSdkAppId();
      await register(id);
      const answer = await call('PATCH', `/apps/${id}/privacy`, {
        query: adminQuery(id, SECRETS.secretKey),
        body: { messages: { mode: 'stored', retentionDays: 90 }, sensitiveData: 'flag' },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.privacy).toEqual({
        userInfo: { mode: 'stored', retentionDays: 30 },
        messages: { mode: 'stored', retentionDays: 90 },
        sensitiveData: 'flag',
        consent: 'notRequired',
      });
      const read = await call('GET', `/apps/${id}`, { headers: operatorHeaders });
      expect(read.body.privacy).toEqual(answer.body.privacy);
      expect(Date.parse(read.body.updatedAt as string)).toBeGreaterThanOrEqual(
        Date.parse(read.body.createdAt as string),
      );
    });

    it.each([
      ['an empty body', {}, /at least one of/],
      ['a P4 field', { appName: 'x' }, /^unknown field appName/],
      ['retentionDays 0', { userInfo: { mode: 'stored', retentionDays: 0 } }, /^userInfo\.retentionDays: /],
      ['an unknown mode', { sensitiveData: 'shout' }, /^sensitiveData: /],
    ])('answers 400 naming the field for %s', async (_name, body, detail) => {
      const id = newSdkAppId();
      await register(id);
      const answer = await call('PATCH', `/apps/${id}/privacy`, {
        query: adminQuery(id, SECRETS.secretKey),
        body,
      });
      expect(answer).toMatchObject({ status: 400, contentType: 'application/problem+json' });
      expect(answer.body.detail).toMatch(detail);
    });
  });

  describe('termination lifecycle over HTTP', () => {
    it('POST terminates now by default; purgeAt two calendar months later', async () => {
      const id = newSdkAppId();
      await register(id);
      const before = new Date();
      const answer = await call('POST', `/apps/${id}/termination`, { headers: operatorHeaders });
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['purgeAt', 'status', 'terminatedAt']);
      expect(answer.body.status).toBe('terminated');
      const terminatedAt = new Date(answer.body.terminatedAt as string);
      expect(terminatedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      const expected = new Date(terminatedAt);
      expected.setUTCDate(1);
      expected.setUTCMonth(expected.getUTCMonth() + 2);
      const lastDay = new Date(
        Date.UTC(expected.getUTCFullYear(), expected.getUTCMonth() + 1, 0),
      ).getUTCDate();
      expected.setUTCDate(Math.min(terminatedAt.getUTCDate(), lastDay));
      expect(answer.body.purgeAt).toBe(expected.toISOString());
    });

    it.each([
      ['2025-12-31T10:00:00Z', '2025-12-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z'],
      ['2023-12-31T00:00:00+08:00', '2023-12-30T16:00:00.000Z', '2024-02-29T16:00:00.000Z'],
      ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z', '2024-04-29T12:00:00.000Z'],
    ])('POST with terminatedAt %s records %s, purged at %s', async (sent, terminatedAt, purgeAt) => {
      const id = newSdkAppId();
      await register(id);
      const answer = await call('POST', `/apps/${id}/termination`, {
        headers: operatorHeaders,
        body: { terminatedAt: sent },
      });
      expect(answer).toMatchObject({ status: 200, body: { status: 'terminated', terminatedAt, purgeAt } });
    });

    it('a terminated app is still readable until its purge, with its termination', async () => {
      const id = newSdkAppId();
      await register(id);
      const terminated = await call('POST', `/apps/${id}/termination`, { headers: operatorHeaders });
      const read = await call('GET', `/apps/${id}`, { query: adminQuery(id, SECRETS.secretKey) });
      expect(read.body).toMatchObject({
        status: 'terminated',
        terminatedAt: terminated.body.terminatedAt,
        purgeAt: terminated.body.purgeAt,
      });
    });

    it('DELETE reactivates before the purge: 200 {"status":"active","purgeAt":null}', async () => {
      const id = newSdkAppId();
      await register(id);
      await call('POST', `/apps/${id}/termination`, { headers: operatorHeaders });
      const answer = await call('DELETE', `/apps/${id}/termination`, { headers: operatorHeaders });
      expect(answer).toMatchObject({ status: 200, body: { status: 'active', purgeAt: null } });
      const read = await call('GET', `/apps/${id}`, { headers: operatorHeaders });
      expect(read.body).toMatchObject({ status: 'active', purgeAt: null, terminatedAt: null });
    });

    it('an app whose purge time has passed is gone: GET, DELETE, POST answer 404', async () => {
      const id = newSdkAppId();
      await register(id);
      const terminated = await call('POST', `/apps/${id}/termination`, {
        headers: operatorHeaders,
        body: { terminatedAt: '2020-01-01T00:00:00Z' },
      });
      expect(terminated.body.purgeAt).toBe('2020-03-01T00:00:00.000Z');
      for (const [method, path] of [
        ['GET', `/apps/${id}`],
        ['DELETE', `/apps/${id}/termination`],
        ['POST', `/apps/${id}/termination`],
      ] as const) {
        const answer = await call(method, path, { headers: operatorHeaders });
        expect(answer, `${method} ${path}`).toMatchObject({
          status: 404,
          contentType: 'application/problem+json',
        });
      }
    });

    it.each([
      ['not a time', { terminatedAt: 'yesterday' }, /^terminatedAt: /],
      [
        'in the future',
        { terminatedAt: new Date(Date.now() + 86_400_000).toISOString() },
        /^terminatedAt: must not be in the future/,
      ],
      ['an unknown field', { reason: 'unpaid' }, /^unknown field reason/],
    ])('POST answers 400 for terminatedAt %s', async (_name, body, detail) => {
      const id = newSdkAppId();
      await register(id);
      const answer = await call('POST', `/apps/${id}/termination`, { headers: operatorHeaders, body });
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toMatch(detail);
    });

    it('answers 404 for an app never registered', async () => {
      const id = newSdkAppId();
      for (const [method, path] of [
        ['GET', `/apps/${id}`],
        ['POST', `/apps/${id}/termination`],
        ['DELETE', `/apps/${id}/termination`],
      ] as const) {
        expect((await call(method, path, { headers: operatorHeaders })).status).toBe(404);
      }
    });
  });
});
