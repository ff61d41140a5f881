import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createOperatorVerifier } from '../../../lib/auth/operator.js';
import type { AuthenticatedEvent, OperatorVerifier } from '../../../lib/auth/principal.js';
import { ConfigurationError } from '../../../lib/errors.js';
import { problemJson } from '../../../lib/http/problem.js';
import { requireRole } from '../../../lib/http/require-role.js';
import { json } from '../../../lib/http/response.js';
import { routeByOperationId } from '../../../lib/http/route-table.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

const TOKEN = 'operator-token-0123456789abcdef';

/** An operator-only route of the table; no app store is read, as no request presents a UserSig. */
function handlerWith(operator: OperatorVerifier) {
  const appStore = { get: async () => undefined };
  return middy<APIGatewayProxyEventV2>()
    .use(problemJson())
    .use(requireRole(routeByOperationId('putApp'), { appStore, operator }))
    .handler(async (event) => json(200, (event as AuthenticatedEvent).auth));
}

async function call(handler: ReturnType<typeof handlerWith>, headers: Record<string, string> = {}) {
  const response = (await handler(
    httpEvent('PUT', '/apps/1', { headers }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
}

/** Stands in for SSM, which has no local emulator: records each GetParameters call, may fail. */
function fakeSsm(values: Record<string, string>, failures = { remaining: 0 }) {
  const calls: string[][] = [];
  class FakeSsmClient {
    async send(command: { input: { Names: string[]; WithDecryption: boolean } }) {
      calls.push(command.input.Names);
      expect(command.input.WithDecryption).toBe(true);
      if (failures.remaining > 0) {
        failures.remaining -= 1;
        throw Object.assign(new Error('ThrottlingException'), { name: 'ThrottlingException' });
      }
      return {
        Parameters: command.input.Names.filter((name) => name in values).map((Name) => ({
          Name,
          Type: 'SecureString',
          Value: values[Name],
        })),
        InvalidParameters: command.input.Names.filter((name) => !(name in values)),
      };
    }
  }
  return { calls, AwsClient: FakeSsmClient };
}

describe('the operator token with a literal token (local)', () => {
  const handler = handlerWith(createOperatorVerifier({ token: TOKEN }));

  it('accepts the Bearer token and sets the operator principal', async () => {
    expect(await call(handler, { authorization: `Bearer ${TOKEN}` })).toEqual({
      status: 200,
      body: { kind: 'operator' },
    });
  });

  it('accepts any header case and scheme case', async () => {
    expect((await call(handler, { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it.each([
    ['no Authorization header', {}],
    ['an empty header', { authorization: '' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
    ['a wrong token', { authorization: 'Bearer operator-token-0123456789abcdeX' }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token with a suffix', { authorization: `Bearer ${TOKEN}0` }],
    ['two tokens', { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
  ])('answers 401 problem+json for %s', async (_name, headers) => {
    const response = await call(handler, headers);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(response.body.detail).toMatch(/^Authorization: /);
    expect(JSON.stringify(response.body)).not.toContain(TOKEN);
  });

  it('refuses to start without a token or a parameter name (configuration read loudly)', () => {
    expect(() => createOperatorVerifier({})).toThrow(ConfigurationError);
  });
});

describe('the operator token with an SSM SecureString (deployed)', () => {
  const PARAMETER = '/im-retention/test/operator-token';

  it('reads the parameter once per cold start and compares against it', async () => {
    const ssm = fakeSsm({ [PARAMETER]: TOKEN });
    const handler = handlerWith(
      createOperatorVerifier({
        tokenParameter: PARAMETER,
        ssmOptions: { AwsClient: ssm.AwsClient, cacheKey: 'op-1' },
      }),
    );
    expect((await call(handler, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await call(handler, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await call(handler, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(ssm.calls).toEqual([[PARAMETER]]);
  });

  it('answers 500 without internals when SSM fails, and reads again on the next request', async () => {
    const ssm = fakeSsm({ [PARAMETER]: TOKEN }, { remaining: 1 });
    const handler = handlerWith(
      createOperatorVerifier({
        tokenParameter: PARAMETER,
        ssmOptions: { AwsClient: ssm.AwsClient, cacheKey: 'op-2' },
      }),
    );
    const failed = await call(handler, { authorization: `Bearer ${TOKEN}` });
    expect(failed.status).toBe(500);
    expect(JSON.stringify(failed.body)).not.toMatch(/Throttling|operator-token/);
    expect((await call(handler, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(ssm.calls).toHaveLength(2);
  });

  it('answers 500 when the parameter does not exist', async () => {
    const ssm = fakeSsm({});
    const handler = handlerWith(
      createOperatorVerifier({
        tokenParameter: PARAMETER,
        ssmOptions: { AwsClient: ssm.AwsClient, cacheKey: 'op-3' },
      }),
    );
    expect((await call(handler, { authorization: `Bearer ${TOKEN}` })).status).toBe(500);
  });

  it('still answers 401 without asking SSM when no token is presented', async () => {
    const ssm = fakeSsm({ [PARAMETER]: TOKEN });
    const handler = handlerWith(
      createOperatorVerifier({
        tokenParameter: PARAMETER,
        ssmOptions: { AwsClient: ssm.AwsClient, cacheKey: 'op-4' },
      }),
    );
    expect((await call(handler)).status).toBe(401);
    expect(ssm.calls).toHaveLength(0);
  });
});
