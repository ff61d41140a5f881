import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { correlationIds } from '../../../lib/http/correlation.js';
import { createLogger } from '../../../lib/log.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

/** Log lines written to stdout while `run` runs, parsed. */
async function logLines(run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

describe('correlationIds', () => {
  afterEach(() => vi.restoreAllMocks());

  it('tags every log line with the API Gateway request id, and forgets it after the request', async () => {
    const logger = createLogger('correlation-test');
    const handler = middy()
      .use(correlationIds({ logger }))
      .handler(async () => {
        logger.info('inside');
        return { statusCode: 200 };
      });
    const event = (requestId: string) => {
      const base = httpEvent('GET', '/openapi.json');
      return { ...base, requestContext: { ...base.requestContext, requestId } };
    };

    const first = await logLines(() => handler(event('req-one'), lambdaContext()));
    const second = await logLines(() => handler(event('req-two'), lambdaContext()));
    logger.info('between requests');

    expect(first.find((line) => line.message === 'inside')).toMatchObject({ correlation_id: 'req-one' });
    expect(second.find((line) => line.message === 'inside')).toMatchObject({ correlation_id: 'req-two' });
    expect(logger.getCorrelationId()).toBeUndefined();
  });

  it('falls back to the Lambda request id for scheduled and asynchronous invocations', async () => {
    const logger = createLogger('correlation-test');
    const handler = middy()
      .use(correlationIds({ logger }))
      .handler(async () => logger.info('scheduled'));
    const lines = await logLines(() => handler({}, lambdaContext({ awsRequestId: 'lambda-req-9' })));
    expect(lines.find((line) => line.message === 'scheduled')).toMatchObject({
      correlation_id: 'lambda-req-9',
    });
  });
});
