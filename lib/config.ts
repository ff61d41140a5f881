import * as z from 'zod';
import { ConfigurationError } from './errors.js';

/**
 * The deployment's configuration, read once from the environment and checked loudly:
 * a missing or malformed value throws at cold start, naming the variable.
 */
const tableNames = {
  apps: 'APPS_TABLE',
  personal: 'PERSONAL_TABLE',
  telemetry: 'TELEMETRY_TABLE',
  governance: 'GOVERNANCE_TABLE',
} as const;

export type TableKey = keyof typeof tableNames;

/** Unset and empty are the same: serverless.yml writes '' for values a stage does not use. */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/**
 * The write-shard counts every deployment used before they became configuration: each history of
 * counts begins with them, so readers still reach what was written then.
 */
export const ORIGINAL_SHARDS = { expiry: 8, owner: 16 } as const;
/** Above this, walking every shard of a month (expiry) or of an app (erasure, export) costs more than it spreads. */
export const MAX_SHARDS = 1024;
/** Each count kept in a history adds one Query to every per-account read of the owner index. */
export const MAX_SHARD_HISTORY = 8;

/**
 * Every write-shard count an index was written with, ascending: writers use the last (`write`), readers
 * cover every shard any of them could have chosen (lib/store/keys.ts).
 */
export interface ShardCounts {
  readonly write: number;
  readonly history: readonly number[];
}

/** The counts of both sharded indexes: byExpiry (per category-month) and byOwner (per app). */
export interface IndexShards {
  readonly expiry: ShardCounts;
  readonly owner: ShardCounts;
}

/** Why a shard history such as `8,32` is refused, or undefined when it is sound. */
function shardHistoryProblem(counts: readonly number[], original: number): string | undefined {
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_SHARDS))
    return `a comma-separated list of shard counts, each an integer from 1 to ${MAX_SHARDS}`;
  if (counts.length > MAX_SHARD_HISTORY) return `at most ${MAX_SHARD_HISTORY} counts`;
  if (counts[0] !== original)
    return `must begin with ${original}, the count every deployment wrote with before it was configurable (e.g. ${original},${original * 4})`;
  const lowered = counts.findIndex((n, i) => i > 0 && n <= (counts[i - 1] as number));
  if (lowered > 0)
    return `${counts[lowered]} after ${counts[lowered - 1]}: a shard count may only be raised, and every count ever used stays listed, so readers still find what was written with it`;
  return undefined;
}

/** A shard history variable: unset means the original count alone; the last count is the one written with. */
const shardCounts = (original: number) =>
  z.preprocess(emptyAsUndefined, z.string().default(String(original))).transform((raw, ctx): ShardCounts => {
    const counts = raw.split(',').map((part) => (/^\s*[0-9]+\s*$/.test(part) ? Number(part) : Number.NaN));
    const problem = shardHistoryProblem(counts, original);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${raw}: ${problem}`, input: raw });
      return z.NEVER;
    }
    return { write: counts[counts.length - 1] as number, history: counts };
  });

const indexShardsSchema = z.object({
  EXPIRY_INDEX_SHARDS: shardCounts(ORIGINAL_SHARDS.expiry),
  OWNER_INDEX_SHARDS: shardCounts(ORIGINAL_SHARDS.owner),
});

/** Parses `env` with `schema`, or throws one ConfigurationError naming every variable at fault. */
function parseEnvironment<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.join('.')} (${issue.message})`)
    .join('; ');
  throw new ConfigurationError(`missing or invalid environment variable(s): ${problems}`);
}

/**
 * The shard counts alone (EXPIRY_INDEX_SHARDS, OWNER_INDEX_SHARDS), for the key layout, which every
 * store, script and test shares; loadEnvironment checks the same variables at every cold start.
 */
export function loadIndexShards(env: Record<string, string | undefined> = process.env): IndexShards {
  const e = parseEnvironment(indexShardsSchema, env);
  return { expiry: e.EXPIRY_INDEX_SHARDS, owner: e.OWNER_INDEX_SHARDS };
}

