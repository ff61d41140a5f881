import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import { isHoldActive, type LegalHold } from '../policy/legal-holds.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import { queryAllPages } from './query-pages.js';

/**
 * Legal holds in the governance table: pk `hold#<app>`, sk `<id>`. An active hold also carries
 * stateKey `hold#active` and stateSort `<app>#<id>`, removed on release, so the byState index holds
 * only active (or lapsed-by-`until`) holds and every app's active holds are one Query.
 * Hold records carry no `expiresAt`: they are kept as evidence.
 */
export interface LegalHoldStore {
  create(input: Omit<LegalHold, 'id' | 'createdAt' | 'releasedAt'>, now: Date): Promise<LegalHold>;
  get(app: string, id: string): Promise<LegalHold | undefined>;
  /** Releases the hold (idempotent: the first `releasedAt` stays); undefined if absent. */
  release(app: string, id: string, now: Date): Promise<LegalHold | undefined>;
  listForApp(app: string): Promise<LegalHold[]>;
  activeForApp(app: string, now: Date): Promise<LegalHold[]>;
  /** Every app's active holds, ONE Query (paginated) on the governance GSI byState. */
  listActive(now: Date): Promise<LegalHold[]>;
}

export const ACTIVE_HOLD_STATE = 'hold#active';
export const STATE_INDEX = 'byState';

export const holdPartition = (app: string) => ['hold', keyPart(app)].join(KEY_SEPARATOR);
const holdStateSort = (app: string, id: string) => [keyPart(app), keyPart(id)].join(KEY_SEPARATOR);

const HOLD_FIELDS = [
  'id',
  'app',
  'account',
  'categories',
  'reason',
  'createdAt',
  'until',
  'releasedAt',
] as const;

function toHold(item: Record<string, unknown>): LegalHold {
  const hold: Record<string, unknown> = {};
  for (const field of HOLD_FIELDS) if (item[field] !== undefined) hold[field] = item[field];
  return hold as unknown as LegalHold;
}

export function createLegalHoldStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): LegalHoldStore {
  const { doc, tableName } = opts;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<LegalHold[]> {
    return (await queryAllPages(doc, { TableName: tableName, ...input })).map(toHold);
  }

  async function listForApp(app: string): Promise<LegalHold[]> {
    try {
      return await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': holdPartition(app) },
        ConsistentRead: true,
      });
    } catch (error) {
      throw new StoreError('could not list legal holds', { cause: error });
    }
  }

  return {
    async create(input, now) {
      const hold: LegalHold = {
        id: randomUUID(),
        app: input.app,
        ...(input.account !== undefined ? { account: input.account } : {}),
        categories: [...new Set(input.categories)],
        reason: input.reason,
        createdAt: now.toISOString(),
        ...(input.until !== undefined ? { until: input.until } : {}),
      };
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: holdPartition(hold.app),
              sk: hold.id,
              kind: 'legalHold',
              stateKey: ACTIVE_HOLD_STATE,
              stateSort: holdStateSort(hold.app, hold.id),
              ...hold,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        throw new StoreError('could not create legal hold', { cause: error });
      }
      return hold;
    },

    async get(app, id) {
      try {
        const { Item } = await doc.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: holdPartition(app), sk: id },
            ConsistentRead: true,
          }),
        );
        return Item ? toHold(Item) : undefined;
      } catch (error) {
        throw new StoreError('could not read legal hold', { cause: error });
      }
    },

    async release(app, id, now) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: holdPartition(app), sk: id },
            ConditionExpression: 'attribute_exists(pk)',
            UpdateExpression: 'SET releasedAt = if_not_exists(releasedAt, :now) REMOVE stateKey, stateSort',
            ExpressionAttributeValues: { ':now': now.toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ? toHold(Attributes) : undefined;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
        throw new StoreError('could not release legal hold', { cause: error });
      }
    },

    listForApp,

    async activeForApp(app, now) {
      return (await listForApp(app)).filter((hold) => isHoldActive(hold, now));
    },

    async listActive(now) {
      try {
        const holds = await queryAll({
          IndexName: STATE_INDEX,
          KeyConditionExpression: 'stateKey = :state',
          ExpressionAttributeValues: { ':state': ACTIVE_HOLD_STATE },
        });
        return holds.filter((hold) => isHoldActive(hold, now));
      } catch (error) {
        throw new StoreError('could not list active legal holds', { cause: error });
      }
    },
  };
}
