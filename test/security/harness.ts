import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import type { TestDatabase } from '../support/database.js';
import { lambdaContext } from '../support/events.js';

/** What a handler answered, parsed once. */
export interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly raw: string;
  readonly body: Record<string, unknown>;
}

type AnyHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
  callback?: () => void,
) => Promise<unknown>;

export async function invoke(handler: AnyHandler, event: APIGatewayProxyEventV2): Promise<Answer> {
  const response = (await handler(
    event,
    lambdaContext(),
    () => undefined,
  )) as APIGatewayProxyStructuredResultV2;
  const raw = response.body ?? '';
  let body: Record<string, unknown> = {};
  try {
    body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    body = { unparsable: raw.slice(0, 200) };
  }
  return {
    status: response.statusCode ?? 0,
    contentType: response.headers?.['content-type'] as string | undefined,
    raw,
    body,
  };
}

/**
 * How many items a test table holds. A Scan is fine here: it is the test's own small table and this is
 * the one way to prove that nothing at all was written, whatever key a bug might have used.
 */
export async function itemCount(db: TestDatabase, table: keyof TestDatabase['tables']): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({
        TableName: db.tables[table],
        Select: 'COUNT',
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** A refused callback: the given 4xx, Tencent's FAIL format, and an ErrorInfo that says why. */
export function expectCallbackRefusal(answer: Answer, statuses: readonly number[] = [400]) {
  expect(statuses, `status ${answer.status}: ${answer.raw.slice(0, 300)}`).toContain(answer.status);
  expect(answer.body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: answer.status });
  expect(typeof answer.body.ErrorInfo).toBe('string');
  expect((answer.body.ErrorInfo as string).length).toBeGreaterThan(3);
}

/** A refused admin request: the given 4xx as RFC 9457 problem+json with a detail that says why. */
export function expectProblem(answer: Answer, statuses: readonly number[]) {
  expect(statuses, `status ${answer.status}: ${answer.raw.slice(0, 300)}`).toContain(answer.status);
  expect(answer.contentType).toBe('application/problem+json');
  expect(answer.body.status).toBe(answer.status);
  expect(typeof answer.body.detail).toBe('string');
  expect((answer.body.detail as string).length).toBeGreaterThan(3);
}

/** Nothing a request carried may have reached Object.prototype. */
export function expectPrototypeUntouched() {
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'sdkAppId', 'status', 'x']) expect(probe[key]).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

/** Keys an attacker uses to reach prototypes through naive merges. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A JSON text with `key` as an own property at the top level and nested, whatever JSON.stringify would do. */
export function withPollutingKeys(base: Record<string, unknown>, key: string): string {
  const text = JSON.stringify(base);
  const payload = `"${key}":{"polluted":"yes","isAdmin":true,"prototype":{"polluted":"yes"}}`;
  return `{${payload},${text.slice(1, -1)},"nested":{${payload}}}`;
}
