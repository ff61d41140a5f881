import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, StoreError } from '../errors.js';
import type { DeletionStatus } from '../policy/deletion.js';
import {
  COMPLETED_STATE,
  type DeletionRequest,
  deletionPartition,
  OPEN_STATE,
  STATE_INDEX,
  toRequest,
} from './deletion-records.js';
import { KEY_SEPARATOR } from './keys.js';
import { liveCondition } from './live.js';

/**
 * The operator's list of D3 requests of every app (GET /deletion-requests), read from the governance
 * table's byState index only: the open partition (earliest deadline first) and the completed one (latest
 * completion first). `overdue` is a key range of the open partition (`stateSort <= now`), a status a
 * filter within one partition; never a Scan or a COUNT. A page is bounded by the items it reads.
 */
export interface DeletionRequestListing {
  page(query: DeletionListQuery): Promise<DeletionListPage>;
}

/** What the operator filters by; `cursor` is a `nextCursor` this listing returned for the same filters. */
export interface DeletionListQuery {
  readonly status?: DeletionStatus | undefined;
  readonly overdue?: boolean | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly now: Date;
}

export interface DeletionListPage {
  readonly requests: DeletionRequest[];
  readonly nextCursor: string | null;
}

/** One Query over a byState partition, optionally bounded by a deadline. */
interface Segment {
  readonly stateKey: string;
  readonly bound?: { readonly op: '<=' | '>'; readonly value: string };
  readonly forward: boolean;
}

interface Position {
  readonly segment: number;
  readonly lastKey?: Record<string, unknown>;
}

/** What a cursor carries besides its position: the filters it belongs to and the instant it froze. */
interface CursorScope {
  readonly status: DeletionStatus | null;
  readonly overdue: boolean | null;
  /** The first page's `now`: the overdue boundary stays put across pages. */
  readonly asOf: string;
}

const LAST_KEY_FIELDS = ['pk', 'sk', 'stateKey', 'stateSort'];

/** The partitions and key ranges a filter reads, in answer order. */
function plan(status: DeletionStatus | null, overdue: boolean | null, asOf: string): Segment[] {
  // Every stateSort of a deadline at or before asOf sorts at or before this.
  const deadline = `${asOf}${KEY_SEPARATOR}\uffff`;
  const open: Segment = {
    stateKey: OPEN_STATE,
    forward: true,
    ...(overdue === null ? {} : { bound: { op: overdue ? '<=' : '>', value: deadline } }),
  };
  const completed: Segment = { stateKey: COMPLETED_STATE, forward: false };
  if (status === 'completed') return overdue === true ? [] : [completed];
  if (status !== null || overdue === true) return [open];
  return [open, completed];
}

function withinBound(segment: Segment, sort: string): boolean {
  if (!segment.bound) return true;
  return segment.bound.op === '<=' ? sort <= segment.bound.value : sort > segment.bound.value;
}

const encode = (position: Position, scope: CursorScope) =>
  Buffer.from(JSON.stringify({ ...scope, ...position }), 'utf8').toString('base64url');

/** A cursor this listing returned for these filters, or a 400 (never a Query DynamoDB would refuse). */
function decode(
  cursor: string,
  filters: Omit<CursorScope, 'asOf'>,
  now: Date,
): { scope: CursorScope; segments: Segment[]; position: Position } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const asOf = parsed.asOf;
    const asOfMs = typeof asOf === 'string' ? Date.parse(asOf) : Number.NaN;
    if (
      parsed.status === filters.status &&
      parsed.overdue === filters.overdue &&
      typeof asOf === 'string' &&
      Number.isFinite(asOfMs) &&
      new Date(asOfMs).toISOString() === asOf &&
      asOfMs <= now.getTime()
    ) {
      const scope: CursorScope = { ...filters, asOf };
      const segments = plan(filters.status, filters.overdue, asOf);
      const index = parsed.segment;
      const segment = typeof index === 'number' ? segments[index] : undefined;
      const lastKey = parsed.lastKey as Record<string, unknown> | undefined;
      if (segment && (lastKey === undefined || isLastKeyOf(segment, lastKey))) {
        return { scope, segments, position: { segment: index as number, ...(lastKey ? { lastKey } : {}) } };
      }
    }
  } catch {
    // not a cursor at all
  }
  throw new BadRequestError(
    'cursor: not a cursor this route returned for these filters (pass the same status and overdue)',
  );
}

