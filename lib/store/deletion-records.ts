import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import type { PersonalCategoryId } from '../policy/categories.js';
import type { CategoryCounts, DeletionStatus } from '../policy/deletion.js';
import { KEY_SEPARATOR, keyPart } from './keys.js';
import type { ItemKey } from './personal-keys.js';

/** A deletion request as stored (the layout is documented in deletion-requests.ts). */
export type DeletionSubjectKind = 'account' | 'allAccounts' | 'group';

export interface ErasureCursor {
  /** Index into the request's erasure steps (personal-erasure.ts `erasureSteps`). */
  readonly step: number;
  /** The owner index's LastEvaluatedKey within that step. */
  readonly lastKey?: Record<string, unknown>;
}

export interface PendingBatch {
  /** Keys to delete. */
  readonly keys: ItemKey[];
  /** Messages to replace by tombstones keeping their expiry. */
  readonly tombstones?: Array<{ key: ItemKey; app: string; expiresAt: number }>;
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
  /** The destroyed group whose messages a `group` request erases. */
  readonly groupId?: string;
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

/**
 * The deletion request's item layout (documented in deletion-requests.ts), shared by the request side
 * (deletion-requests.ts: create, join, list) and the worker side (deletion-progress.ts: lease, checkpoints).
 */
/** byState partition of every open request (received, processing, withheld), sorted by dueAt. */
export const OPEN_STATE = 'deletion#open';
/** byState partition of every completed request, sorted by completedAt. */
export const COMPLETED_STATE = 'deletion#completed';
export const STATE_INDEX = 'byState';

/** byState sort key: `<dueAt>#<app>#<id>` while open, `<completedAt>#<app>#<id>` once completed. */
export const stateSortOf = (at: string, app: string, id: string) =>
  [at, keyPart(app), id].join(KEY_SEPARATOR);

export const deletionPartition = (app: string) => ['deletion', keyPart(app)].join(KEY_SEPARATOR);
export const lockSort = (subjectKey: string) => `open${KEY_SEPARATOR}${subjectKey}`;

export function requestKey(app: string, id: string): { pk: string; sk: string } {
  return { pk: deletionPartition(app), sk: `request${KEY_SEPARATOR}${id}` };
}

/** One open request per subject: the account's hash, every account of the app, or a destroyed group. */
export function subjectKeyOf(input: {
  subject: DeletionSubjectKind;
  accountHash?: string | undefined;
  groupId?: string | undefined;
}): string {
  if (input.subject === 'allAccounts') return 'allAccounts';
  if (input.subject === 'group') {
    if (input.groupId === undefined) throw new Error('a group request needs its group id');
    return ['group', keyPart(input.groupId)].join(KEY_SEPARATOR);
  }
  if (!input.accountHash) throw new Error('an account request needs its account hash');
  return input.accountHash;
}

const REQUEST_FIELDS = [
  'id',
  'app',
  'subject',
  'account',
  'accountHash',
  'groupId',
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

export function toRequest(item: Record<string, unknown>): DeletionRequest {
  const request: Record<string, unknown> = {};
  for (const field of REQUEST_FIELDS) if (item[field] !== undefined) request[field] = item[field];
  return request as unknown as DeletionRequest;
}

/** Audit details of a request: ids, times, counts and the keyed hash, never the account. */
export function auditDetails(request: DeletionRequest): Record<string, unknown> {
  return {
    requestId: request.id,
    subject: request.subject,
    ...(request.accountHash ? { accountHash: request.accountHash } : {}),
    categories: request.categories,
  };
}

/** A consistent read of one governance item of the deletion partition. */
export async function readItem(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; sk: string },
): Promise<Record<string, unknown> | undefined> {
  try {
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    return Item;
  } catch (cause) {
    throw new StoreError('deletion request read failed', { cause });
  }
}

export async function readRequest(
  doc: DynamoDBDocumentClient,
  tableName: string,
  app: string,
  id: string,
): Promise<DeletionRequest | undefined> {
  const item = await readItem(doc, tableName, requestKey(app, id));
  return item ? toRequest(item) : undefined;
}
