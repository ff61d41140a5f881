import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AppTerminatedEvent,
  TerminationEventResult,
} from '../../../functions/termination-events/handler.js';
import { authenticateCallback, callbackSign } from '../../../lib/auth/callback-signature.js';
import { BadRequestError, ForbiddenError } from '../../../lib/errors.js';
import { configPurgeAt } from '../../../lib/policy/retention.js';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import { fullConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { appsClient, operatorHeaders } from '../apps/client.js';

const daysAgo = (days: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - days * 86_400_000);

function appTerminated(detail: unknown): AppTerminatedEvent {
  return {
    version: '0',
    id: `evt-${Math.random().toString(36).slice(2)}`,
    'detail-type': 'AppTerminated',
    source: 'im.billing',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

describe('termination-events: EventBridge im.billing AppTerminated', () => {
  let db: TestDatabase;
  let appStore: AppStore;
  let onEvent: (event: AppTerminatedEvent) => Promise<TerminationEventResult>;
  let call: ReturnType<typeof appsClient>;

  beforeAll(async () => {
    db = await createTestDatabase();
    appStore = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    const { handler } = await import('../../../functions/termination-events/handler.js');
    onEvent = (event) => handler(event, lambdaContext());
    call = appsClient((await import('../../../functions/apps/handler.js')).handler);
  });
  afterAll(async () => db.drop());

  async function registered(): Promise<string> {
    const id = newSdkAppId();
    await appStore.put(id, fullConfig(), new Date());
    return id;
  }

  it('terminates the app at the given time, purge two calendar months later', async () => {
    const id = await registered();
    const result = await onEvent(appTerminated({ sdkAppId: id, terminatedAt: '2025-12-31T08:00:00Z' }));
    expect(result).toEqual({
      status: 'terminated',
      sdkAppId: id,
      terminatedAt: '2025-12-31T08:00:00.000Z',
      purgeAt: '2026-02-28T08:00:00.000Z',
      repeated: false,
    });
    expect(await appStore.get(id, new Date('2026-01-15T00:00:00Z'))).toMatchObject({ status: 'terminated' });
  });

  it('defaults terminatedAt to now and accepts a numeric sdkAppId', async () => {
    const id = await registered();
    const before = Date.now();
    const result = await onEvent(appTerminated({ sdkAppId: Number(id) }));
    expect(result.status).toBe('terminated');
    if (result.status !== 'terminated') return;
    expect(Date.parse(result.terminatedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(result.terminatedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('is the same termination as the HTTP route: whichever comes second sees the first', async () => {
    const first = daysAgo(10);
    const second = daysAgo(5);
    const expected = {
      status: 'terminated',
      terminatedAt: first.toISOString(),
      purgeAt: configPurgeAt(first).toISOString(),
    };
    const byEventFirst = await registered();
    await onEvent(appTerminated({ sdkAppId: byEventFirst, terminatedAt: first.toISOString() }));
    const http = await call('POST', `/apps/${byEventFirst}/termination`, {
      headers: operatorHeaders,
      body: { terminatedAt: second.toISOString() },
    });
    expect(http).toMatchObject({ status: 200, body: expected });

    const byHttpFirst = await registered();
    await call('POST', `/apps/${byHttpFirst}/termination`, {
      headers: operatorHeaders,
      body: { terminatedAt: first.toISOString() },
    });
    const event = await onEvent(appTerminated({ sdkAppId: byHttpFirst, terminatedAt: second.toISOString() }));
    expect(event).toEqual({ ...expected, sdkAppId: byHttpFirst, repeated: true });
  });

  it('a redelivered event changes nothing', async () => {
    const id = await registered();
    const event = appTerminated({ sdkAppId: id });
    const first = await onEvent(event);
    const second = await onEvent(event);
    expect(second).toEqual({ ...first, repeated: true });
  });

  it("refuses the terminated app's callbacks afterwards (403)", async () => {
    const id = await registered();
    const requestTime = String(Math.floor(Date.now() / 1000));
    const query = {
      SdkAppid: id,
      RequestTime: requestTime,
      Sign: callbackSign(SECRETS.callbackToken, requestTime),
    };
    const check = () =>
      authenticateCallback(
        { queryStringParameters: query },
        { appStore, maxSkewSeconds: 60, now: new Date() },
      );
    await expect(check()).resolves.toMatchObject({ sdkAppId: id });
    await onEvent(appTerminated({ sdkAppId: id }));
    await expect(check()).rejects.toThrow(ForbiddenError);
  });

  it('drops an event for an unknown or purged app (nothing to retry)', async () => {
    const unknown = newSdkAppId();
    expect(await onEvent(appTerminated({ sdkAppId: unknown }))).toEqual({
      status: 'ignored',
      sdkAppId: unknown,
      reason: 'unknownApp',
    });
    const purged = await registered();
    await onEvent(appTerminated({ sdkAppId: purged, terminatedAt: '2020-01-01T00:00:00Z' }));
    expect((await onEvent(appTerminated({ sdkAppId: purged }))).status).toBe('ignored');
  });

  it.each([
    ['no detail', undefined, /./],
    ['no sdkAppId', { terminatedAt: '2026-01-01T00:00:00Z' }, /^sdkAppId: /],
    ['a non-numeric sdkAppId', { sdkAppId: 'abc' }, /^sdkAppId: /],
    ['a malformed terminatedAt', { sdkAppId: '1400000001', terminatedAt: 'last week' }, /^terminatedAt: /],
    [
      'a terminatedAt in the future',
      { sdkAppId: '1400000001', terminatedAt: new Date(Date.now() + 86_400_000).toISOString() },
      /^terminatedAt: must not be in the future/,
    ],
  ])('throws for %s, so EventBridge retries and the failure is visible', async (_name, detail, message) => {
    const id = await registered();
    const withApp =
      detail && typeof detail === 'object' && 'sdkAppId' in detail && detail.sdkAppId === '1400000001';
    const sent = withApp ? { ...detail, sdkAppId: id } : detail;
    const error = await onEvent(appTerminated(sent)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).detail).toMatch(message);
    expect(await appStore.get(id)).toMatchObject({ status: 'active' });
  });
});
