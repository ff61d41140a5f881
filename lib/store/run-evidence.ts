import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, StoreError } from '../errors.js';
import { EVIDENCE_KIND, evidenceExpiresAt, type RunEvidence } from '../policy/evidence.js';
import { epochSeconds, isLiveItem, monthOf, monthRange } from '../policy/time.js';
import { expiringAttributes, KEY_SEPARATOR } from './keys.js';

/**
 * The conformance history (lib/policy/evidence.ts): one item per `expire` or `purge` run in the governance
 * table, pk `evidence#<YYYY-MM>` of the run's start, sk `<startedAt>#<run>#<id>`, expiring with the same
 * machinery as every other kind. Read a month partition at a time, in time order, a bounded page per call.
 */
export interface RunEvidenceStore {
  record(evidence: RunEvidence): Promise<void>;
  page(range: { from: Date; to: Date; now: Date; limit: number; cursor?: string }): Promise<EvidencePage>;
}

export interface EvidencePage {
  readonly runs: RunEvidence[];
  readonly nextCursor: string | null;
}

export const EVIDENCE_PREFIX = 'evidence';
/** The `app` of an evidence item on the expiry index: the deployment, never a customer's app. */
const DEPLOYMENT = 'deployment';

const pkOf = (month: string) => [EVIDENCE_PREFIX, month].join(KEY_SEPARATOR);

interface Position {
  readonly month: string;
  readonly lastKey?: Record<string, unknown>;
}

/**
 * A cursor this route returned for this very range: its month is in the range, and its last key is an
 * evidence key of that month inside the range (anything else would make DynamoDB refuse the Query).
 */
function decode(cursor: string, months: readonly string[], range: { from: string; to: string }): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position & {
      from?: unknown;
      to?: unknown;
    };
    const lastKey = parsed?.lastKey;
    const valid =
      typeof parsed?.month === 'string' &&
      months.includes(parsed.month) &&
      parsed.from === range.from &&
      parsed.to === range.to &&
      (lastKey === undefined ||
        (Object.keys(lastKey).length === 2 &&
          lastKey.pk === pkOf(parsed.month) &&
          typeof lastKey.sk === 'string' &&
          lastKey.sk >= range.from &&
          lastKey.sk <= `${range.to}${KEY_SEPARATOR}~`));
    if (valid) return { month: parsed.month, ...(lastKey ? { lastKey } : {}) };
  } catch {
    // not a cursor at all
  }
  throw new InvalidCursorError(
    'cursor: not a cursor this route returned for this range (pass the same from and to)',
  );
}

const encode = (position: Position, range: { from: string; to: string }) =>
  Buffer.from(JSON.stringify({ ...position, ...range }), 'utf8').toString('base64url');

export function createRunEvidenceStore(opts: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): RunEvidenceStore {
  const { doc, tableName } = opts;
  return {
    async record(evidence) {
      const startedAt = new Date(evidence.startedAt);
      const sk = [evidence.startedAt, evidence.run, randomUUID()].join(KEY_SEPARATOR);
      const pk = pkOf(monthOf(epochSeconds(startedAt)));
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk,
              sk,
              ...expiringAttributes(
                EVIDENCE_KIND,
                DEPLOYMENT,
                evidenceExpiresAt(startedAt),
                `${pk}${KEY_SEPARATOR}${sk}`,
              ),
              evidence,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (cause) {
        throw new StoreError('run evidence could not be recorded', { cause });
      }
    },

    async page({ from, to, now, limit, cursor }) {
      const months = monthRange(monthOf(epochSeconds(from)), monthOf(epochSeconds(to)));
      const range = { from: from.toISOString(), to: to.toISOString() };
      let position: Position | undefined =
        cursor === undefined ? { month: months[0] as string } : decode(cursor, months, range);
      const runs: RunEvidence[] = [];
      // Bounded by what is read, not by what is live: expired entries TTL has not removed yet count too.
      let read = 0;
      while (position && read < limit) {
        let page: QueryCommandOutput;
        try {
          page = await doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
              ExpressionAttributeValues: {
                ':pk': pkOf(position.month),
                ':from': from.toISOString(),
                ':to': `${to.toISOString()}${KEY_SEPARATOR}~`,
              },
              ExclusiveStartKey: position.lastKey,
              Limit: limit - read,
            }),
          );
        } catch (cause) {
          throw new StoreError('run evidence could not be read', { cause });
        }
        for (const item of page.Items ?? []) {
          read += 1;
          if (isLiveItem(item, now)) runs.push(item.evidence as RunEvidence);
        }
        const next: string | undefined = months[months.indexOf(position.month) + 1];
        position = page.LastEvaluatedKey
          ? { month: position.month, lastKey: page.LastEvaluatedKey }
          : next
            ? { month: next }
            : undefined;
      }
      return { runs, nextCursor: position ? encode(position, range) : null };
    },
  };
}

/**
 * Records a run's evidence without failing the run: what it deleted is deleted either way, so a failed
 * write goes to `log` (the function's logger) and shows as a gap in the history.
 */
export async function recordEvidence(
  write: () => Promise<void>,
  log?: (error: unknown) => void,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    log?.(error);
  }
}
