import * as z from 'zod';
import { privacyPatchSchema, terminationRequestSchema } from '../../functions/apps/schemas.js';
import { deletionRequestSchema } from '../../functions/deletion-requests/schemas.js';
import { legalHoldSchema as legalHoldBodySchema } from '../../functions/legal-holds/schemas.js';
import { appConfigSchema, privacySettingsSchema } from '../policy/app-config.js';
import { sdkAppIdSchema } from '../policy/identifiers.js';
import { POLICY_VERSION } from '../policy/policy-document.js';
import {
  appExportSchema,
  appViewSchema,
  callbackAnswerSchema,
  callbackBodySchema,
  conformanceAnswerSchema,
  deletionAcceptedSchema,
  deletionRequestStatusSchema,
  legalHoldListSchema,
  legalHoldSchema,
  metricsAnswerSchema,
  policyAnswerSchema,
  problemSchema,
  reactivationAnswerSchema,
  terminationAnswerSchema,
  userDataExportSchema,
} from './openapi-schemas.js';

/**
 * The HTTP API described as OpenAPI 3.1 (`GET /openapi.json`): one row per route, request and
 * answer bodies generated from the zod schemas the handlers validate with (zod 4 `z.toJSONSchema`, JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as is). test/functions/openapi checks this table against the
 * httpApi events in serverless.yml, so a route cannot be deployed undocumented or documented undeployed.
 */

/** Every schema the document names, as `#/components/schemas/<name>`. */
const COMPONENTS = {
  AppConfig: appConfigSchema,
  PrivacySettings: privacySettingsSchema,
  PrivacyPatch: privacyPatchSchema,
  TerminationRequest: terminationRequestSchema,
  TerminationAnswer: terminationAnswerSchema,
  ReactivationAnswer: reactivationAnswerSchema,
  AppView: appViewSchema,
  DeletionRequestBody: deletionRequestSchema,
  DeletionAccepted: deletionAcceptedSchema,
  DeletionRequestStatus: deletionRequestStatusSchema,
  UserDataExport: userDataExportSchema,
  AppExport: appExportSchema,
  LegalHoldBody: legalHoldBodySchema,
  LegalHold: legalHoldSchema,
  LegalHolds: legalHoldListSchema,
  MonitoringPoints: metricsAnswerSchema,
  Conformance: conformanceAnswerSchema,
  Policy: policyAnswerSchema,
  CallbackBody: callbackBodySchema,
  CallbackAnswer: callbackAnswerSchema,
  Problem: problemSchema,
} as const satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof COMPONENTS;
export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
/** Who may call a route (docs/api.md, "Who calls"); several mean any one of them. */
export type Actor = 'public' | 'operator' | 'appAdmin' | 'imService';

