/**
 * The HTTP API described as OpenAPI 3.1 (`GET /openapi.json`): one operation per row of the route
 * table (lib/http/routes.ts), request and answer bodies generated from the zod schemas the handlers
 * validate with (zod 4 `z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */
import * as z from 'zod';
import {
  consentGrantSchema,
  deletionRequestSchema,
  legalHoldSchema as legalHoldBodySchema,
  privacyPatchSchema,
  terminationRequestSchema,
} from '../../lib/http/request-bodies.js';
import {
  type Actor,
  type Answer,
  type ComponentName,
  jsonAnswer,
  ROUTES,
  type RouteDoc,
} from '../../lib/http/routes.js';
import { appConfigSchema, privacySettingsSchema } from '../../lib/policy/app-config.js';
import { sdkAppIdSchema } from '../../lib/policy/identifiers.js';
import { POLICY_VERSION } from '../../lib/policy/policy-document.js';
import {
  appExportSchema,
  appViewSchema,
  callbackAnswerSchema,
  callbackBodySchema,
  conformanceAnswerSchema,
  conformanceHistorySchema,
  consentGrantedSchema,
  consentRecordSchema,
  consentWithdrawnSchema,
  deletionAcceptedSchema,
  deletionRequestListSchema,
  deletionRequestStatusSchema,
  legalHoldListSchema,
  legalHoldSchema,
  metricsAnswerSchema,
  policyAnswerSchema,
  problemSchema,
  processingRecordSchema,
  reactivationAnswerSchema,
  receiptKeysSchema,
  signedReceiptSchema,
  terminationAnswerSchema,
  userDataExportSchema,
} from './answer-schemas.js';

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
  ConsentGrant: consentGrantSchema,
  ConsentGranted: consentGrantedSchema,
  ConsentRecord: consentRecordSchema,
  ConsentWithdrawn: consentWithdrawnSchema,
  AppExport: appExportSchema,
  LegalHoldBody: legalHoldBodySchema,
  LegalHold: legalHoldSchema,
  LegalHolds: legalHoldListSchema,
  MonitoringPoints: metricsAnswerSchema,
  Conformance: conformanceAnswerSchema,
  Policy: policyAnswerSchema,
  ProcessingRecord: processingRecordSchema,
  CallbackBody: callbackBodySchema,
  CallbackAnswer: callbackAnswerSchema,
  ConformanceHistory: conformanceHistorySchema,
  DeletionRequestList: deletionRequestListSchema,
  SignedReceipt: signedReceiptSchema,
  ReceiptKeys: receiptKeysSchema,
  Problem: problemSchema,
} as const satisfies Record<ComponentName, z.ZodType>;

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
  const alternatives = Object.fromEntries((answer.alsoAs ?? []).map((media) => [media, {}]));
  return { [type]: answer.schema ? { schema: componentRef(answer.schema) } : {}, ...alternatives };
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
    jsonAnswer(description, isCallback ? 'CallbackAnswer' : 'Problem');
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
