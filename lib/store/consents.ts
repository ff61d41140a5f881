import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { StateConflictError, StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import {
  type ActiveConsent,
  CONSENT_HISTORY_KEPT,
  CONSENT_HISTORY_MAX,
  CONSENT_KIND,
  type ConsentCoverage,
  type ConsentEvent,
  consentEvidenceExpiry,
  coverageAfterGrant,
  droppedCategories,
  historyChunkExpiry,
} from '../policy/consent.js';
import { epochSeconds, expirySeconds, isLiveItem } from '../policy/time.js';
import { batchGetAll } from './batch-get.js';
import { expiringAttributes, itemIdOf, KEY_SEPARATOR, keyPart } from './keys.js';
import { queryAllPages } from './query-pages.js';
import { isAnyConditionFailure } from './sdk-errors.js';

/**
 * D6 consent records in the governance table, one item per account of an app:
 * pk `consent#<app>`, sk `<account>` (both escaped). The item holds the active consent (absent once
 * withdrawn) and the whole history of grants and withdrawals. While a consent is active the record has no
 * expiry; a withdrawal gives it `expiresAt` = withdrawal + CONSENT_EVIDENCE_MONTHS with its expiry-index
 * bucket (`consent#<month>#<shard>`, walked by `expire`) and `ttlDeleteAt`; a new grant removes them again.
 * Reads hide an expired record (`live.ts`), so once its evidence period ends it never was. A history
 * longer than CONSENT_HISTORY_MAX moves its oldest events to immutable chunks, sk
 * `<account>#history#<first event's time>#<random>`, each expiring on its own (historyChunkExpiry).
 */
export const CONSENT_PARTITION_PREFIX = 'consent';

export interface ConsentRecord {
  readonly app: string;
  readonly account: string;
  readonly active: ActiveConsent | null;
  readonly history: readonly ConsentEvent[];
  /** When the consent was last withdrawn, while none is active. */
  readonly withdrawnAt?: string;
}

export interface GrantResult {
  readonly record: ConsentRecord;
  /** Categories the earlier active consent covered and the new grant leaves out: a partial withdrawal. */
  readonly dropped: readonly PersonalCategoryId[];
}

export interface WithdrawResult {
  readonly record: ConsentRecord;
  /** False when nothing was active: the earlier withdrawal stands. */
  readonly withdrawn: boolean;
}

export interface ConsentStore {
  /** The account's record, or undefined when there never was one (or its evidence period is over). */
  get(app: string, account: string, now: Date): Promise<ConsentRecord | undefined>;
  /**
   * Records a grant: it becomes the active consent (replacing any earlier one) and joins the history. The
   * categories the earlier active consent covered and this one does not are withdrawn by it (`dropped`,
   * recorded in the history as a withdrawal just before the grant).
   */
  grant(app: string, account: string, consent: ActiveConsent, now: Date): Promise<GrantResult>;
  /** Withdraws the active consent; undefined when the account never had a record. */
  withdraw(app: string, account: string, now: Date): Promise<WithdrawResult | undefined>;
  /** Deletes every consent record of the app (the purge at end of service); how many went. */
  eraseApp(app: string): Promise<number>;
}

/** What `GET /conformance` reads of an app past its `purgeAt`: its consent records the purge left. */
export interface ConsentLeftovers {
  /** Records of the app not yet expired (active, or withdrawn within their evidence period). */
  countLive(app: string, now: Date): Promise<number>;
}

/** What a reader needs of an account's active consent: the categories, and since when each is covered. */
export interface ConsentInForce {
  readonly categories: readonly PersonalCategoryId[];
  readonly coveredSince: ConsentCoverage;
}

/** What the callback reads: the account's active consent, one strongly consistent GetItem. */
export interface ConsentLookup {
  activeConsent(
    app: string,
    account: string,
    opts?: { signal?: AbortSignal | undefined },
  ): Promise<ConsentInForce | undefined>;
}

/**
 * What readers of many accounts at once need (an app export page, `expire` applying a consent cut):
 * the coverage of each account with an active consent (strongly consistent BatchGetItem).
 */
export interface ConsentCoverageLookup {
  coverageOf(app: string, accounts: readonly string[]): Promise<Map<string, ConsentCoverage>>;
}

const MAX_WRITE_ATTEMPTS = 3;

export const consentKey = (app: string, account: string) => ({
  pk: `${CONSENT_PARTITION_PREFIX}${KEY_SEPARATOR}${keyPart(app)}`,
  sk: keyPart(account),
});

/** Where an account's history chunks are (keyPart escapes `#`, so no account's own key has this prefix). */
const historyPrefix = (account: string) => `${keyPart(account)}${KEY_SEPARATOR}history${KEY_SEPARATOR}`;

interface StoredConsent extends ConsentRecord {
  readonly version: number;
  /** Some of the history lives in chunk items (read only then). */
  readonly chunked?: boolean;
  /** While active: per covered category, since when without a break (a record from before: absent). */
  readonly coveredSince?: ConsentCoverage;
}

function toRecord(item: Record<string, unknown>): StoredConsent {
  return {
    app: String(item.app),
    account: String(item.account),
    active: (item.active as ActiveConsent | undefined) ?? null,
    history: (item.history as ConsentEvent[] | undefined) ?? [],
    ...(typeof item.withdrawnAt === 'string' ? { withdrawnAt: item.withdrawnAt } : {}),
    ...(item.chunked === true ? { chunked: true } : {}),
    ...(item.coveredSince && typeof item.coveredSince === 'object'
      ? { coveredSince: item.coveredSince as ConsentCoverage }
      : {}),
    version: Number(item.version ?? 0),
  };
}

function publicRecord(stored: StoredConsent): ConsentRecord {
  const { version: _version, coveredSince: _coveredSince, chunked: _chunked, ...record } = stored;
  return record;
}

/** The consent in force of a stored item (any projection holding `active` and `coveredSince`). */
function inForce(item: Record<string, unknown>, now: Date): ConsentInForce | undefined {
  // Every read hides what is expired (a withdrawn record waiting for expire has no active part anyway).
  if (!isLiveItem(item, now)) return undefined;
  const active = item.active as Pick<ActiveConsent, 'categories' | 'grantedAt'> | undefined;
  if (!active?.categories || active.categories.length === 0) return undefined;
  const stored = (item.coveredSince as ConsentCoverage | undefined) ?? {};
  const coveredSince: ConsentCoverage = {};
  for (const category of active.categories) coveredSince[category] = stored[category] ?? active.grantedAt;
  return { categories: active.categories, coveredSince };
}

export function createConsentStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): ConsentStore & ConsentLookup & ConsentCoverageLookup & ConsentLeftovers {
  const { doc, tableName } = opts;

  async function read(app: string, account: string, now: Date): Promise<StoredConsent | undefined> {
    try {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: consentKey(app, account), ConsistentRead: true }),
      );
      if (!Item || !isLiveItem(Item, now)) return undefined;
      const stored = toRecord(Item);
      if (!stored.chunked) return stored;
      return { ...stored, history: [...(await chunkedHistory(app, account, now)), ...stored.history] };
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('consent record could not be read', { cause: error });
    }
  }

  /** The events moved out of the record, oldest first (chunks past their expiry hidden). */
  async function chunkedHistory(app: string, account: string, now: Date): Promise<ConsentEvent[]> {
    const chunks = await queryAllPages(doc, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': consentKey(app, account).pk, ':prefix': historyPrefix(account) },
      ConsistentRead: true,
    });
    return chunks
      .filter((chunk) => isLiveItem(chunk, now))
      .flatMap((chunk) => (chunk.events as ConsentEvent[] | undefined) ?? []);
  }

  /** The record item to write, and the chunk taking its oldest events when the history grew too long. */
  function withHistoryBound(app: string, account: string, next: Record<string, unknown>) {
    const history = (next.history as ConsentEvent[] | undefined) ?? [];
    if (history.length <= CONSENT_HISTORY_MAX) return { record: next };
    const moved = history.slice(0, history.length - CONSENT_HISTORY_KEPT);
    const kept = history.slice(history.length - CONSENT_HISTORY_KEPT);
    const key = {
      pk: consentKey(app, account).pk,
      sk: `${historyPrefix(account)}${moved[0]?.at}${KEY_SEPARATOR}${randomUUID().slice(0, 8)}`,
    };
    const expiresAt = expirySeconds(historyChunkExpiry(new Date((kept[0] as ConsentEvent).at)));
    const chunk = {
      ...key,
      kind: 'consentHistory',
      account,
      events: moved,
      ...expiringAttributes(CONSENT_KIND, app, expiresAt, itemIdOf(key)),
    };
    return { record: { ...next, history: kept, chunked: true }, chunk };
  }

  /** Optimistic read-modify-write on `version`; an expired record is replaced as if absent. */
  async function rewrite(
    app: string,
    account: string,
    now: Date,
    change: (current: StoredConsent | undefined) => Record<string, unknown> | undefined,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await doc
        .send(new GetCommand({ TableName: tableName, Key: consentKey(app, account), ConsistentRead: true }))
        .catch((error: unknown) => {
          throw new StoreError('consent record could not be read', { cause: error });
        });
      const current = Item && isLiveItem(Item, now) ? toRecord(Item) : undefined;
      const changed = change(current);
      if (!changed) return;
      // The record's own history only: a change appends to it, chunks stay as they are.
      const { record, chunk } = withHistoryBound(app, account, {
        ...changed,
        ...(current?.chunked ? { chunked: true } : {}),
      });
      const put = {
        TableName: tableName,
        Item: { ...consentKey(app, account), ...record, version: Number(Item?.version ?? 0) + 1 },
        ...(Item
          ? {
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':version': Item.version },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      };
      try {
        if (!chunk) await doc.send(new PutCommand(put));
        else
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: put },
                {
                  Put: { TableName: tableName, Item: chunk, ConditionExpression: 'attribute_not_exists(pk)' },
                },
              ],
            }),
          );
        return;
      } catch (error) {
        if (!isAnyConditionFailure(error))
          throw new StoreError('consent record could not be written', { cause: error });
        if (attempt >= MAX_WRITE_ATTEMPTS)
          throw new StateConflictError('account: its consent is being changed concurrently; retry', {
            cause: error,
          });
      }
    }
  }

  const base = (app: string, account: string) => ({ app, account, category: CONSENT_KIND });

  return {
    async get(app, account, now) {
      const stored = await read(app, account, now);
      return stored ? publicRecord(stored) : undefined;
    },

    async grant(app, account, consent, now) {
      let result: GrantResult | undefined;
      await rewrite(app, account, now, (current) => {
        const dropped = droppedCategories(current?.active ?? null, consent);
        const coveredSince = coverageAfterGrant(current, consent);
        const history: ConsentEvent[] = [
          ...(current?.history ?? []),
          ...(dropped.length > 0
            ? [{ action: 'withdrawn', at: consent.grantedAt, categories: dropped } as const]
            : []),
          { action: 'granted', at: consent.grantedAt, categories: consent.categories },
        ];
        result = { record: { app, account, active: consent, history }, dropped };
        return { ...base(app, account), active: consent, coveredSince, history };
      });
      return result as GrantResult;
    },

    async withdraw(app, account, now) {
      let result: WithdrawResult | undefined;
      await rewrite(app, account, now, (current) => {
        if (!current) return undefined;
        if (!current.active) {
          result = { record: publicRecord(current), withdrawn: false };
          return undefined;
        }
        const at = now.toISOString();
        const history = [
          ...current.history,
          { action: 'withdrawn', at, categories: current.active.categories } as const,
        ];
        result = { record: { app, account, active: null, history, withdrawnAt: at }, withdrawn: true };
        const expiresAt = expirySeconds(consentEvidenceExpiry(now));
        return {
          ...base(app, account),
          history,
          withdrawnAt: at,
          ...expiringAttributes(CONSENT_KIND, app, expiresAt, itemIdOf(consentKey(app, account))),
        };
      });
      return result;
    },

    async eraseApp(app) {
      const pk = consentKey(app, '').pk;
      let erased = 0;
      let start: Record<string, unknown> | undefined;
      try {
        do {
          const page = await doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ProjectionExpression: 'pk, sk',
              ExclusiveStartKey: start,
              ConsistentRead: true,
              Limit: 100,
            }),
          );
          const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
          for (let i = 0; i < keys.length; i += 25) {
            let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
            for (let attempt = 0; pending.length > 0; attempt += 1) {
              if (attempt > 8) throw new Error('consent records left unprocessed');
              const answer = await doc.send(
                new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
              );
              pending = (answer.UnprocessedItems?.[tableName] ?? []) as typeof pending;
              if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
            }
          }
          erased += keys.length;
          start = page.LastEvaluatedKey;
        } while (start);
      } catch (error) {
        throw new StoreError('consent records could not be erased', { cause: error });
      }
      return erased;
    },

    async countLive(app, now) {
      try {
        const live = await queryAllPages(doc, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
          ExpressionAttributeValues: { ':pk': consentKey(app, '').pk, ':now': epochSeconds(now) },
          ProjectionExpression: 'pk',
        });
        return live.length;
      } catch (error) {
        throw new StoreError('consent records could not be counted', { cause: error });
      }
    },

    async activeConsent(app, account, call = {}) {
      try {
        const { Item } = await doc.send(
          new GetCommand({
            TableName: tableName,
            Key: consentKey(app, account),
            ConsistentRead: true,
            ProjectionExpression: 'active.categories, active.grantedAt, coveredSince, expiresAt',
          }),
          call.signal ? { abortSignal: call.signal } : {},
        );
        return Item ? inForce(Item, new Date()) : undefined;
      } catch (error) {
        throw new StoreError('consent could not be read', { cause: error });
      }
    },

    async coverageOf(app, accounts) {
      const unique = [...new Set(accounts)];
      const coverage = new Map<string, ConsentCoverage>();
      if (unique.length === 0) return coverage;
      const items = await batchGetAll(
        doc,
        tableName,
        unique.map((account) => consentKey(app, account)),
        'consent coverage read',
      ).catch((error: unknown) => {
        if (error instanceof StoreError) throw error;
        throw new StoreError('consent coverage could not be read', { cause: error });
      });
      const now = new Date();
      for (const item of items) {
        const found = inForce(item, now);
        if (found && item.app === app) coverage.set(String(item.account), found.coveredSince);
      }
      return coverage;
    },
  };
}
