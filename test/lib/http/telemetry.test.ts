import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, StoreError } from '../../../lib/errors.js';
import { apiName, appOf, callerIpOf, describeCause } from '../../../lib/http/telemetry.js';
import {
  classifyResponse,
  metricsWindow,
  minuteIso,
  minuteKey,
  toMetricsPoint,
} from '../../../lib/policy/monitoring.js';
import { httpEvent } from '../../support/events.js';

const callback = (query: Record<string, string>, sourceIp?: string) =>
  httpEvent('POST', '/im/callback', { query, ...(sourceIp ? { sourceIp } : {}) });

describe('classifyResponse (P3 outcome)', () => {
  it.each([
    ['a 200 JSON answer', { statusCode: 200, body: '{"ok":true}' }, { status: 200, success: true }],
    ['a 204', { statusCode: 204 }, { status: 204, success: true }],
    ['a 400 problem', { statusCode: 400, body: '{"title":"Bad Request"}' }, { status: 400, success: false }],
    ['a 500', { statusCode: 500 }, { status: 500, success: false }],
    [
      'a callback OK answer',
      { statusCode: 200, body: '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}' },
      { status: 200, success: true },
    ],
    [
      'a D5 reject (OK with a non-zero ErrorCode)',
      { statusCode: 200, body: '{"ActionStatus":"OK","ErrorCode":120001,"ErrorInfo":"rejected"}' },
      { status: 200, success: true },
    ],
    [
      'a FAIL answer with HTTP 200',
      { statusCode: 200, body: '{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"x"}' },
      { status: 200, success: false, errorCode: 1 },
    ],
    [
      'a FAIL answer with HTTP 401',
      { statusCode: 401, body: '{"ActionStatus":"FAIL","ErrorCode":60003,"ErrorInfo":"x"}' },
      { status: 401, success: false, errorCode: 60003 },
    ],
    [
      'an unstructured answer object',
      { ActionStatus: 'FAIL', ErrorCode: 2 },
      { status: 200, success: false, errorCode: 2 },
    ],
    ['nothing', undefined, { status: 200, success: true }],
  ])('%s', (_name, response, expected) => {
    expect(classifyResponse(response)).toEqual(expected);
  });
});

describe('P3 arithmetic', () => {
  it('success rate and average latency follow exactly from the counters', () => {
    expect(toMetricsPoint('2031-01-01T00:00', { requests: 8, failures: 2, latencyMsTotal: 100 })).toEqual({
      minute: '2031-01-01T00:00:00.000Z',
      requests: 8,
      successRate: 0.75,
      avgLatencyMs: 12.5,
    });
  });

  it('minute keys round-trip and sort in time order', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (a, b) => {
          const start = new Date(minuteIso(minuteKey(a)));
          expect(a.getTime() - start.getTime()).toBeGreaterThanOrEqual(0);
          expect(a.getTime() - start.getTime()).toBeLessThan(60_000);
          if (a < b) expect(minuteKey(a) <= minuteKey(b)).toBe(true);
        },
      ),
    );
  });

  it('clamps a metrics window to the last 2 days and to now', () => {
    const now = new Date('2031-01-10T12:00:30Z');
    expect(metricsWindow(now)).toEqual({ fromMinute: '2031-01-08T12:00', toMinute: '2031-01-10T12:00' });
    expect(
      metricsWindow(now, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2099-01-01T00:00:00Z') }),
    ).toEqual({
      fromMinute: '2031-01-08T12:00',
      toMinute: '2031-01-10T12:00',
    });
    expect(
      metricsWindow(now, { from: new Date('2031-01-10T11:00:10Z'), to: new Date('2031-01-10T11:30:59Z') }),
    ).toEqual({ fromMinute: '2031-01-10T11:00', toMinute: '2031-01-10T11:30' });
    expect(metricsWindow(now, { to: new Date('2031-01-01T00:00:00Z') })).toBeUndefined();
  });
});

describe('what P2 takes from a request', () => {
  it('names a callback by its command and an admin route by its route key, never the raw path', () => {
    expect(apiName(callback({ CallbackCommand: 'C2C.CallbackAfterSendMsg' }))).toBe(
      'im.callback:C2C.CallbackAfterSendMsg',
    );
    expect(apiName(callback({ CallbackCommand: 'x y <script>' }))).toBe('im.callback:invalid');
    const route = httpEvent('GET', '/apps/1400/users/alice/data', {
      routePath: '/apps/{sdkAppId}/users/{account}/data',
    });
    expect(apiName(route)).toBe('GET /apps/{sdkAppId}/users/{account}/data');
  });

  it('takes the app from the principal, the path, or the callback query', () => {
    expect(appOf({ ...httpEvent('GET', '/x'), auth: { kind: 'appAdmin', sdkAppId: '1400' } })).toBe('1400');
    expect(appOf(httpEvent('GET', '/apps/1500', { pathParameters: { sdkAppId: '1500' } }))).toBe('1500');
    expect(appOf(callback({ SdkAppid: '1600' }))).toBe('1600');
    expect(appOf(httpEvent('GET', '/policy'))).toBeUndefined();
    expect(appOf(callback({ SdkAppid: 'a#b' }))).toBeUndefined();
  });

  it("takes the caller's own source IP, never a callback's ClientIP (the end user's address)", () => {
    expect(callerIpOf(callback({ ClientIP: '198.51.100.9' }, '203.0.113.1'))).toBe('203.0.113.1');
    expect(callerIpOf(callback({ ClientIP: 'not-an-ip' }, '203.0.113.1'))).toBe('203.0.113.1');
    expect(callerIpOf(httpEvent('GET', '/policy', { sourceIp: '2001:db8::1' }))).toBe('2001:db8::1');
    expect(callerIpOf(httpEvent('GET', '/policy', { sourceIp: 'nope' }))).toBeUndefined();
  });

  it('keeps the detail of client errors only; a hidden error keeps its name alone', () => {
    expect(describeCause(new BadRequestError('MsgBody: required'))).toEqual({
      errorName: 'BadRequestError',
      errorMessage: 'MsgBody: required',
    });
    expect(describeCause(new StoreError('table t1 key secret-1'))).toEqual({ errorName: 'StoreError' });
    expect(describeCause(new Error('connection string with password'))).toEqual({ errorName: 'Error' });
    expect(describeCause(undefined)).toEqual({});
  });
});
