import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import { queryAllPages } from './query-pages.js';

/**
 * Audit records in the governance table: pk `audit#<app>`, sk `<iso time>#<id>`. They prove what the
 * service removed and when, so they are kept (no expiresAt) and never hold personal data: callers
 * pass ids, times and counts only.
 */
export interface AuditEntry {
  readonly app: string;
  /** What happened, e.g. `configPurged`, `deletionCompleted`. */
  readonly action: string;
  /** ISO-8601; when it happened. */
  readonly at: string;
  /** Ids, times, counts and category names; never end-user data, secrets or content. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
}

/** A Put for a DynamoDB transaction, so a removal and its audit record commit together. */
export interface AuditPut {
  readonly Put: {
    TableName: string;
    Item: Record<string, unknown>;
    ConditionExpression: string;
  };
}

export interface AuditStore {
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** Oldest first. */
  listForApp(app: string): Promise<AuditRecord[]>;
  /** The transaction item writing `entry`; use it with TransactWriteItems alongside the removal it records. */
  putFor(entry: AuditEntry, id?: string): AuditPut;
}

export const AUDIT_PREFIX = 'audit';

export function auditPk(app: string): string {
  return [AUDIT_PREFIX, keyPart(app)].join(KEY_SEPARATOR);
}

export function createAuditStore(opts: { doc: DynamoDBDocumentClient; tableName: string }): AuditStore {
  const { doc, tableName } = opts;

  function putFor(entry: AuditEntry, id: string = randomUUID()): AuditPut {
    return {
      Put: {
        TableName: tableName,
        Item: {
          pk: auditPk(entry.app),
          sk: `${entry.at}${KEY_SEPARATOR}${id}`,
          id,
          app: entry.app,
          action: entry.action,
          at: entry.at,
          details: entry.details,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  return {
    putFor,

    async record(entry) {
      const id = randomUUID();
      try {
        await doc.send(new PutCommand(putFor(entry, id).Put));
      } catch (cause) {
        throw new StoreError('audit record could not be written', { cause });
      }
      return { ...entry, id };
    },

    async listForApp(app) {
      try {
        const items = await queryAllPages(doc, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': auditPk(app) },
        });
        return items.map(toRecord);
      } catch (cause) {
        throw new StoreError('audit records could not be read', { cause });
      }
    },
  };
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  return {
    id: String(item.id),
    app: String(item.app),
    action: String(item.action),
    at: String(item.at),
    details: (item.details ?? {}) as Record<string, unknown>,
  };
}