export interface Answer {
  readonly description: string;
  readonly schema?: ComponentName;
  /** Default `application/json`. */
  readonly contentType?: string;
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

const json = (description: string, schema: ComponentName): Answer => ({ description, schema });

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
      200: json(
        'handled, or an unknown command ignored; a rejected message carries ErrorCode 120001/10100',
        'CallbackAnswer',
      ),
      400: json('malformed body for a known command; nothing stored', 'CallbackAnswer'),
      401: json('bad or missing Sign, stale RequestTime', 'CallbackAnswer'),
      403: json('unknown, terminated or purged app', 'CallbackAnswer'),
    },
  },
  {
    method: 'PUT',
    path: '/apps/{sdkAppId}',
    operationId: 'putApp',
    summary: "Register or replace an app's configuration (P4)",
    actors: ['operator'],
    body: { schema: 'AppConfig', required: true },
    answers: { 200: json('the stored configuration, secrets redacted', 'AppView') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}',
    operationId: 'getApp',
    summary: "The app's configuration, secrets redacted",
    actors: ['operator', 'appAdmin'],
    answers: { 200: json('the configuration', 'AppView'), 404: json('unknown or purged app', 'Problem') },
  },
  {
    method: 'PATCH',
    path: '/apps/{sdkAppId}/privacy',
    operationId: 'patchPrivacy',
    summary: 'Change the D1/D2/D5 settings',
    actors: ['appAdmin'],
    body: { schema: 'PrivacyPatch', required: true },
    answers: { 200: json('the configuration after the change', 'AppView') },
  },
  {
    method: 'POST',
    path: '/apps/{sdkAppId}/termination',
    operationId: 'terminateApp',
    summary: 'Terminate: the configuration is purged 2 calendar months later (P4)',
    actors: ['operator'],
    body: { schema: 'TerminationRequest', required: false },
    answers: { 200: json('terminated', 'TerminationAnswer'), 404: json('unknown or purged app', 'Problem') },
  },
  {
    method: 'DELETE',
    path: '/apps/{sdkAppId}/termination',
    operationId: 'reactivateApp',
    summary: 'Reactivate before the purge',
    actors: ['operator'],
    answers: { 200: json('active again', 'ReactivationAnswer'), 404: json('already purged', 'Problem') },
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
      202: json(
        'accepted (or the earlier request with the same Idempotency-Key); due one calendar month later',
        'DeletionAccepted',
      ),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/deletion-requests/{id}',
    operationId: 'getDeletionRequest',
    summary: 'A deletion request: status, counts deleted and withheld by legal holds',
    actors: ['appAdmin'],
    answers: { 200: json('the request', 'DeletionRequestStatus'), 404: json('unknown request', 'Problem') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/users/{account}/data',
    operationId: 'exportUserData',
    summary: 'Access/export: every unexpired userInfo and messages item stored for the account',
    actors: ['appAdmin'],
    answers: { 200: json('the stored data', 'UserDataExport') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/export',
    operationId: 'exportApp',
    summary:
      'End of service: every unexpired userInfo and messages item of the app, a page at a time (also until purgeAt)',
    actors: ['appAdmin'],
    answers: {
      200: json('a page of the app data', 'AppExport'),
      400: json('a cursor this route did not return', 'Problem'),
    },
  },
  {
    method: 'POST',
    path: '/apps/{sdkAppId}/legal-holds',
    operationId: 'createLegalHold',
    summary: 'Place a legal hold (D3 exception): matching data is neither expired nor deleted',
    actors: ['operator'],
    body: { schema: 'LegalHoldBody', required: true },
    answers: { 201: json('created: the hold, its id included', 'LegalHold') },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/legal-holds',
    operationId: 'listLegalHolds',
    summary: 'Every legal hold of the app, released ones included',
    actors: ['operator'],
    answers: { 200: json('the holds', 'LegalHolds') },
  },
  {
    method: 'DELETE',
    path: '/apps/{sdkAppId}/legal-holds/{id}',
    operationId: 'releaseLegalHold',
    summary: 'Release a legal hold; withheld deletions and overdue expiries then proceed',
    actors: ['operator'],
    answers: {
      200: json('released: the hold with releasedAt', 'LegalHold'),
      404: json('unknown hold', 'Problem'),
    },
  },
  {
    method: 'GET',
    path: '/apps/{sdkAppId}/metrics',
    operationId: 'getMetrics',
    summary: 'P3 monitoring: per-minute requests, success rate, average latency (at most 2 days old)',
    actors: ['appAdmin', 'operator'],
    answers: { 200: json('the points', 'MonitoringPoints') },
  },
  {
    method: 'GET',
    path: '/conformance',
    operationId: 'getConformance',
    summary: 'Evidence: per category, items stored and items overdue for expiry or purge',
    actors: ['operator'],
    answers: { 200: json('the evidence', 'Conformance') },
  },
  {
    method: 'GET',
    path: '/policy',
    operationId: 'getPolicy',
    summary: 'The retention schedule as JSON',
    actors: ['public'],
    answers: { 200: json('the schedule', 'Policy') },
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

const SECURITY: Record<Exclude<Actor, 'public'>, Record<string, string[]>> = {
  operator: { operatorToken: [] },
  appAdmin: { adminSdkAppId: [], adminIdentifier: [], adminUserSig: [], adminRandom: [] },
  imService: { callbackSdkAppid: [], callbackRequestTime: [], callbackSign: [] },
};

const queryKey = (name: string, description: string) => ({ type: 'apiKey', in: 'query', name, description });

const SECURITY_SCHEMES = {
  operatorToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'Operator token (SSM SecureString when deployed)',
  },
  adminSdkAppId: queryKey('sdkappid', 'App admin: the SDKAppID, equal to {sdkAppId}'),
  adminIdentifier: queryKey('identifier', "App admin: the app's adminAccount"),
  adminUserSig: queryKey('usersig', "App admin: TLS-Sig v2 UserSig made with the app's secret key"),
  adminRandom: queryKey('random', 'App admin: a random 32-bit integer'),
  callbackSdkAppid: queryKey('SdkAppid', 'IM service: the registered, active app'),
  callbackRequestTime: queryKey('RequestTime', 'IM service: unix seconds, within 60 s of now'),
  callbackSign: queryKey('Sign', 'IM service: lowercase hex sha256(callback token + RequestTime)'),
};

const { $schema: _dialect, ...SDK_APP_ID_SCHEMA } = z.toJSONSchema(sdkAppIdSchema);

const componentRef = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

function content(answer: Answer, status: number) {
  const type =
    answer.contentType ??
    (status >= 400 && answer.schema === 'Problem' ? 'application/problem+json' : 'application/json');
  return { [type]: answer.schema ? { schema: componentRef(answer.schema) } : {} };
}

function operation(route: RouteDoc) {
  const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: name === 'sdkAppId' ? SDK_APP_ID_SCHEMA : { type: 'string', minLength: 1 },
  }));
  const query = (route.query ?? []).map((name) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' },
  }));
  const headers = (route.headers ?? []).map((name) => ({
    name,
    in: 'header',
    required: false,
    schema: { type: 'string' },
  }));
  const isPublic = route.actors.includes('public');
  const isCallback = route.actors.includes('imService');
  const problem = (description: string): Answer =>
    json(description, isCallback ? 'CallbackAnswer' : 'Problem');
  const answers: Record<number, Answer> = {};
  if (route.body || pathParameters.length > 0)
    answers[400] = problem('invalid input; detail names the field');
  if (!isPublic) {
    answers[401] = problem('bad or missing credentials');
    answers[403] = problem('valid credentials, wrong app or role');
  }
  answers[500] = problem('internal error, no details');
  Object.assign(answers, route.answers);
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: isPublic ? [] : route.actors.map((actor) => SECURITY[actor as Exclude<Actor, 'public'>]),
    ...(pathParameters.length + query.length + headers.length > 0
      ? { parameters: [...pathParameters, ...query, ...headers] }
      : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            content: { 'application/json': { schema: componentRef(route.body.schema) } },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(answers).map(([status, answer]) => [
        status,
        { description: answer.description, content: content(answer, Number(status)) },
      ]),
    ),
  };
}

