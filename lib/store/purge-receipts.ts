import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import type { PurgeReceiptBody } from '../evidence/receipts.js';
import type { AuditPut } from './audit.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';

/**
 * Purge receipts, one per purge of an SdkAppid, kept apart from the app (which the purge deletes) so they
 * outlive it and any later registration of the same SdkAppid: pk `purgeReceipt#<app>`, sk the purge time
 * and its deletion request (two registrations may be purged within one millisecond).
 * Written in the purge's own transaction, once (a conditional put); never updated or deleted.
 */
export interface PurgeReceiptStore {
  /** The transaction item recording `body`, beside the configuration's deletion. */
  putFor(body: PurgeReceiptBody): AuditPut;
  /** The latest purge receipt of `app`, if it was ever purged (one Query, newest first, one item). */
  latest(app: string): Promise<PurgeReceiptBody | undefined>;
}

export const PURGE_RECEIPT_PREFIX = 'purgeReceipt';

const pkOf = (app: string) => [PURGE_RECEIPT_PREFIX, keyPart(app)].join(KEY_SEPARATOR);

export function createPurgeReceiptStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): PurgeReceiptStore {
  const { doc, tableName } = opts;
  return {
    putFor(body) {
      return {
        Put: {
          TableName: tableName,
          Item: {
            pk: pkOf(body.sdkAppId),
            sk: `${body.purgedAt}${KEY_SEPARATOR}${body.deletionRequestId ?? ''}`,
            receipt: body,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    },
    async latest(app) {
      try {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pkOf(app) },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
        return page.Items?.[0]?.receipt as PurgeReceiptBody | undefined;
      } catch (cause) {
        throw new StoreError('purge receipt could not be read', { cause });
      }
    },
  };
}