const envSchema = indexShardsSchema.extend({
  APPS_TABLE: z.string().min(1),
  PERSONAL_TABLE: z.string().min(1),
  TELEMETRY_TABLE: z.string().min(1),
  GOVERNANCE_TABLE: z.string().min(1),
  DATA_CENTER: z.string().min(1),
  DYNAMODB_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
  LAMBDA_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  EXPIRY_GRACE_SECONDS: z.coerce.number().int().min(0).default(0),
  CALLBACK_MAX_SKEW_SECONDS: z.coerce.number().int().min(1).default(60),
  FUNCTION_NAME_PREFIX: z.string().default(''),
  APP_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(2),
  OPERATOR_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16).optional()),
  OPERATOR_TOKEN_PARAMETER: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  AUDIT_HMAC_KEY: z.preprocess(emptyAsUndefined, z.string().min(16).optional()),
  AUDIT_HMAC_KEY_PARAMETER: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  RECEIPT_SIGNING_KEY: z.preprocess(emptyAsUndefined, z.string().min(40).optional()),
  RECEIPT_SIGNING_KEY_PARAMETER: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  RECEIPT_RETIRED_PUBLIC_KEYS: z.string().default(''),
});

export interface AppEnvironment {
  readonly tables: Readonly<Record<TableKey, string>>;
  readonly dataCenter: string;
  readonly dynamodbEndpoint: string | undefined;
  /** Locally, serverless-offline's Lambda Invoke API; in AWS unset (the SDK's default endpoint). */
  readonly lambdaEndpoint: string | undefined;
  readonly region: string;
  readonly expiryGraceSeconds: number;
  readonly callbackMaxSkewSeconds: number;
  /**
   * How long a warm callback container may reuse an app record or an app's legal holds it read (0:
   * never); every route changing them waits this long before it answers (lib/http/settle.ts).
   */
  readonly appCacheSeconds: number;
  /** `${service}-${stage}-`: prefix of deployed function names, for asynchronous invokes. */
  readonly functionNamePrefix: string;
  readonly operatorToken: string | undefined;
  readonly operatorTokenParameter: string | undefined;
  readonly auditHmacKey: string | undefined;
  readonly auditHmacKeyParameter: string | undefined;
  /** Ed25519 PKCS#8 DER, base64 (lib/evidence/receipt-signature.ts): locally; in AWS the SSM parameter. */
  readonly receiptSigningKey: string | undefined;
  readonly receiptSigningKeyParameter: string | undefined;
  /** Public keys (SPKI DER, base64url) of retired signing keys, still published for old receipts. */
  readonly receiptRetiredPublicKeys: readonly string[];
  /** Write-shard counts of the expiry and owner indexes, each with every count used before (docs/scale.md). */
  readonly indexShards: IndexShards;
}

export function loadEnvironment(env: Record<string, string | undefined> = process.env): AppEnvironment {
  const e = parseEnvironment(envSchema, env);
  return {
    tables: {
      apps: e[tableNames.apps],
      personal: e[tableNames.personal],
      telemetry: e[tableNames.telemetry],
      governance: e[tableNames.governance],
    },
    dataCenter: e.DATA_CENTER,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    lambdaEndpoint: e.LAMBDA_ENDPOINT,
    region: e.AWS_REGION,
    expiryGraceSeconds: e.EXPIRY_GRACE_SECONDS,
    callbackMaxSkewSeconds: e.CALLBACK_MAX_SKEW_SECONDS,
    appCacheSeconds: e.APP_CACHE_SECONDS,
    functionNamePrefix: e.FUNCTION_NAME_PREFIX,
    operatorToken: e.OPERATOR_TOKEN,
    operatorTokenParameter: e.OPERATOR_TOKEN_PARAMETER,
    auditHmacKey: e.AUDIT_HMAC_KEY,
    auditHmacKeyParameter: e.AUDIT_HMAC_KEY_PARAMETER,
    receiptSigningKey: e.RECEIPT_SIGNING_KEY,
    receiptSigningKeyParameter: e.RECEIPT_SIGNING_KEY_PARAMETER,
    receiptRetiredPublicKeys: e.RECEIPT_RETIRED_PUBLIC_KEYS.split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    indexShards: { expiry: e.EXPIRY_INDEX_SHARDS, owner: e.OWNER_INDEX_SHARDS },
  };
}

/** Environment variables naming each table, for scripts that set them. */
export const TABLE_ENV_NAMES = tableNames;

/** The variables naming each table, set to `tables` (what a function reads to find its tables). */
export function tableEnvironment(tables: Readonly<Record<TableKey, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(TABLE_ENV_NAMES).map(([key, name]) => [name, tables[key as TableKey]]),
  );
}