/** Secrets are write-only (P4: stored, never returned, never logged): mark them so in the generated schema. */
const WRITE_ONLY: ReadonlyArray<readonly string[]> = [
  ['properties', 'secretKey'],
  ['properties', 'callback', 'properties', 'token'],
  ['properties', 'offlinePush', 'items', 'properties', 'appSecret'],
];

function markWriteOnly(schema: Record<string, unknown>): void {
  for (const path of WRITE_ONLY) {
    let node: unknown = schema;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    if (node && typeof node === 'object') (node as Record<string, unknown>).writeOnly = true;
  }
}

function componentSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  if (out.AppConfig) markWriteOnly(out.AppConfig);
  // Zod refinements have no JSON Schema form: restate them.
  if (out.PrivacyPatch) out.PrivacyPatch.minProperties = 1;
  if (out.DeletionRequestBody)
    out.DeletionRequestBody.oneOf = [{ required: ['account'] }, { required: ['allAccounts'] }];
  return out;
}

/**
 * The OpenAPI 3.1 document for every route in ROUTES.
 * @example openApiDocument({ serverUrl: 'https://abc.execute-api.ap-southeast-1.amazonaws.com' })
 */
export function openApiDocument(opts: { serverUrl?: string } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const methods = paths[route.path] ?? {};
    methods[route.method.toLowerCase()] = operation(route);
    paths[route.path] = methods;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'IM retention engine',
      version: POLICY_VERSION,
      description:
        'Privacy and retention engine for Tencent-Cloud-IM-compatible messaging. Admin errors are RFC 9457 application/problem+json; callbacks answer in Tencent format.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    paths,
    components: { schemas: componentSchemas(), securitySchemes: SECURITY_SCHEMES },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
