import { createHash, randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StateConflictError, StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import {
  type CategoryCounts,
  type DeletionStatus,
  deletionDueAt,
  mergeCategories,
  zeroCounts,
} from '../policy/deletion.js';
import { epochSeconds, isLiveItem } from '../policy/time.js';
import type { AuditEntry, AuditStore } from './audit.js';
import { createDeletionProgressStore, type DeletionProgressStore } from './deletion-progress.js';
import {
  auditDetails,
  type DeletionRequest,
  deletionPartition,
  lockSort,
  OPEN_STATE,
  readItem,
  readRequest,
  requestKey,
  STATE_INDEX,
  stateSortOf,
  subjectKeyOf,
  toRequest,
  type WithheldCounts,
} from './deletion-records.js';
import { KEY_SEPARATOR } from './keys.js';
import { queryAllPages } from './query-pages.js';
import { failedConditions, isAnyConditionFailure } from './sdk-errors.js';
import { namedTransaction } from './transaction.js';

// The worker's half (lease, checkpoints, end of pass) lives in deletion-progress.ts, the shared item
// layout in deletion-records.ts; re-exported so callers import everything from here.
export type {
  DeletionProgressStore,
  PageCheckpoint,
  PassOutcome,
} from './deletion-progress.js';
export {
  type DeletionRequest,
  type DeletionSubjectKind,
  deletionPartition,
  type ErasureCursor,
  type PendingBatch,
  type WithheldCounts,
} from './deletion-records.js';

/**
 * D3 deletion requests in the governance table (docs/api.md).
 *
 * - request:     pk `deletion#<app>`, sk `request#<id>`; while open stateKey `deletion#open`, stateSort
 *                `<dueAt>#<app>#<id>` (byState: every open request, earliest deadline first); once completed
 *                stateKey `deletion#completed`, stateSort `<completedAt>#<app>#<id>` (listed by the operator).
 *                "Open" is `stateKey = deletion#open`, never `attribute_exists(stateKey)`.
 * - open lock:   pk `deletion#<app>`, sk `open#<subject>`: one open request per account (or allAccounts),
 *                so a second request joins the first instead of duplicating work
 * - idempotency: pk `deletion#<app>`, sk `idem#<sha256(Idempotency-Key)>`, kept 24 hours
 *
 * The plain account is kept only while the request is open (the worker needs it for the owner index);
 * completion removes it and the keyed hash stays. Progress is checkpointed on the request item: the
 * index cursor, the batch about to be deleted (`pending`, counted once it is gone) and the counts,
 * every write conditional on the worker's lease, so a crash or timeout resumes exactly.
 */

/** What GET /apps/{sdkAppId}/deletion-requests/{id} answers: no account, plain or hashed. */
export interface DeletionReceipt {
  id: string;
  status: DeletionStatus;
  categories: PersonalCategoryId[];
  createdAt: string;
  dueAt: string;
  completedAt?: string;
  deleted: CategoryCounts;
  withheld: WithheldCounts;
}

/** What a caller gives to file a request; the store sets id, status, dates and counts. */
export type NewDeletionRequest = Pick<
  DeletionRequest,
  'app' | 'subject' | 'account' | 'groupId' | 'accountHash' | 'categories' | 'requestedBy'
> & { readonly idempotencyKey?: string };

export type CreateOutcome = 'created' | 'joined' | 'replayed';

/** What files requests: the deletion-requests route, a destroyed group's callback, a consent withdrawal. */
export interface DeletionRequestCreator {
  /**
   * Creates the request, or answers the one an Idempotency-Key or an open request for the subject
   * names. Joining an open request starts its pass again, so it covers everything stored up to now.
   */
  create(input: NewDeletionRequest, now: Date): Promise<{ request: DeletionRequest; outcome: CreateOutcome }>;
}

/** What reads requests: the receipt route, the worker's sweep, the deadline check. */
export interface DeletionRequestReader {
  get(app: string, id: string): Promise<DeletionRequest | undefined>;
  /** Every open request (received, processing, withheld), earliest deadline first: Query on byState. */
  listOpen(): Promise<DeletionRequest[]>;
  /** Open requests whose dueAt is at or before `now`: the same Query, bounded by the deadline. */
  listOverdue(now: Date): Promise<DeletionRequest[]>;
}

/**
 * What createDeletionRequestStore builds, for the composition root only: callers take the narrow
 * interface of their role (creator, reader, or the worker's DeletionProgressStore).
 */
export type DeletionRequestStore = DeletionRequestCreator & DeletionRequestReader & DeletionProgressStore;

export { COMPLETED_STATE, OPEN_STATE, STATE_INDEX } from './deletion-records.js';
export const IDEMPOTENCY_TTL_SECONDS = 86_400;
const MAX_CREATE_ATTEMPTS = 5;

const idempotencySort = (key: string) =>
  `idem${KEY_SEPARATOR}${createHash('sha256').update(key, 'utf8').digest('hex')}`;

/** What an Idempotency-Key is bound to: replaying it with another body is a conflict. */
function fingerprintOf(input: NewDeletionRequest): string {
  const canonical = JSON.stringify([input.subject, input.accountHash ?? null, [...input.categories].sort()]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function toReceipt(request: DeletionRequest): DeletionReceipt {
  return {
    id: request.id,
    status: request.status,
    categories: request.categories,
    createdAt: request.createdAt,
    dueAt: request.dueAt,
    ...(request.completedAt ? { completedAt: request.completedAt } : {}),
    deleted: { userInfo: request.deleted.userInfo, messages: request.deleted.messages },
    withheld: {
      userInfo: request.withheld.userInfo,
      messages: request.withheld.messages,
      holds: [...request.withheld.holds],
    },
  };
}

export function createDeletionRequestStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  audit: AuditStore;
}): DeletionRequestStore {
  const { doc, tableName, audit } = opts;
  const get = (app: string, id: string) => readRequest(doc, tableName, app, id);
  const getItem = (key: { pk: string; sk: string }) => readItem(doc, tableName, key);

  async function queryOpen(upTo?: string): Promise<DeletionRequest[]> {
    try {
      const items = await queryAllPages(doc, {
        TableName: tableName,
        IndexName: STATE_INDEX,
        KeyConditionExpression:
          upTo === undefined ? 'stateKey = :state' : 'stateKey = :state AND stateSort <= :upTo',
        ExpressionAttributeValues: {
          ':state': OPEN_STATE,
          ...(upTo === undefined ? {} : { ':upTo': upTo }),
        },
      });
      return items.map(toRequest);
    } catch (cause) {
      throw new StoreError('open deletion requests could not be listed', { cause });
    }
  }

  async function replay(input: NewDeletionRequest, now: Date): Promise<DeletionRequest | undefined> {
    if (input.idempotencyKey === undefined) return undefined;
    const item = await getItem({
      pk: deletionPartition(input.app),
      sk: idempotencySort(input.idempotencyKey),
    });
    // An expired key is gone, whether or not TTL has deleted it yet: the key may start a new request.
    if (!item || !isLiveItem(item, now)) return undefined;
    if (item.fingerprint !== fingerprintOf(input)) {
      throw new StateConflictError('Idempotency-Key: already used for a different deletion request');
    }
    return get(input.app, String(item.requestId));
  }

  function idempotencyPut(input: NewDeletionRequest, requestId: string, now: Date) {
    return {
      Put: {
        TableName: tableName,
        Item: {
          pk: deletionPartition(input.app),
          sk: idempotencySort(input.idempotencyKey as string),
          kind: 'deletionIdempotency',
          app: input.app,
          requestId,
          fingerprint: fingerprintOf(input),
          expiresAt: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
          // Nothing holds an idempotency key: TTL may take it as soon as it expires.
          ttlDeleteAt: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      },
    };
  }

  async function transact(items: TransactWriteCommandInput['TransactItems']): Promise<void> {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /** Tries to create; returns which condition stopped it, if one did. */
  async function tryCreate(
    input: NewDeletionRequest,
    now: Date,
  ): Promise<{ request?: DeletionRequest; blockedBy?: 'idempotency' | 'lock' }> {
    const id = randomUUID();
    const createdAt = now.toISOString();
    const dueAt = deletionDueAt(now).toISOString();
    const request: DeletionRequest = {
      id,
      app: input.app,
      subject: input.subject,
      ...(input.account !== undefined ? { account: input.account } : {}),
      ...(input.accountHash !== undefined ? { accountHash: input.accountHash } : {}),
      ...(input.groupId !== undefined ? { groupId: input.groupId } : {}),
      categories: input.categories,
      status: 'received',
      createdAt,
      dueAt,
      requestedBy: input.requestedBy,
      deleted: zeroCounts(),
      withheld: { ...zeroCounts(), holds: [] },
      generation: 0,
    };
    const entry: AuditEntry = {
      app: input.app,
      action: 'deletionRequested',
      at: createdAt,
      details: { ...auditDetails(request), requestedBy: input.requestedBy, dueAt },
    };
    const creation = namedTransaction({
      request: {
        Put: {
          TableName: tableName,
          Item: {
            ...requestKey(input.app, id),
            kind: 'deletionRequest',
            stateKey: OPEN_STATE,
            stateSort: stateSortOf(dueAt, input.app, id),
            ...request,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      lock: {
        Put: {
          TableName: tableName,
          Item: {
            pk: deletionPartition(input.app),
            sk: lockSort(subjectKeyOf(input)),
            kind: 'deletionLock',
            app: input.app,
            requestId: id,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      audit: audit.putFor(entry),
      idempotency: input.idempotencyKey !== undefined ? idempotencyPut(input, id, now) : undefined,
    });
    try {
      await transact(creation.items);
      return { request };
    } catch (error) {
      const failed = failedConditions(error, creation);
      if (failed?.has('idempotency')) return { blockedBy: 'idempotency' };
      if (failed?.has('lock')) return { blockedBy: 'lock' };
      throw new StoreError('deletion request could not be created', { cause: error });
    }
  }

  /** Joins the open request for the subject (widening its categories); undefined if it just closed. */
  async function tryJoin(input: NewDeletionRequest, now: Date): Promise<DeletionRequest | undefined> {
    const lock = await getItem({ pk: deletionPartition(input.app), sk: lockSort(subjectKeyOf(input)) });
    if (!lock) return undefined;
    const open = await get(input.app, String(lock.requestId));
    if (!open || open.status === 'completed') return undefined;
    const { categories } = mergeCategories(open.categories, input.categories);
    const entry: AuditEntry = {
      app: input.app,
      action: 'deletionJoined',
      at: now.toISOString(),
      details: { ...auditDetails(open), requestedBy: input.requestedBy, requested: input.categories },
    };
    // The joined request starts its pass again, whatever its state (a withheld one too): it then covers
    // everything stored up to this request's arrival. A pending batch is still counted by its worker.
    const update = {
      Update: {
        TableName: tableName,
        Key: requestKey(input.app, open.id),
        UpdateExpression:
          'SET categories = :categories, generation = generation + :one, #status = :status REMOVE #cursor, passWithheld, passHolds',
        // Still open, and not restarted meanwhile by another joiner.
        ConditionExpression: 'stateKey = :open AND generation = :generation',
        ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
        ExpressionAttributeValues: {
          ':open': OPEN_STATE,
          ':generation': open.generation,
          ':categories': categories,
          ':one': 1,
          ':status': open.status === 'received' ? 'received' : 'processing',
        },
      },
    };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [update, audit.putFor(entry)];
    if (input.idempotencyKey !== undefined) items.push(idempotencyPut(input, open.id, now));
    try {
      await transact(items);
    } catch (error) {
      if (isAnyConditionFailure(error)) return undefined;
      throw new StoreError('deletion request could not be joined', { cause: error });
    }
    return get(input.app, open.id);
  }

  return {
    async create(input, now) {
      for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
        const replayed = await replay(input, now);
        if (replayed) return { request: replayed, outcome: 'replayed' };
        const created = await tryCreate(input, now);
        if (created.request) return { request: created.request, outcome: 'created' };
        if (created.blockedBy === 'lock') {
          const joined = await tryJoin(input, now);
          if (joined) return { request: joined, outcome: 'joined' };
        }
      }
      throw new StoreError('deletion request could not be created: too much contention');
    },

    get,

    listOpen: () => queryOpen(),

    listOverdue: (now) => queryOpen(`${now.toISOString()}${KEY_SEPARATOR}\uffff`),

    ...createDeletionProgressStore({ doc, tableName, audit }),
  };
}
