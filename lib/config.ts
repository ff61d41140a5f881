import * as z from 'zod';

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

const envSchema = z.object({
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
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function loadEnvironment(env: Record<string, string | undefined> = process.env): AppEnvironment {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')} (${issue.message})`)
      .join('; ');
    throw new ConfigurationError(`missing or invalid environment variable(s): ${problems}`);
  }
  const e = parsed.data;
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
