/**
 * Every HTTP route in one table: method, path, who may call it, the body and answers it documents.
 * `GET /openapi.json` (functions/openapi/document.ts) and docs/api.md are rendered from it;
 * test/functions/openapi and test/deploy check it against serverless.yml's httpApi events, so a route
 * cannot be deployed undocumented or documented undeployed.
 */

/** A schema the document names, as `#/components/schemas/<name>` (functions/openapi/document.ts). */
export type ComponentName =
  | 'AppConfig'
  | 'PrivacySettings'
  | 'PrivacyPatch'
  | 'TerminationRequest'
  | 'TerminationAnswer'
  | 'ReactivationAnswer'
  | 'AppView'
  | 'DeletionRequestBody'
  | 'DeletionAccepted'
  | 'DeletionRequestStatus'
  | 'UserDataExport'
  | 'ConsentGrant'
  | 'ConsentGranted'
  | 'ConsentRecord'
  | 'ConsentWithdrawn'
  | 'AppExport'
  | 'LegalHoldBody'
  | 'LegalHold'
  | 'LegalHolds'
  | 'MonitoringPoints'
  | 'Conformance'
  | 'Policy'
  | 'ProcessingRecord'
  | 'CallbackBody'
  | 'CallbackAnswer'
  | 'ConformanceHistory'
  | 'DeletionRequestList'
  | 'SignedReceipt'
  | 'ReceiptKeys'
  | 'Problem';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
/** Who may call a route (docs/api.md, "Who calls"); several mean any one of them. */
export type Actor = 'public' | 'operator' | 'appAdmin' | 'imService';

export interface Answer {
  readonly description: string;
  readonly schema?: ComponentName;
  /** Default `application/json`. */
  readonly contentType?: string;
  /** Other media types the same answer comes in, chosen by the request's `Accept` (no schema). */
  readonly alsoAs?: readonly string[];
}

export interface RouteDoc {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly actors: readonly Actor[];
  readonly body?: { readonly schema: ComponentName; readonly required: boolean };
  readonly query?: readonly string[];
  readonly headers?: readonly string[];
  readonly answers: Readonly<Record<number, Answer>>;
}

/** A JSON answer with the named schema. */
export const jsonAnswer = (description: string, schema: ComponentName): Answer => ({ description, schema });

