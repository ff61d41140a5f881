import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/dynamodb-local.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { TEST_AUDIT_HMAC_KEY, TEST_OPERATOR_TOKEN } from '../support/database.js';

/** Drives the running local stack (`npm start`'s code path) over real HTTP, on random ports, in memory. */
describe('local stack over HTTP', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: await freePort(),
      lambdaPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: undefined,
      operatorToken: TEST_OPERATOR_TOKEN,
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
      dataCenter: 'local',
      quiet: true,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves GET /policy with the five categories of CONTRACT.md', async () => {
    const response = await fetch(`${stack.httpUrl}/policy`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { categories: Array<{ id: string; retention: unknown }> };
    expect(body.categories.map((category) => [category.id, category.retention])).toEqual([
      ['log', { days: 7 }],
      ['monitoring', { days: 2 }],
      ['config', { monthsAfterTermination: 2 }],
      ['userInfo', expect.objectContaining({ defaultDays: 7, customerSet: true, notStoredOption: true })],
      ['messages', expect.objectContaining({ defaultDays: 7, customerSet: true, notStoredOption: true })],
    ]);
  });

  it('serves GET /privacy as a bilingual HTML page', async () => {
    const response = await fetch(`${stack.httpUrl}/privacy`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toContain('数据保存期限');
    expect(page).toContain('Data retention schedule');
  });

  it('invokes a function by its serverless.yml key through the Lambda Invoke API', async () => {
    const response = await fetch(`${stack.lambdaUrl}/2015-03-31/functions/policy/invocations`, {
      method: 'POST',
      body: JSON.stringify({
        version: '2.0',
        rawPath: '/policy',
        requestContext: { http: { method: 'GET' } },
      }),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).categories).toHaveLength(5);
  });
});