function isLastKeyOf(segment: Segment, key: Record<string, unknown>): boolean {
  const fields = Object.keys(key);
  if (fields.length !== LAST_KEY_FIELDS.length || !LAST_KEY_FIELDS.every((f) => typeof key[f] === 'string')) {
    return false;
  }
  const { pk, sk, stateKey, stateSort = '' } = key as Record<string, string>;
  const [, app, id] = stateSort.split(KEY_SEPARATOR);
  return (
    stateKey === segment.stateKey &&
    withinBound(segment, stateSort) &&
    app !== undefined &&
    id !== undefined &&
    pk === deletionPartition(decodeURIComponent(app)) &&
    sk === `request${KEY_SEPARATOR}${id}`
  );
}

/** Builds the listing over the governance table's byState index. */
export function createDeletionRequestListing(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): DeletionRequestListing {
  const { doc, tableName } = opts;

  async function query(
    segment: Segment,
    q: { status: DeletionStatus | null; now: Date },
    page: {
      lastKey?: Record<string, unknown>;
      limit: number;
    },
  ): Promise<QueryCommandOutput> {
    const live = liveCondition(q.now);
    const byStatus = q.status !== null && q.status !== 'completed';
    try {
      return await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: STATE_INDEX,
          KeyConditionExpression: segment.bound
            ? `stateKey = :state AND stateSort ${segment.bound.op} :bound`
            : 'stateKey = :state',
          FilterExpression: byStatus ? `${live.expression} AND #status = :status` : live.expression,
          ExpressionAttributeNames: { ...live.names, ...(byStatus ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: {
            ':state': segment.stateKey,
            ...(segment.bound ? { ':bound': segment.bound.value } : {}),
            ...live.values,
            ...(byStatus ? { ':status': q.status } : {}),
          },
          ScanIndexForward: segment.forward,
          ExclusiveStartKey: page.lastKey,
          Limit: page.limit,
        }),
      );
    } catch (cause) {
      throw new StoreError('deletion requests could not be listed', { cause });
    }
  }

  return {
    async page({ status, overdue, limit, cursor, now }) {
      const filters = { status: status ?? null, overdue: overdue ?? null };
      const start =
        cursor === undefined
          ? (() => {
              const scope = { ...filters, asOf: now.toISOString() };
              return {
                scope,
                segments: plan(filters.status, filters.overdue, scope.asOf),
                position: { segment: 0 },
              };
            })()
          : decode(cursor, filters, now);
      const { scope, segments } = start;
      let position: Position | undefined = segments[start.position.segment] ? start.position : undefined;
      const requests: DeletionRequest[] = [];
      // Bounded by what is read: filtered-out and expired items count too, so a page may be short.
      let read = 0;
      while (position && read < limit) {
        const segment = segments[position.segment] as Segment;
        const answer = await query(
          segment,
          { status: filters.status, now },
          {
            ...(position.lastKey ? { lastKey: position.lastKey } : {}),
            limit: limit - read,
          },
        );
        read += answer.ScannedCount ?? answer.Items?.length ?? 0;
        for (const item of answer.Items ?? []) requests.push(toRequest(item));
        const next = position.segment + 1;
        position = answer.LastEvaluatedKey
          ? { segment: position.segment, lastKey: answer.LastEvaluatedKey }
          : segments[next]
            ? { segment: next }
            : undefined;
      }
      return { requests, nextCursor: position ? encode(position, scope) : null };
    },
  };
}
