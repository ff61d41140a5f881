import { createHash, randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import {
  type CategoryCounts,
  type DeletionStatus,
  deletionDueAt,
  mergeCategories,
  zeroCounts,
} from '../policy/deletion.js';
import type { AuditEntry, AuditStore } from './audit.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import type { ItemKey } from './personal-keys.js';

/**
 * D3 deletion requests in the governance table (docs in CONTRACT.md "deletion requests").
 *
 * - request:     pk `deletion#<app>`, sk `request#<id>`; while open also stateKey `deletion#open`,
 *                stateSort `<dueAt>#<app>#<id>` (byState: every open request, earliest deadline first)
 * - open lock:   pk `deletion#<app>`, sk `open#<subject>`: one open request per account (or allAccounts),
 *                so a second request joins the first instead of duplicating work
 * - idempotency: pk `deletion#<app>`, sk `idem#<sha256(Idempotency-Key)>`, kept 24 hours
 *
 * The plain account is kept only while the request is open (the worker needs it for the owner index);
 * completion removes it and the keyed hash stays. Progress is checkpointed on the request item: the
 * index cursor, the batch about to be deleted (`pending`, counted once it is gone) and the counts,
 * every write conditional on the worker's lease, so a crash or timeout resumes exactly.
 */
export type DeletionSubjectKind = 'account' | 'allAccounts';

export interface ErasureCursor {
  /** Index into the request's erasure steps (personal-erasure.ts `erasureSteps`). */
  readonly step: number;
  /** The owner index's LastEvaluatedKey within that step. */
  readonly lastKey?: Record<string, unknown>;
}

export interface PendingBatch {
  readonly keys: ItemKey[];
  readonly counts: CategoryCounts;
}

export interface WithheldCounts extends CategoryCounts {
  readonly holds: string[];
}

export interface DeletionRequest {
  readonly id: string;
  readonly app: string;
  readonly subject: DeletionSubjectKind;
  /** Plain account: present only while the request is open. */
  readonly account?: string;
  /** HMAC of the account (lib/policy/pseudonym.ts); kept after completion. */
  readonly accountHash?: string;
  readonly categories: PersonalCategoryId[];
  readonly status: DeletionStatus;
  readonly createdAt: string;
  readonly dueAt: string;
  readonly completedAt?: string;
  readonly requestedBy: string;
  readonly deleted: CategoryCounts;
  /** What the last finished pass left because of legal holds. */
  readonly withheld: WithheldCounts;
  /** Bumped when a joining request widens the categories: the current pass starts again. */
  readonly generation: number;
  readonly cursor?: ErasureCursor;
  readonly pending?: PendingBatch;
  readonly passWithheld?: CategoryCounts;
  readonly passHolds?: string[];
  readonly leaseOwner?: string;
  /** Epoch milliseconds. */
  readonly leaseUntil?: number;
}

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

export interface NewDeletionRequest {
  readonly app: string;
  readonly subject: DeletionSubjectKind;
  readonly account?: string;
  readonly accountHash?: string;
  readonly categories: PersonalCategoryId[];
  readonly requestedBy: string;
  readonly idempotencyKey?: string;
}

export type CreateOutcome = 'created' | 'joined' | 'replayed';

/** The worker's progress write for one page of the owner index. */
export interface PageCheckpoint {
  readonly cursor: ErasureCursor;
  readonly pending?: PendingBatch;
  readonly passWithheld: CategoryCounts;
  readonly passHolds: string[];
}

export type PassOutcome =
  | { readonly status: 'completed'; readonly at: Date }
  | { readonly status: 'withheld'; readonly at: Date; readonly withheld: WithheldCounts };

/** The worker no longer holds the request (its lease ran out and another took it, or it completed). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** A joining request widened the categories: reload and start the pass again. */
export class GenerationChangedError extends Error {
  override name = 'GenerationChangedError';
}

export interface DeletionRequestStore {
  /** Creates the request, or answers the one an Idempotency-Key or an open request for the subject names. */
  create(input: NewDeletionRequest, now: Date): Promise<{ request: DeletionRequest; outcome: CreateOutcome }>;
  get(app: string, id: string): Promise<DeletionRequest | undefined>;
  /** Every open request (received, processing, withheld), earliest deadline first: Query on byState. */
  listOpen(): Promise<DeletionRequest[]>;
  /** Open requests whose dueAt is at or before `now`: the same Query, bounded by the deadline. */
  listOverdue(now: Date): Promise<DeletionRequest[]>;
  /** Takes the lease of an open request (free, expired or already ours); undefined when not possible. */
  acquire(
    app: string,
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<DeletionRequest | undefined>;
  release(request: DeletionRequest, owner: string): Promise<void>;
  /** Saves the cursor and the batch about to be deleted, before deleting it. */
  checkpoint(request: DeletionRequest, owner: string, page: PageCheckpoint): Promise<DeletionRequest>;
  /** Counts the pending batch as deleted (it is gone) and clears it. */
  commitPending(request: DeletionRequest, owner: string): Promise<DeletionRequest>;
  /** Ends a pass: completed (lock released, plain account removed) or withheld; with its audit record. */
  finishPass(request: DeletionRequest, owner: string, outcome: PassOutcome): Promise<DeletionRequest>;
}

export const OPEN_STATE = 'deletion#open';
export const STATE_INDEX = 'byState';
export const IDEMPOTENCY_TTL_SECONDS = 86_400;
const MAX_CREATE_ATTEMPTS = 5;

export const deletionPartition = (app: string) => ['deletion', keyPart(app)].join(KEY_SEPARATOR);
const requestSort = (id: string) => `request${KEY_SEPARATOR}${id}`;
const lockSort = (subjectKey: string) => `open${KEY_SEPARATOR}${subjectKey}`;
const idempotencySort = (key: string) =>
  `idem${KEY_SEPARATOR}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
const stateSortOf = (dueAt: string, app: string, id: string) => [dueAt, keyPart(app), id].join(KEY_SEPARATOR);

/** One open request per subject: the account's hash, or every account of the app. */
function subjectKeyOf(input: { subject: DeletionSubjectKind; accountHash?: string | undefined }): string {
  if (input.subject === 'allAccounts') return 'allAccounts';
  if (!input.accountHash) throw new Error('an account request needs its account hash');
  return input.accountHash;
}

/** What an Idempotency-Key is bound to: replaying it with another body is a conflict. */
function fingerprintOf(input: NewDeletionRequest): string {
  const canonical = JSON.stringify([input.subject, input.accountHash ?? null, [...input.categories].sort()]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const REQUEST_FIELDS = [
  'id',
  'app',
  'subject',
  'account',
  'accountHash',
  'categories',
  'status',
  'createdAt',
  'dueAt',
  'completedAt',
  'requestedBy',
  'deleted',
  'withheld',
  'generation',
  'cursor',
  'pending',
  'passWithheld',
  'passHolds',
  'leaseOwner',
  'leaseUntil',
] as const;

function toRequest(item: Record<string, unknown>): DeletionRequest {
  const request: Record<string, unknown> = {};
  for (const field of REQUEST_FIELDS) if (item[field] !== undefined) request[field] = item[field];
  return request as unknown as DeletionRequest;
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

/** Audit details of a request: ids, times, counts and the keyed hash, never the account. */
function auditDetails(request: DeletionRequest): Record<string, unknown> {
  return {
    requestId: request.id,
    subject: request.subject,
    ...(request.accountHash ? { accountHash: request.accountHash } : {}),
    categories: request.categories,
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Which parts of a cancelled transaction failed their condition, by position. */
function cancelledByCondition(error: unknown): boolean[] | undefined {
  if ((error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code === 'ConditionalCheckFailed');
}

export function createDeletionRequestStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  audit: AuditStore;
}): DeletionRequestStore {
  const { doc, tableName, audit } = opts;
  const requestKey = (app: string, id: string) => ({ pk: deletionPartition(app), sk: requestSort(id) });

  async function getItem(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      return Item;
    } catch (cause) {
      throw new StoreError('deletion request read failed', { cause });
    }
  }

  async function get(app: string, id: string): Promise<DeletionRequest | undefined> {
    const item = await getItem(requestKey(app, id));
    return item ? toRequest(item) : undefined;
  }

  async function queryOpen(upTo?: string): Promise<DeletionRequest[]> {
    const requests: DeletionRequest[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: STATE_INDEX,
            KeyConditionExpression:
              upTo === undefined ? 'stateKey = :state' : 'stateKey = :state AND stateSort <= :upTo',
            ExpressionAttributeValues: {
              ':state': OPEN_STATE,
              ...(upTo === undefined ? {} : { ':upTo': upTo }),
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) requests.push(toRequest(item));
        start = page.LastEvaluatedKey;
      } while (start);
    } catch (cause) {
      throw new StoreError('open deletion requests could not be listed', { cause });
    }
    return requests;
  }

  async function replay(input: NewDeletionRequest): Promise<DeletionRequest | undefined> {
    if (input.idempotencyKey === undefined) return undefined;
    const item = await getItem({
      pk: deletionPartition(input.app),
      sk: idempotencySort(input.idempotencyKey),
    });
    if (!item) return undefined;
    if (item.fingerprint !== fingerprintOf(input)) {
      throw new ConflictError('Idempotency-Key: already used for a different deletion request');
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
          expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
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
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
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
      {
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
      audit.putFor(entry),
    ];
    if (input.idempotencyKey !== undefined) items.push(idempotencyPut(input, id, now));
    try {
      await transact(items);
      return { request };
    } catch (error) {
      const failed = cancelledByCondition(error);
      if (failed?.[3]) return { blockedBy: 'idempotency' };
      if (failed?.[1]) return { blockedBy: 'lock' };
      throw new StoreError('deletion request could not be created', { cause: error });
    }
  }

  /** Joins the open request for the subject (widening its categories); undefined if it just closed. */
  async function tryJoin(input: NewDeletionRequest, now: Date): Promise<DeletionRequest | undefined> {
    const lock = await getItem({ pk: deletionPartition(input.app), sk: lockSort(subjectKeyOf(input)) });
    if (!lock) return undefined;
    const open = await get(input.app, String(lock.requestId));
    if (!open || open.status === 'completed') return undefined;
    const { categories, widened } = mergeCategories(open.categories, input.categories);
    const entry: AuditEntry = {
      app: input.app,
      action: 'deletionJoined',
      at: now.toISOString(),
      details: { ...auditDetails(open), requestedBy: input.requestedBy, requested: input.categories },
    };
    const key = requestKey(input.app, open.id);
    // The open request must still be open, and not widened meanwhile by another joiner.
    const stillOpen = {
      ConditionExpression: 'attribute_exists(stateKey) AND generation = :generation',
      ExpressionAttributeValues: { ':generation': open.generation } as Record<string, unknown>,
    };
    const update = widened
      ? {
          Update: {
            TableName: tableName,
            Key: key,
            // A widened request starts its pass again (a pending batch is still counted by its worker).
            UpdateExpression:
              'SET categories = :categories, generation = generation + :one, #status = :status REMOVE #cursor, passWithheld, passHolds',
            ConditionExpression: stillOpen.ConditionExpression,
            ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
            ExpressionAttributeValues: {
              ...stillOpen.ExpressionAttributeValues,
              ':categories': categories,
              ':one': 1,
              ':status': open.status === 'received' ? 'received' : 'processing',
            },
          },
        }
      : { ConditionCheck: { TableName: tableName, Key: key, ...stillOpen } };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [update, audit.putFor(entry)];
    if (input.idempotencyKey !== undefined) items.push(idempotencyPut(input, open.id, now));
    try {
      await transact(items);
    } catch (error) {
      if (cancelledByCondition(error)) return undefined;
      throw new StoreError('deletion request could not be joined', { cause: error });
    }
    return get(input.app, open.id);
  }

  async function leaseUpdate(
    request: DeletionRequest,
    owner: string,
    update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
    checkGeneration: boolean,
  ): Promise<DeletionRequest> {
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: requestKey(request.app, request.id),
          UpdateExpression: update.expression,
          ConditionExpression: checkGeneration
            ? 'leaseOwner = :owner AND generation = :generation'
            : 'leaseOwner = :owner',
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: {
            ...update.values,
            ':owner': owner,
            ...(checkGeneration ? { ':generation': request.generation } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRequest(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) throw await leaseFailure(request, owner);
      throw new StoreError('deletion progress could not be saved', { cause: error });
    }
  }

  async function leaseFailure(request: DeletionRequest, owner: string): Promise<Error> {
    const current = await get(request.app, request.id);
    if (current?.leaseOwner === owner && current.generation !== request.generation) {
      return new GenerationChangedError('the request was widened by a joining request');
    }
    return new LeaseLostError('the deletion request is no longer leased by this worker');
  }

  return {
    async create(input, now) {
      for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
        const replayed = await replay(input);
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

    async acquire(app, id, owner, now, leaseMs) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(app, id),
            UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, #status = :processing',
            ConditionExpression:
              'attribute_exists(stateKey) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':owner': owner,
              ':until': now.getTime() + leaseMs,
              ':now': now.getTime(),
              ':processing': 'processing',
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ? toRequest(Attributes) : undefined;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw new StoreError('deletion request could not be leased', { cause: error });
      }
    },

    async release(request, owner) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(request.app, request.id),
            UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
            ConditionExpression: 'leaseOwner = :owner',
            ExpressionAttributeValues: { ':owner': owner },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) return;
        throw new StoreError('deletion request lease could not be released', { cause: error });
      }
    },

    checkpoint(request, owner, page) {
      return leaseUpdate(
        request,
        owner,
        {
          expression: page.pending
            ? 'SET #cursor = :cursor, passWithheld = :withheld, passHolds = :holds, pending = :pending'
            : 'SET #cursor = :cursor, passWithheld = :withheld, passHolds = :holds',
          names: { '#cursor': 'cursor' },
          values: {
            ':cursor': page.cursor,
            ':withheld': page.passWithheld,
            ':holds': page.passHolds,
            ...(page.pending ? { ':pending': page.pending } : {}),
          },
        },
        true,
      );
    },

    commitPending(request, owner) {
      const counts = request.pending?.counts ?? zeroCounts();
      return leaseUpdate(
        request,
        owner,
        {
          expression:
            'SET deleted.userInfo = deleted.userInfo + :userInfo, deleted.messages = deleted.messages + :messages REMOVE pending',
          values: { ':userInfo': counts.userInfo, ':messages': counts.messages },
        },
        false,
      );
    },

    async finishPass(request, owner, outcome) {
      const at = outcome.at.toISOString();
      const completed = outcome.status === 'completed';
      const withheld: WithheldCounts = completed ? { ...zeroCounts(), holds: [] } : outcome.withheld;
      const entry: AuditEntry = {
        app: request.app,
        action: completed ? 'deletionCompleted' : 'deletionWithheld',
        at,
        details: {
          ...auditDetails(request),
          deleted: request.deleted,
          ...(completed ? { completedAt: at } : { withheld }),
        },
      };
      const update = {
        Update: {
          TableName: tableName,
          Key: requestKey(request.app, request.id),
          UpdateExpression: completed
            ? 'SET #status = :status, completedAt = :at, withheld = :withheld REMOVE account, stateKey, stateSort, #cursor, passWithheld, passHolds, leaseOwner, leaseUntil'
            : 'SET #status = :status, withheld = :withheld REMOVE #cursor, passWithheld, passHolds, leaseOwner, leaseUntil',
          ConditionExpression:
            'leaseOwner = :owner AND generation = :generation AND attribute_not_exists(pending)',
          ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':withheld': withheld,
            ':owner': owner,
            ':generation': request.generation,
            ...(completed ? { ':at': at } : {}),
          },
        },
      };
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [update, audit.putFor(entry)];
      if (completed) {
        items.push({
          Delete: {
            TableName: tableName,
            Key: { pk: deletionPartition(request.app), sk: lockSort(subjectKeyOf(request)) },
            ConditionExpression: 'attribute_not_exists(pk) OR requestId = :id',
            ExpressionAttributeValues: { ':id': request.id },
          },
        });
      }
      try {
        await transact(items);
      } catch (error) {
        if (cancelledByCondition(error)?.[0]) throw await leaseFailure(request, owner);
        throw new StoreError('deletion request could not be finished', { cause: error });
      }
      const finished = await get(request.app, request.id);
      if (!finished) throw new StoreError('finished deletion request vanished');
      return finished;
    },
  };
}
