import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { remainingBudgetMs, withinBudget } from '../../../functions/callback/budget.js';
import { failureAnswer } from '../../../functions/callback/failure-answer.js';
import { BadRequestError, ForbiddenError, StoreError, UnauthorizedError } from '../../../lib/errors.js';
import { tencentAnswer } from '../../../lib/http/tencent-answer.js';
import { callbackTime, retentionStart as createdAt } from '../../../lib/policy/event-time.js';
import type { AppRecord } from '../../../lib/store/apps.js';
import { httpEvent, lambdaContext } from '../../support/events.js';
import { callbackAppConfig } from '../../support/tencent.js';

const event = (command: string, sensitiveData?: 'off' | 'flag' | 'mask' | 'reject') => {
  const app: AppRecord = {
    sdkAppId: '1400000001',
    config: callbackAppConfig(sensitiveData ? { privacy: { sensitiveData } } : {}),
    status: 'active',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
  return Object.assign(httpEvent('POST', '/im/callback', { query: { CallbackCommand: command } }), {
    auth: { kind: 'imService', app },
  });
};

const parse = (response: { statusCode: number; body: string }) => ({
  status: response.statusCode,
  body: JSON.parse(response.body),
});

describe('failureAnswer', () => {
  it.each([
    ['C2C.CallbackBeforeSendMsg', 'mask', 200, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }],
    ['Group.CallbackBeforeSendMsg', 'flag', 200, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }],
    ['C2C.CallbackBeforeSendMsg', 'reject', 200, { ActionStatus: 'OK', ErrorCode: 120001 }],
    ['Group.CallbackBeforeSendMsg', 'reject', 200, { ActionStatus: 'OK', ErrorCode: 10100 }],
    ['C2C.CallbackAfterSendMsg', 'reject', 200, { ActionStatus: 'FAIL', ErrorCode: 1 }],
    ['Profile.CallbackPortraitSet', 'mask', 200, { ActionStatus: 'FAIL', ErrorCode: 1 }],
  ] as const)('answers a failed %s (%s mode) with %i %o', (command, mode, status, body) => {
    const answer = parse(failureAnswer(event(command, mode)));
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject(body);
  });

  it('fails a before-send open when the app is unknown (authentication itself failed)', () => {
    const unauthenticated = httpEvent('POST', '/im/callback', {
      query: { CallbackCommand: 'C2C.CallbackBeforeSendMsg' },
    });
    expect(parse(failureAnswer(unauthenticated)).body).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
    });
  });
});

describe('tencentAnswer middleware', () => {
  const run = (error: unknown) =>
    middy()
      .use(tencentAnswer())
      .handler(async () => {
        throw error;
      })(httpEvent('POST', '/im/callback'), lambdaContext()) as Promise<{ statusCode: number; body: string }>;

  it.each([
    [new BadRequestError('MsgKey: required'), 400],
    [new UnauthorizedError('Sign: not valid for this SdkAppid'), 401],
    [new ForbiddenError('SdkAppid: the app is terminated'), 403],
  ])('renders %s as HTTP %i FAIL with a non-zero ErrorCode and its detail', async (error, status) => {
    const answer = parse(await run(error));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ ActionStatus: 'FAIL', ErrorCode: status, ErrorInfo: error.detail });
  });

  it.each([new StoreError('message write failed'), new TypeError('x is undefined at /var/task/secret.js')])(
    'never leaks internals of %s',
    async (error) => {
      const answer = parse(await run(error));
      expect(answer).toEqual({
        status: 200,
        body: { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'the callback could not be processed' },
      });
    },
  );
});

describe('answer budget', () => {
  it('counts from when the gateway received the request, keeping a margin and a floor', () => {
    expect(remainingBudgetMs(10_000, 10_000)).toBe(1750);
    expect(remainingBudgetMs(10_000, 11_000)).toBe(750);
    expect(remainingBudgetMs(10_000, 19_000)).toBe(250);
    expect(remainingBudgetMs(undefined, 10_000)).toBe(1750);
    expect(remainingBudgetMs(20_000, 10_000)).toBe(1750);
  });

  it('settles by the deadline even when the work ignores its signal', async () => {
    const started = performance.now();
    await expect(withinBudget(50, () => new Promise(() => {}))).rejects.toThrow(/no answer within 50 ms/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('aborts the signal it gave the work', async () => {
    let signal: AbortSignal | undefined;
    await expect(
      withinBudget(20, (given) => {
        signal = given;
        return new Promise(() => {});
      }),
    ).rejects.toThrow();
    expect(signal?.aborted).toBe(true);
  });
});

describe('callback times', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('reads MsgTime in seconds and EventTime in milliseconds', () => {
    expect(callbackTime(1_557_481_126)?.toISOString()).toBe('2019-05-10T09:38:46.000Z');
    expect(callbackTime(1_670_574_414_123)?.toISOString()).toBe('2022-12-09T08:26:54.123Z');
    expect(callbackTime(undefined)).toBeUndefined();
    expect(callbackTime(0)).toBeUndefined();
  });

  it('takes the first known time, clamped to now', () => {
    expect(createdAt(now, undefined, 1_670_574_414_123).toISOString()).toBe('2022-12-09T08:26:54.123Z');
    expect(createdAt(now, 2_000_000_000)).toEqual(now);
    expect(createdAt(now)).toEqual(now);
  });
});
