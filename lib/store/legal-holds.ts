import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { isHoldActive, type LegalHold } from '../policy/legal-holds.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import { queryAllPages } from './query-pages.js';
import { isAnyConditionFailure, sdkCall } from './sdk-errors.js';

/**
 * Legal holds in the governance table, kept as evidence (no `expiresAt`):
 * - the hold:     pk `hold#<app>`, sk `<id>`; released holds keep `releasedAt`;
 * - the registry: pk `activeHolds`, sk `<app>#<id>`, a copy of each hold not yet released, and
 *   sk `#generation`, a counter bumped by every create and release, in the same transaction.
 * Every app's active holds are one strongly consistent Query on the registry (cost follows the active
 * holds), so `expire` and the deletion worker never miss a hold that has answered 201; a run compares
 * the generation before it deletes and reloads the holds when it moved.
 */
export interface LegalHoldStore {
  create(input: Omit<LegalHold, 'id' | 'createdAt' | 'releasedAt'>, now: Date): Promise<LegalHold>;
  get(app: string, id: string): Promise<LegalHold | undefined>;
  /** Releases the hold (idempotent: the first `releasedAt` stays); undefined if absent. */
  release(app: string, id: string, now: Date): Promise<LegalHold | undefined>;
  listForApp(app: string): Promise<LegalHold[]>;
  activeForApp(app: string, now: Date): Promise<LegalHold[]>;
}

/** End of service: the holds of a purged app that no longer hold anything name its accounts; they go. */
export interface InactiveHoldEraser {
  /** Deletes the app's released and lapsed holds; answers their ids. Active ones stay. */
  eraseInactive(app: string, now: Date): Promise<string[]>;
}

/** What a run over every app needs: the active holds, and whether they changed since it read them. */
export interface ActiveHolds {
  /** Every app's active holds with the registry's generation, one consistent Query. */
  listActive(now: Date): Promise<LegalHold[]>;
  /** The registry's generation now (one consistent GetItem): unchanged means no hold came or went. */
  generation(): Promise<number>;
}

export const HOLD_REGISTRY = 'activeHolds';
const GENERATION_SK = '#generation';

export const holdPartition = (app: string) => ['hold', keyPart(app)].join(KEY_SEPARATOR);
const registryKey = (app: string, id: string) => ({
  pk: HOLD_REGISTRY,
  sk: [keyPart(app), keyPart(id)].join(KEY_SEPARATOR),
});
const generationKey = { pk: HOLD_REGISTRY, sk: GENERATION_SK };

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
}): LegalHoldStore & ActiveHolds & InactiveHoldEraser {
  const { doc, tableName } = opts;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    return sdkCall(
      'legal hold query',
      queryAllPages(doc, { TableName: tableName, ConsistentRead: true, ...input }),
    );
  }

  async function listForApp(app: string): Promise<LegalHold[]> {
    const items = await queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': holdPartition(app) },
    });
    return items.map(toHold);
  }

  async function get(app: string, id: string): Promise<LegalHold | undefined> {
    const { Item } = await sdkCall(
      'legal hold read',
      doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: holdPartition(app), sk: id },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toHold(Item) : undefined;
  }

  const bumpGeneration = {
    Update: {
      TableName: tableName,
      Key: generationKey,
      UpdateExpression: 'ADD generation :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };

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
      await sdkCall(
        'legal hold creation',
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { pk: holdPartition(hold.app), sk: hold.id, kind: 'legalHold', ...hold },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: { ...registryKey(hold.app, hold.id), kind: 'activeHold', ...hold },
                },
              },
              bumpGeneration,
            ],
          }),
        ),
      );
      return hold;
    },

    get,

    async release(app, id, now) {
      const current = await get(app, id);
      if (!current) return undefined;
      if (current.releasedAt !== undefined) return current;
      const releasedAt = now.toISOString();
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: { pk: holdPartition(app), sk: id },
                  UpdateExpression: 'SET releasedAt = :now',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(releasedAt)',
                  ExpressionAttributeValues: { ':now': releasedAt },
                },
              },
              { Delete: { TableName: tableName, Key: registryKey(app, id) } },
              bumpGeneration,
            ],
          }),
        );
      } catch (error) {
        // Released (or gone) meanwhile: the first release stands.
        if (!isAnyConditionFailure(error)) return sdkCall('legal hold release', Promise.reject(error));
        return get(app, id);
      }
      return { ...current, releasedAt };
    },

    listForApp,

    async activeForApp(app, now) {
      return (await listForApp(app)).filter((hold) => isHoldActive(hold, now));
    },

    async eraseInactive(app, now) {
      const inactive = (await listForApp(app)).filter((hold) => !isHoldActive(hold, now));
      for (const hold of inactive) {
        // A released hold never becomes active again; a lapsed one may still have its registry entry.
        for (const Key of [{ pk: holdPartition(app), sk: hold.id }, registryKey(app, hold.id)]) {
          await sdkCall('legal hold erasure', doc.send(new DeleteCommand({ TableName: tableName, Key })));
        }
      }
      return inactive.map((hold) => hold.id);
    },

    async listActive(now) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': HOLD_REGISTRY },
      });
      return items
        .filter((item) => item.sk !== GENERATION_SK)
        .map(toHold)
        .filter((hold) => isHoldActive(hold, now));
    },

    async generation() {
      const { Item } = await sdkCall(
        'legal hold generation read',
        doc.send(new GetCommand({ TableName: tableName, Key: generationKey, ConsistentRead: true })),
      );
      return Number(Item?.generation ?? 0);
    },
  };
}
