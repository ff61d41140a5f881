import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AppEnvironment, loadEnvironment } from '../config.js';
import { createLogger } from '../log.js';
import { createDocumentClient, createDynamoClient, type DynamoOptions } from '../store/dynamo.js';

/**
 * What every function builds once, at cold start, in its handler file: the checked configuration, its
 * logger, and one DynamoDB document client (local endpoint or AWS's), with the function's own retry
 * and timeout bounds when it needs them (the callback answers within Tencent's 2 s).
 *
 * @example
 * const { env, logger, doc } = functionBase('metrics');
 */
export function functionBase(
  name: string,
  client: Omit<DynamoOptions, 'endpoint' | 'region'> = {},
): { env: AppEnvironment; logger: Logger; doc: DynamoDBDocumentClient } {
  const env = loadEnvironment();
  const logger = createLogger(name);
  const doc = createDocumentClient(
    createDynamoClient({ endpoint: env.dynamodbEndpoint, region: env.region, ...client }),
  );
  return { env, logger, doc };
}