/** Every HTTP route (docs/api.md is rendered from this table). */
export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'POST',
    path: '/im/callback',
    operationId: 'imCallback',
    summary: 'Tencent IM third-party callback: D5 guard, stores messages and profiles under D1/D2',
    actors: ['imService'],
    body: { schema: 'CallbackBody', required: true },
    query: ['CallbackCommand', 'contenttype', 'ClientIP', 'OptPlatform'],
    answers: {
      200: jsonAnswer(
        'handled, or an unknown command ignored; a rejected message carries ErrorCode 120001/10100',
        'CallbackAnswer',
      ),
      400: jsonAnswer('malformed body for a known command; nothing stored', 'CallbackAnswer'),
      401: jsonAnswer('bad or missing Sign, stale RequestTime', 'CallbackAnswer'),
      403: jsonAnswer('unknown, terminated or purged app', 'CallbackAnswer'),
    },
  },
  {
    method: 'PUT',
    path: '/apps/{sdkAppId}',
    operationId: 'putApp',
    summary: "Register or replace an app's configuration (P4)",
    actors: ['operator'],
    body: { schema: 'AppConfig', required: true },
    answers: { 200: jsonAnswer('the stored configuration, secrets redacted', 'AppView') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}',
    operationId: 'getApp',
    summary: "The app's configuration, secrets redacted",
    actors: ['operator', 'appAdmin'],
    answers: {
      200: jsonAnswer('the configuration', 'AppView'),
      404: jsonAnswer('unknown or purged app', 'Problem'),
    },
  },
  {
    method: 'PATCH',
    path: '/apps/{sdkAppId}/privacy',
    operationId: 'patchPrivacy',
    summary: 'Change the D1/D2/D5 settings',
    actors: ['appAdmin'],
    body: { schema: 'PrivacyPatch', required: true },
    answers: { 200: jsonAnswer('the configuration after the change', 'AppView') },
  },
  {
    method: 'POST',
    path: '/apps/{sdkAppId}/termination',
    operationId: 'terminateApp',
    summary: 'Terminate: the configuration is purged 2 calendar months later (P4)',
    actors: ['operator'],
    body: { schema: 'TerminationRequest', required: false },
    answers: {
      200: jsonAnswer('terminated', 'TerminationAnswer'),
      404: jsonAnswer('unknown or purged app', 'Problem'),
    },
  },
  {
    method: 'DELETE',
    path: '/apps/{sdkAppId}/termination',
    operationId: 'reactivateApp',
    summary: 'Reactivate before the purge',
    actors: ['operator'],
    answers: {
      200: jsonAnswer('active again', 'ReactivationAnswer'),
      404: jsonAnswer('already purged', 'Problem'),
    },
  },
  {
    method: 'POST',
    path: '/apps/{sdkAppId}/deletion-requests',
    operationId: 'requestDeletion',
    summary: "Request deletion of an account's, or every account's, personal data (D3)",
    actors: ['appAdmin'],
    body: { schema: 'DeletionRequestBody', required: true },
    headers: ['Idempotency-Key'],
    answers: {
      202: jsonAnswer(
        'accepted (or the earlier request with the same Idempotency-Key); due one calendar month later',
        'DeletionAccepted',
      ),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/deletion-requests/{id}',
    operationId: 'getDeletionRequest',
    summary:
      'A deletion request: status, counts deleted and withheld by legal holds; once completed, its receipt signed with Ed25519',
    actors: ['appAdmin'],
    answers: {
      200: jsonAnswer('the request', 'DeletionRequestStatus'),
      404: jsonAnswer('unknown request', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/users/{account}/data',
    operationId: 'exportUserData',
    summary: 'Access/export: every unexpired userInfo and messages item stored for the account',
    actors: ['appAdmin'],
    answers: { 200: jsonAnswer('the stored data', 'UserDataExport') },
  },
  {
    method: 'PUT',
    path: '/apps/{sdkAppId}/users/{account}/consent',
    operationId: 'grantConsent',
    summary:
      "Record the account's consent (D6) for userInfo and/or messages, checked against its jurisdiction's minimum age (D4)",
    actors: ['appAdmin'],
    body: { schema: 'ConsentGrant', required: true },
    answers: {
      200: jsonAnswer(
        'granted: the consent now active, in force for every callback from this answer; a category the earlier consent covered and this one leaves out is withdrawn and erased (deletionRequestId)',
        'ConsentGranted',
      ),
      400: jsonAnswer(
        'a jurisdiction that is not an assigned ISO 3166-1 alpha-2 code, or a malformed body',
        'Problem',
      ),
      409: jsonAnswer('the app is terminated', 'Problem'),
      422: jsonAnswer("age below the jurisdiction's minimum age without parentalConsent: true", 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/users/{account}/consent',
    operationId: 'getConsent',
    summary: "The account's active consent and the history of its grants and withdrawals",
    actors: ['appAdmin'],
    answers: {
      200: jsonAnswer('the consent record', 'ConsentRecord'),
      404: jsonAnswer(
        'no consent was ever recorded for the account (or its evidence period ended)',
        'Problem',
      ),
    },
  },
  {
    method: 'DELETE',
    path: '/apps/{sdkAppId}/users/{account}/consent',
    operationId: 'withdrawConsent',
    summary:
      'Withdraw the account\'s consent: nothing more is stored under privacy.consent "required", and a D3 request erases its data',
    actors: ['appAdmin'],
    answers: {
      200: jsonAnswer('withdrawn; the D3 deletion request filed for the account', 'ConsentWithdrawn'),
      404: jsonAnswer('no consent was ever recorded for the account', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/export',
    operationId: 'exportApp',
    summary:
      'End of service: every unexpired userInfo and messages item of the app, a page at a time (also until purgeAt)',
    actors: ['appAdmin'],
    answers: {
      200: jsonAnswer('a page of the app data', 'AppExport'),
      400: jsonAnswer('a cursor this route did not return', 'Problem'),
    },
  },
  {
    method: 'POST',
    path: '/apps/{sdkAppId}/legal-holds',
    operationId: 'createLegalHold',
    summary: 'Place a legal hold (D3 exception): matching data is neither expired nor deleted',
    actors: ['operator'],
    body: { schema: 'LegalHoldBody', required: true },
    answers: { 201: jsonAnswer('created: the hold, its id included', 'LegalHold') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/legal-holds',
    operationId: 'listLegalHolds',
    summary: 'Every legal hold of the app, released ones included',
    actors: ['operator'],
    answers: { 200: jsonAnswer('the holds', 'LegalHolds') },
  },
  {
    method: 'DELETE',
    path: '/apps/{sdkAppId}/legal-holds/{id}',
    operationId: 'releaseLegalHold',
    summary: 'Release a legal hold; withheld deletions and overdue expiries then proceed',
    actors: ['operator'],
    answers: {
      200: jsonAnswer('released: the hold with releasedAt', 'LegalHold'),
      404: jsonAnswer('unknown hold', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/metrics',
    operationId: 'getMetrics',
    summary: 'P3 monitoring: per-minute requests, success rate, average latency (at most 2 days old)',
    actors: ['appAdmin', 'operator'],
    answers: { 200: jsonAnswer('the points', 'MonitoringPoints') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/processing-record',
    operationId: 'getProcessingRecord',
    summary:
      'GDPR art. 30(2) record of processing for the app, from the policy and its settings in force: per category purpose, legal basis, retention, storage, location, recipients, D5, consent, technical measures; HTML (Chinese and English) when Accept prefers text/html',
    actors: ['appAdmin', 'operator'],
    answers: {
      200: {
        ...jsonAnswer(
          'the record (JSON), or the same as a page when Accept prefers text/html',
          'ProcessingRecord',
        ),
        alsoAs: ['text/html'],
      },
      404: jsonAnswer('unknown or purged app', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/conformance',
    operationId: 'getConformance',
    summary: 'Evidence: per category, items stored and items overdue for expiry or purge',
    actors: ['operator'],
    answers: { 200: jsonAnswer('the evidence', 'Conformance') },
  },
  {
    method: 'GET',
    path: '/conformance/history',
    operationId: 'getConformanceHistory',
    summary:
      'What every expire and purge run found and did (per category: due, deleted, held, within grace, overdue and oldest lingering before and after, errors), oldest first, paginated; kept 400 days',
    actors: ['operator'],
    query: ['from', 'to', 'limit', 'cursor'],
    answers: {
      200: jsonAnswer('a page of run evidence', 'ConformanceHistory'),
      400: jsonAnswer('bad range or cursor', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/conformance/dashboard',
    operationId: 'getConformanceDashboard',
    summary:
      "The operator's evidence page: it holds no data; the operator types the token and the page reads /conformance, /conformance/history, /deletion-requests and an app's legal holds with it (strict CSP, no external assets)",
    actors: ['public'],
    answers: { 200: { description: 'the page', contentType: 'text/html' } },
  },
  {
    method: 'GET',
    path: '/deletion-requests',
    operationId: 'listDeletionRequests',
    summary:
      'D3 requests of every app (open ones earliest deadline first, then completed ones latest first): status, receivedAt, dueAt, completedAt, overdue, age; never the account; paginated',
    actors: ['operator'],
    query: ['status', 'overdue', 'limit', 'cursor'],
    answers: {
      200: jsonAnswer(
        'a page of requests (it may hold fewer than limit: follow nextCursor until null)',
        'DeletionRequestList',
      ),
      400: jsonAnswer('bad status, overdue, limit, or a cursor not returned for these filters', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/policy',
    operationId: 'getPolicy',
    summary: 'The retention schedule as JSON',
    actors: ['public'],
    answers: { 200: jsonAnswer('the schedule', 'Policy') },
  },
  {
    method: 'GET',
    path: '/privacy',
    operationId: 'getPrivacyPage',
    summary: 'The retention schedule as an HTML page, in Chinese and English',
    actors: ['public'],
    answers: { 200: { description: 'the page', contentType: 'text/html' } },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/privacy',
    operationId: 'getAppDisclosurePage',
    summary:
      "One app's settings as its end users would read them (D1, D2, D5, P1, P5; Chinese and English), when the app publishes them (privacy.publishDisclosure)",
    actors: ['public'],
    answers: {
      200: { description: 'the page', contentType: 'text/html' },
      404: jsonAnswer('no such app, purged, or it does not publish the page', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/receipts/keys',
    operationId: 'getReceiptKeys',
    summary: 'The Ed25519 public keys that sign deletion and purge receipts (current and retired, by keyId)',
    actors: ['public'],
    answers: { 200: jsonAnswer('the keys', 'ReceiptKeys') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/purge-receipt',
    operationId: 'getPurgeReceipt',
    summary:
      "The signed receipt of the SdkAppid's latest end-of-service purge (counts per category, hold ids, times); it outlives the purge and a re-registration",
    actors: ['operator'],
    answers: {
      200: jsonAnswer('the signed receipt', 'SignedReceipt'),
      404: jsonAnswer('never purged', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API described as OpenAPI 3.1 (docs/api.md is rendered from the same source)',
    actors: ['public'],
    answers: { 200: { description: 'OpenAPI 3.1 document' } },
  },
];

/** `"GET /apps/{sdkAppId}"`: the key API Gateway (and serverless.yml) names a route by. */
export const routeKey = (route: { method: string; path: string }): string =>
  `${route.method.toUpperCase()} ${route.path}`;
