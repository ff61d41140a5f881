/**
 * GDPR art. 30(2)(d), 32: the technical measures every category gets, as the deployment sets them
 * (serverless.yml; test/deploy/template.int.test.ts holds the template to these values).
 */

/** Every table: DynamoDB server-side encryption with an AWS KMS key (`SSESpecification.SSEType`). */
export const ENCRYPTION_AT_REST_SSE_TYPE = 'KMS';

export interface TechnicalMeasures {
  readonly encryptionAtRest: { readonly sseType: typeof ENCRYPTION_AT_REST_SSE_TYPE };
  readonly encryptionInTransit: 'TLS';
  /** Who may read it: the operator's bearer token, the app admin's UserSig, one IAM role per function. */
  readonly accessControl: 'perFunctionRoles';
  /** Accounts appear in logs and audit records only as keyed hashes (lib/policy/pseudonym.ts). */
  readonly pseudonymisedLogs: true;
}

export const TECHNICAL_MEASURES: TechnicalMeasures = {
  encryptionAtRest: { sseType: ENCRYPTION_AT_REST_SSE_TYPE },
  encryptionInTransit: 'TLS',
  accessControl: 'perFunctionRoles',
  pseudonymisedLogs: true,
};
