/**
 * Published AWS prices the capacity model multiplies by (us-east-1, on demand, Lambda on arm64, as the
 * deployment is configured). Prices change: check the pages below before budgeting with them.
 * DynamoDB: https://aws.amazon.com/dynamodb/pricing/on-demand/ · Lambda: https://aws.amazon.com/lambda/pricing/
 * API Gateway: https://aws.amazon.com/api-gateway/pricing/ · CloudWatch: https://aws.amazon.com/cloudwatch/pricing/
 */
export const PRICES = {
  /** DynamoDB on-demand, per million write request units. */
  dynamoWritePerMillion: 0.625,
  /** DynamoDB on-demand, per million read request units. */
  dynamoReadPerMillion: 0.125,
  /** DynamoDB Standard table class storage, per GB-month. */
  dynamoStoragePerGbMonth: 0.25,
  /** Point-in-time recovery (continuous backups), per GB-month of table size. */
  pitrPerGbMonth: 0.2,
  /** Lambda requests, per million. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda duration on arm64, per GB-second. */
  lambdaPerGbSecond: 0.0000133334,
  /** HTTP API requests, per million (first 300 million a month; 0.90 after). */
  httpApiPerMillion: 1.0,
  httpApiPerMillionAfter300M: 0.9,
  /** CloudWatch Logs ingestion, per GB (Lambda's START/END/REPORT lines at least). */
  logsIngestionPerGb: 0.5,
} as const;

/** DynamoDB's per-partition limits and Lambda's default regional concurrency. */
export const LIMITS = {
  partitionWriteUnitsPerSecond: 1000,
  partitionReadUnitsPerSecond: 3000,
  partitionGb: 10,
  lambdaRegionalConcurrency: 1000,
} as const;

export const SECONDS_PER_MONTH = 30.4375 * 86_400;
