import type { Request } from '@middy/core';
import ssm from '@middy/ssm';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadEnvironment } from '../config.js';
import { ConfigurationError, StoreError, UnauthorizedError } from '../errors.js';
import { constantTimeEqual } from './constant-time.js';
import type { OperatorVerifier } from './principal.js';
import { headerOf } from './request-parts.js';

/** Where the operator token comes from: a literal (local), or an SSM SecureString (deployed). */
export interface OperatorTokenOptions {
  /** The token itself, e.g. env OPERATOR_TOKEN locally. */
  readonly token?: string | undefined;
  /** Name of an SSM SecureString holding the token, read once per cold start. */
  readonly tokenParameter?: string | undefined;
  /** Passed to @middy/ssm (e.g. `AwsClient`, `awsClientOptions`); mainly for tests. */
  readonly ssmOptions?: Record<string, unknown>;
}

const INTERNAL_KEY = 'imRetentionOperatorToken';

/**
 * Builds the operator check once per cold start. Without options it reads OPERATOR_TOKEN /
 * OPERATOR_TOKEN_PARAMETER through lib/config.ts; with neither set it throws, loudly, at cold start.
 */
export function createOperatorVerifier(opts: OperatorTokenOptions = defaultTokenOptions()): OperatorVerifier {
  const readToken = tokenReader(opts);
  return {
    async verify(request) {
      const presented = bearerToken(request.event as APIGatewayProxyEventV2);
      if (presented === undefined) throw new UnauthorizedError('Authorization: a Bearer token is required');
      const expected = await readToken(request);
      if (!constantTimeEqual(presented, expected))
        throw new UnauthorizedError('Authorization: invalid token');
    },
  };
}

function defaultTokenOptions(): OperatorTokenOptions {
  const env = loadEnvironment();
  return { token: env.operatorToken, tokenParameter: env.operatorTokenParameter };
}

function tokenReader(opts: OperatorTokenOptions): (request: Request) => Promise<string> {
  if (opts.token !== undefined && opts.token !== '') {
    const token = opts.token;
    return async () => token;
  }
  if (opts.tokenParameter === undefined || opts.tokenParameter === '') {
    throw new ConfigurationError('operator auth needs OPERATOR_TOKEN or OPERATOR_TOKEN_PARAMETER');
  }
  // cacheExpiry -1: fetched on the first request of a cold start and kept; a failed fetch is retried.
  const fetcher = ssm({
    fetchData: { [INTERNAL_KEY]: opts.tokenParameter },
    cacheKey: `operator-token:${opts.tokenParameter}`,
    cacheExpiry: -1,
    disablePrefetch: true,
    ...opts.ssmOptions,
  });
  return async (request) => {
    const internal = request.internal as Record<string, unknown>;
    try {
      await fetcher.before?.(request as never);
      const value = await internal[INTERNAL_KEY];
      if (value === undefined || value === null || String(value) === '') throw new Error('empty parameter');
      return String(value);
    } catch (cause) {
      // Never the parameter's value: only that it could not be read.
      throw new StoreError('operator token parameter could not be read', { cause });
    } finally {
      delete internal[INTERNAL_KEY];
    }
  };
}

function bearerToken(event: APIGatewayProxyEventV2): string | undefined {
  const header = headerOf(event, 'authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
