import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GenerationChangedError, LeaseLostError, StoreError } from '../errors.js';
import { type CategoryCounts, zeroCounts } from '../policy/deletion.js';
import type { AuditEntry, AuditStore } from './audit.js';
import {
  auditDetails,
  COMPLETED_STATE,
  type DeletionRequest,
  deletionPartition,
  type ErasureCursor,
  lockSort,
  OPEN_STATE,
  type PendingBatch,
  readRequest,
  requestKey,
  stateSortOf,
  subjectKeyOf,
  toRequest,
  type WithheldCounts,
} from './deletion-records.js';
import { failedConditions, isConditionFailure } from './sdk-errors.js';
import { namedTransaction } from './transaction.js';

/**
 * The deletion worker's side of a D3 request: the lease, the checkpoints of each page and the end of a
 * pass. Every write is conditional on the worker's lease, so a crash or timeout resumes exactly.
 * Composed into `createDeletionRequestStore` (deletion-requests.ts), which is what callers use.
 */

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

export interface DeletionProgressStore {
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

export function createDeletionProgressStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  audit: AuditStore;
}): DeletionProgressStore {
  const { doc, tableName, audit } = opts;
  const get = (app: string, id: string) => readRequest(doc, tableName, app, id);

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
    async acquire(app, id, owner, now, leaseMs) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(app, id),
            UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, #status = :processing',
            ConditionExpression:
              'stateKey = :open AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':open': OPEN_STATE,
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
            ? 'SET #status = :status, completedAt = :at, withheld = :withheld, stateKey = :completedState, stateSort = :completedSort REMOVE account, #cursor, passWithheld, passHolds, leaseOwner, leaseUntil'
            : 'SET #status = :status, withheld = :withheld REMOVE #cursor, passWithheld, passHolds, leaseOwner, leaseUntil',
          ConditionExpression:
            'leaseOwner = :owner AND generation = :generation AND attribute_not_exists(pending)',
          ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':withheld': withheld,
            ':owner': owner,
            ':generation': request.generation,
            ...(completed
              ? {
                  ':at': at,
                  ':completedState': COMPLETED_STATE,
                  ':completedSort': stateSortOf(at, request.app, request.id),
                }
              : {}),
          },
        },
      };
      const finish = namedTransaction({
        request: update,
        audit: audit.putFor(entry),
        lock: completed
          ? {
              Delete: {
                TableName: tableName,
                Key: { pk: deletionPartition(request.app), sk: lockSort(subjectKeyOf(request)) },
                ConditionExpression: 'attribute_not_exists(pk) OR requestId = :id',
                ExpressionAttributeValues: { ':id': request.id },
              },
            }
          : undefined,
      });
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: finish.items }));
      } catch (error) {
        if (failedConditions(error, finish)?.has('request')) throw await leaseFailure(request, owner);
        throw new StoreError('deletion request could not be finished', { cause: error });
      }
      const finished = await get(request.app, request.id);
      if (!finished) throw new StoreError('finished deletion request vanished');
      return finished;
    },
  };
}
