import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type DomainError,
  InvalidCursorError,
  RecordNotFoundError,
  StateConflictError,
  StoreError,
} from '../../../lib/errors.js';
import { domainErrors } from '../../../lib/http/domain-errors.js';
import { problemJson } from '../../../lib/http/problem.js';
import { tencentAnswer } from '../../../lib/http/tencent-answer.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

const failing = (error: Error) => async () => {
  throw error;
};

async function answerOf(edge: 'problem' | 'tencent', error: Error) {
  const handler = middy()
    .use(edge === 'problem' ? problemJson() : tencentAnswer())
    .use(domainErrors())
    .handler(failing(error));
  const answer = (await handler(
    httpEvent('GET', '/x'),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: answer.statusCode, body: JSON.parse(answer.body ?? '{}') };
}

describe('domain refusals become client errors at the edge, their detail kept', () => {
  it.each([
    [new RecordNotFoundError('sdkAppId: app 1 is not registered'), 404, 'Not Found'],
    [new StateConflictError('account: its consent is being changed concurrently; retry'), 409, 'Conflict'],
    [new InvalidCursorError('cursor: not a cursor this route returned'), 400, 'Bad Request'],
  ] as Array<[DomainError, number, string]>)('%s → problem+json %i', async (error, status, title) => {
    expect(await answerOf('problem', error)).toEqual({
      status,
      body: { type: 'about:blank', title, status, detail: error.detail },
    });
  });

  it("answers in Tencent's format on the callback edge", async () => {
    const error = new StateConflictError('MsgKey: changed concurrently');
    expect(await answerOf('tencent', error)).toEqual({
      status: 409,
      body: { ActionStatus: 'FAIL', ErrorCode: 409, ErrorInfo: error.detail },
    });
  });

  it('leaves a store failure a 500 without internals', async () => {
    const answer = await answerOf('problem', new StoreError('apps get failed'));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain('apps get');
  });
});
