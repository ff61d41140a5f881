import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

describe('GET /openapi.json', () => {
  let database: TestDatabase;
  let handler: typeof import('../../../functions/openapi/handler.js').handler;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ handler } = await import('../../../functions/openapi/handler.js'));
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('answers the OpenAPI 3.1 document to anyone, without credentials', async () => {
    const response = (await handler(
      httpEvent('GET', '/openapi.json'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body ?? '{}');
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/im/callback', '/apps/{sdkAppId}', '/openapi.json']),
    );
    expect(body.components.schemas.AppConfig.properties.privacy).toBeDefined();
  });
});
