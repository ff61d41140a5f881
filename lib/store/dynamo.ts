import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoOptions {
  readonly endpoint?: string | undefined;
  readonly region: string;
  /**
   * Total attempts including the first (default 5: an admin route has API Gateway's 29 s, so it rides out
   * a burst of throttling or 5xx instead of answering 500); the callback bounds it to answer within
   * Tencent's 2 s.
   */
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
}

/**
 * A DynamoDB client with bounded retries and timeouts. Build it once at module scope in a handler
 * file and pass it to the stores. Locally `endpoint` points at DynamoDB Local.
 */
export function createDynamoClient(options: DynamoOptions): DynamoDBClient {
  return new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 1500,
      connectionTimeout: 500,
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
