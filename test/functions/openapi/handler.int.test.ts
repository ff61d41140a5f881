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

  it('documents the consent routes (D6 with D4): grant, read and withdraw, with their bodies and answers', async () => {
    const response = (await handler(
      httpEvent('GET', '/openapi.json'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const body = JSON.parse(response.body ?? '{}');
    const consent = body.paths['/apps/{sdkAppId}/users/{account}/consent'];
    expect(Object.keys(consent).sort()).toEqual(['delete', 'get', 'put']);
    expect(consent.put.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ConsentGrant',
    });
    expect(Object.keys(consent.put.responses)).toEqual(expect.arrayContaining(['200', '400', '409', '422']));
    expect(consent.put.responses['422'].content['application/problem+json']).toBeDefined();
    expect(consent.get.responses['404']).toBeDefined();
    expect(consent.delete.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ConsentWithdrawn',
    });
    const grant = body.components.schemas.ConsentGrant;
    expect(grant.required).toEqual(expect.arrayContaining(['categories', 'jurisdiction']));
    expect(Object.keys(grant.properties)).toEqual(
      expect.arrayContaining(['age', 'parentalConsent', 'policyVersion']),
    );
    expect(body.components.schemas.ConsentRecord.properties).toHaveProperty('history');
    expect(body.components.schemas.Policy.properties).toHaveProperty('minimumAges');
    expect(body.components.schemas.PrivacySettings.properties.consent.enum).toEqual([
      'notRequired',
      'required',
    ]);
  });
});
