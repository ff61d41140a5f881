import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { BadRequestError, StoreError } from '../errors.js';
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

function decode(cursor: string, months: readonly string[]): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    const valid =
      typeof parsed?.month === 'string' &&
      months.includes(parsed.month) &&
      (parsed.lastKey === undefined ||
        (typeof parsed.lastKey.pk === 'string' && typeof parsed.lastKey.sk === 'string'));
    if (valid) return parsed;
  } catch {
    // fall through
  }
  throw new BadRequestError('cursor: not a cursor this route returned for this range');
}

const encode = (position: Position) => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

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
      let position: Position | undefined =
        cursor === undefined ? { month: months[0] as string } : decode(cursor, months);
      const runs: RunEvidence[] = [];
      while (position && runs.length < limit) {
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
              Limit: limit - runs.length,
            }),
          );
        } catch (cause) {
          throw new StoreError('run evidence could not be read', { cause });
        }
        for (const item of page.Items ?? [])
          if (isLiveItem(item, now)) runs.push(item.evidence as RunEvidence);
        const next: string | undefined = months[months.indexOf(position.month) + 1];
        position = page.LastEvaluatedKey
          ? { month: position.month, lastKey: page.LastEvaluatedKey }
          : next
            ? { month: next }
            : undefined;
      }
      return { runs, nextCursor: position ? encode(position) : null };
    },
  };
}
