import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../lib/http/routes.js';
import { BACKUP_RESTORABLE_DAYS } from '../../lib/policy/categories.js';
import { ENCRYPTION_AT_REST_SSE_TYPE } from '../../lib/policy/technical-measures.js';
import { CONTRACT_ROUTE_KEYS, REPO_ROOT } from '../functions/openapi/serverless-routes.js';
import {
  asList,
  type PackageResult,
  packageService,
  type Resource,
  referencedIds,
  resourcesOfType,
  roleStatements,
  type Statement,
  stringsIn,
  type Template,
  targetFunction,
} from './template.js';
import { readZip } from './zip.js';

/**
 * What a security reviewer signs: the CloudFormation `serverless package --stage prod` generates, offline.
 * Rules hold for every function in the template, whichever exist, so a new function is checked the day it lands.
 */

const STAGE = 'prod';
const SERVICE = 'im-retention';
const PARAMETERS = {
  operatorToken: `/${SERVICE}/${STAGE}/operator-token`,
  auditHmacKey: `/${SERVICE}/${STAGE}/audit-hmac-key`,
  receiptSigningKey: `/${SERVICE}/${STAGE}/receipt-signing-key`,
};
// Secrets in the packaging environment must never reach the template or a bundle.
const SENTINELS = {
  OPERATOR_TOKEN: 'sentinel-operator-token-7f3a9c',
  AUDIT_HMAC_KEY: 'sentinel-audit-key-51be02',
  RECEIPT_SIGNING_KEY: 'sentinel-receipt-key-9d04c1',
};
const ESM_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
const MAX_BUNDLE_BYTES = 3 * 1024 * 1024;
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** Actions that change a governance item (a transaction's items are checked as these). */
const GOVERNANCE_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
/**
 * Who may write each kind of governance record (the first part of its partition key): a role widened to
 * another function's records fails here. Audit records are added by these roles, never changed.
 */
const GOVERNANCE_WRITERS: Record<string, string[]> = {
  'audit#*': [
    'CallbackLambdaFunction',
    'ConsentLambdaFunction',
    'DeletionRequestsLambdaFunction',
    'DeletionWorkerLambdaFunction',
    'LegalHoldsLambdaFunction',
    'PurgeLambdaFunction',
  ],
  'deletion#*': [
    'CallbackLambdaFunction',
    'ConsentLambdaFunction',
    'DeletionRequestsLambdaFunction',
    'DeletionWorkerLambdaFunction',
    'PurgeLambdaFunction',
  ],
  'hold#*': ['LegalHoldsLambdaFunction', 'PurgeLambdaFunction'],
  activeHolds: ['LegalHoldsLambdaFunction', 'PurgeLambdaFunction'],
  heldBuckets: ['CallbackLambdaFunction', 'ExpireLambdaFunction', 'LegalHoldsLambdaFunction'],
  checkpoint: [
    'CallbackLambdaFunction',
    'DeletionWorkerLambdaFunction',
    'ExpireLambdaFunction',
    'PurgeLambdaFunction',
  ],
  lease: ['ExpireLambdaFunction'],
  retentionCuts: ['AppsLambdaFunction', 'ExpireLambdaFunction'],
  purgedApps: ['PurgeLambdaFunction'],
  'purgeReceipt#*': ['PurgeLambdaFunction'],
  'evidence#*': ['ExpireLambdaFunction', 'PurgeLambdaFunction'],
  'consent#*': ['ConsentLambdaFunction', 'ExpireLambdaFunction', 'PurgeLambdaFunction'],
};

let result: PackageResult;
let template: Template;
let functions: Array<[string, Resource]>;

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, read field by field.
const props = (resource: Resource | undefined) => (resource?.Properties ?? {}) as Record<string, any>;
const functionRole = (fn: Resource) => targetRoleId(props(fn).Role);
const targetRoleId = (role: unknown) => referencedIds(role)[0];
const statementsOf = (functionId: string): Statement[] => {
  const fn = template.Resources[functionId];
  const roleId = fn ? functionRole(fn) : undefined;
  const role = roleId ? template.Resources[roleId] : undefined;
  return role ? roleStatements(role) : [];
};
const actionsOf = (statement: Statement) => asList(statement.Action);

/** The function's packaged zip, and its handler bundle's code. */
function bundleOf(functionId: string) {
  const fn = props(template.Resources[functionId]);
  const zipPath = join(result.dir, basename(fn.Code.S3Key as string));
  const entries = readZip(zipPath);
  const [file, exportName] = (fn.Handler as string).split(/\.(?=[^.]+$)/) as [string, string];
  const code = entries
    .find((entry) => entry.name === `${file}.mjs`)
    ?.read()
    .toString('utf8');
  return { zipPath, entries, file, exportName, code };
}

const bundleCode = (functionId: string): string => bundleOf(functionId).code ?? '';

/** `"GET /policy"` -> `PolicyLambdaFunction`, through the route's integration. */
function routeFunctions(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    const integrationId = referencedIds(props(route).Target)[0];
    const integration = integrationId ? template.Resources[integrationId] : undefined;
    const fn = targetFunction(props(integration).IntegrationUri);
    if (fn) map.set(props(route).RouteKey as string, fn);
  }
  return map;
}

function scheduledFunctions(): string[] {
  return resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, rule]) => props(rule).ScheduleExpression)
    .flatMap(([, rule]) => asList(props(rule).Targets as unknown[]).map(targetFunction))
    .filter((id): id is string => id !== undefined);
}

const joinedArn = (resource: unknown): string => stringsIn(resource).join('');

/** A wildcard in a Resource is allowed only where the ARN cannot be narrower. */
function allowedWildcard(arn: string, statement: Statement): boolean {
  if (/:log-group:\/aws\/lambda\/[\w-]+:\*(:\*)?$/.test(arn)) return true; // the function's own log streams
  if (/^\/index\/\*$/.test(arn)) return true; // a table's indexes (Fn::Join piece)
  if (/:key\/\*$/.test(arn)) return JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService');
  return false;
}

beforeAll(async () => {
  result = await packageService({ root: REPO_ROOT, stage: STAGE, env: SENTINELS });
  template = result.template;
  functions = resourcesOfType(template, 'AWS::Lambda::Function');
  console.info(
    `serverless package --stage ${STAGE}: ${result.seconds.toFixed(1)} s, ${functions.length} functions`,
  );
}, 300_000);

afterAll(async () => {
  if (result) await rm(result.dir, { recursive: true, force: true });
});

describe(`serverless package --stage ${STAGE}`, () => {
  it('runs every function on nodejs22.x (arm64) with its own 7-day log group', () => {
    expect(functions.length).toBeGreaterThan(0);
    const logGroups = new Map(
      resourcesOfType(template, 'AWS::Logs::LogGroup').map(([, group]) => [props(group).LogGroupName, group]),
    );
    for (const [id, fn] of functions) {
      expect(props(fn).Runtime, id).toBe('nodejs22.x');
      expect(props(fn).Architectures, id).toEqual(['arm64']);
      const group = logGroups.get(`/aws/lambda/${props(fn).FunctionName}`);
      expect(props(group).RetentionInDays, `${id} log retention (P2: 7 days)`).toBe(7);
    }
    for (const [id, group] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
      expect(props(group).RetentionInDays, id).toBe(7);
    }
  });

  describe('IAM', () => {
    it('gives every function a role of its own', () => {
      const roles = functions.map(([id, fn]) => [id, functionRole(fn)] as const);
      const shared = roles.filter(([, role]) => role === 'IamRoleLambdaExecution').map(([id]) => id);
      expect(shared, 'functions without iamRoleStatements use the shared role').toEqual([]);
      expect(new Set(roles.map(([, role]) => role)).size).toBe(functions.length);
      for (const [id, role] of roles) {
        expect(template.Resources[role ?? '']?.Type, id).toBe('AWS::IAM::Role');
      }
      // The framework always emits its shared role (the plugin copies it); unused, it may only write logs.
      const sharedRole = template.Resources.IamRoleLambdaExecution;
      const sharedActions = sharedRole ? roleStatements(sharedRole).flatMap(actionsOf) : [];
      expect(sharedActions.filter((action) => !action.startsWith('logs:'))).toEqual([]);
    });

    it('grants no wildcard action and no wildcard resource', () => {
      const violations: string[] = [];
      for (const roleId of new Set(functions.map(([, fn]) => functionRole(fn) ?? ''))) {
        for (const statement of roleStatements(template.Resources[roleId] ?? { Type: '' })) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of actionsOf(statement)) {
            if (action.includes('*')) violations.push(`${roleId}: action ${action}`);
          }
          for (const resource of asList(statement.Resource)) {
            if (resource === '*')
              violations.push(`${roleId}: Resource '*' for ${actionsOf(statement).join(',')}`);
            for (const piece of stringsIn(resource).filter((s) => s.includes('*'))) {
              if (!allowedWildcard(piece, statement)) violations.push(`${roleId}: resource ${piece}`);
            }
          }
        }
      }
      expect(violations).toEqual([]);
    });

    it('grants DynamoDB actions only on this stack tables and their named indexes, and never Scan', () => {
      const tables = new Map(resourcesOfType(template, 'AWS::DynamoDB::Table'));
      const violations: string[] = [];
      for (const [id] of functions) {
        for (const statement of statementsOf(id)) {
          const actions = actionsOf(statement);
          if (!actions.some((action) => action.startsWith('dynamodb:'))) continue;
          if (actions.includes('dynamodb:Scan')) violations.push(`${id}: dynamodb:Scan`);
          for (const resource of asList(statement.Resource)) {
            const [tableId, ...others] = referencedIds(resource);
            const table = tableId ? tables.get(tableId) : undefined;
            if (!table || others.length > 0) {
              violations.push(`${id}: ${JSON.stringify(resource)} is not one table of this stack`);
              continue;
            }
            const suffix = stringsIn(resource).filter((s) => s !== tableId && s !== 'Arn' && s !== '');
            const indexes = asList(props(table).GlobalSecondaryIndexes as Array<{ IndexName: string }>).map(
              (index) => `/index/${index.IndexName}`,
            );
            if (suffix.length > 0 && !['/index/*', ...indexes].includes(suffix.join(''))) {
              violations.push(`${id}: ${tableId}${suffix.join('')} is not an index of the table`);
            }
          }
        }
      }
      expect(violations).toEqual([]);
    });

    it('reads SSM only on the three secret parameters, and decrypts only through SSM', () => {
      const violations: string[] = [];
      const readers: Record<string, string[]> = {
        operatorToken: [],
        auditHmacKey: [],
        receiptSigningKey: [],
      };
      for (const [id] of functions) {
        for (const statement of statementsOf(id)) {
          const actions = actionsOf(statement);
          if (actions.some((action) => action.startsWith('ssm:'))) {
            const extra = actions.filter(
              (action) => !['ssm:GetParameter', 'ssm:GetParameters'].includes(action),
            );
            if (extra.length > 0) violations.push(`${id}: ${extra.join(',')}`);
            for (const resource of asList(statement.Resource)) {
              const arn = joinedArn(resource);
              const secret = Object.entries(PARAMETERS).find(([, name]) => arn.endsWith(`:parameter${name}`));
              if (!secret || !arn.includes(':ssm:')) violations.push(`${id}: SSM resource ${arn}`);
              else readers[secret[0]]?.push(id);
            }
          }
          if (actions.some((action) => action.startsWith('kms:'))) {
            if (actions.join() !== 'kms:Decrypt') violations.push(`${id}: ${actions.join(',')}`);
            const via = stringsIn(statement.Condition?.StringEquals?.['kms:ViaService']).join('');
            if (!/^ssm\.[^.]*\.amazonaws\.com$/.test(via) && !/^ssm\.\S+amazonaws\.com$/.test(via)) {
              violations.push(`${id}: kms:Decrypt without condition kms:ViaService ssm`);
            }
          }
        }
      }
      console.info('secret readers', JSON.stringify(readers));
      expect(violations).toEqual([]);
    });

    it('lets every function serving an operator route read the operator token (and decrypt it)', () => {
      const routes = routeFunctions();
      const missing: string[] = [];
      for (const route of ROUTES.filter((r) => r.actors.includes('operator'))) {
        const fn = routes.get(routeKey(route));
        if (!fn) continue; // a missing route is reported by the events test
        const statements = statementsOf(fn);
        const reads = statements.some(
          (s) =>
            actionsOf(s).some((a) => a.startsWith('ssm:GetParameter')) &&
            asList(s.Resource).some((r) => joinedArn(r).endsWith(`:parameter${PARAMETERS.operatorToken}`)),
        );
        const decrypts = statements.some((s) => actionsOf(s).includes('kms:Decrypt'));
        if (!reads || !decrypts) missing.push(`${routeKey(route)} (${fn})`);
      }
      expect(missing).toEqual([]);
    });

    it('keeps the callback function away from every secret', () => {
      const callback = routeFunctions().get('POST /im/callback');
      expect(callback, 'POST /im/callback is deployed').toBeDefined();
      const secretActions = statementsOf(callback ?? '')
        .flatMap(actionsOf)
        .filter((action) => /^(ssm|kms|secretsmanager):/.test(action));
      expect(secretActions).toEqual([]);
    });

    it('scopes every governance grant to the record kinds its function writes, and lets no role rewrite an audit record', () => {
      const writers: Record<string, string[]> = {};
      const violations: string[] = [];
      for (const [id] of functions) {
        const statements = statementsOf(id);
        const onTable = (statement: Statement) =>
          asList(statement.Resource).some(
            (resource) =>
              referencedIds(resource)[0] === 'GovernanceTable' &&
              !stringsIn(resource).some((part) => part.startsWith('/index/')),
          );
        let writes = false;
        for (const statement of statements.filter((st) => st.Effect === 'Allow' && onTable(st))) {
          const kinds = asList(
            (statement.Condition?.['ForAllValues:StringLike'] as Record<string, unknown> | undefined)?.[
              'dynamodb:LeadingKeys'
            ] as string[] | undefined,
          );
          if (kinds.length === 0)
            violations.push(`${id}: governance grant without a dynamodb:LeadingKeys condition`);
          if (!actionsOf(statement).some((action) => GOVERNANCE_WRITES.includes(action))) continue;
          writes = true;
          for (const kind of kinds) writers[kind] = [...(writers[kind] ?? []), id].sort();
        }
        const appendOnly = statements.some(
          (statement) =>
            statement.Effect === 'Deny' &&
            onTable(statement) &&
            ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'].every((action) =>
              actionsOf(statement).includes(action),
            ) &&
            JSON.stringify(statement.Condition?.['ForAnyValue:StringLike']) ===
              JSON.stringify({ 'dynamodb:LeadingKeys': ['audit#*', 'purgeReceipt#*'] }),
        );
        if (writes && !appendOnly)
          violations.push(`${id}: may write governance without the audit append-only deny`);
      }
      expect(violations).toEqual([]);
      expect(writers).toEqual(GOVERNANCE_WRITERS);
    });
  });

  it('keeps every table on demand, TTL on ttlDeleteAt, KMS-encrypted, PITR <= 7 days, retained and protected', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id).sort()).toEqual([
      'AppsTable',
      'GovernanceTable',
      'PersonalTable',
      'TelemetryTable',
    ]);
    for (const [id, table] of tables) {
      const p = props(table);
      expect(p.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(p.TimeToLiveSpecification, id).toEqual({ AttributeName: 'ttlDeleteAt', Enabled: true });
      // What the record of processing states as the technical measure (lib/policy/technical-measures.ts).
      expect(p.SSESpecification, id).toEqual({ SSEEnabled: true, SSEType: ENCRYPTION_AT_REST_SSE_TYPE });
      expect(p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled, id).toBe(true);
      expect(p.PointInTimeRecoverySpecification?.RecoveryPeriodInDays, id).toBeLessThanOrEqual(
        BACKUP_RESTORABLE_DAYS,
      );
      expect(p.DeletionProtectionEnabled, id).toBe(true);
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(table.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('puts no secret in the template: parameters named, values empty', () => {
    for (const [id, fn] of functions) {
      const variables = props(fn).Environment?.Variables ?? {};
      expect(variables.OPERATOR_TOKEN ?? '', id).toBe('');
      expect(variables.AUDIT_HMAC_KEY ?? '', id).toBe('');
      expect(variables.OPERATOR_TOKEN_PARAMETER, id).toBe(PARAMETERS.operatorToken);
      expect(variables.AUDIT_HMAC_KEY_PARAMETER, id).toBe(PARAMETERS.auditHmacKey);
      expect(variables.RECEIPT_SIGNING_KEY ?? '', id).toBe('');
      expect(variables.RECEIPT_SIGNING_KEY_PARAMETER, id).toBe(PARAMETERS.receiptSigningKey);
      expect(variables.DYNAMODB_ENDPOINT ?? '', id).toBe('');
    }
    const text = JSON.stringify(template);
    for (const sentinel of Object.values(SENTINELS)) expect(text).not.toContain(sentinel);
  });

  describe('events', () => {
    it('routes every documented (and every contract) route through the HTTP API, and nothing else', () => {
      const deployed = [...routeFunctions().keys()];
      const documented = ROUTES.map(routeKey);
      const missing = [...new Set([...documented, ...CONTRACT_ROUTE_KEYS])].filter(
        (key) => !deployed.includes(key),
      );
      const undocumented = deployed.filter((key) => !documented.includes(key));
      expect({ missing, undocumented }).toEqual({ missing: [], undocumented: [] });
      for (const [, integration] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration')) {
        expect(props(integration).PayloadFormatVersion).toBe('2.0');
      }
    });

    it('schedules expire, purge and the deletion deadline check', () => {
      const scheduled = scheduledFunctions();
      expect(scheduled).toEqual(expect.arrayContaining(['ExpireLambdaFunction', 'PurgeLambdaFunction']));
      expect(
        scheduled.some((id) => /Deadline|Overdue/.test(id)),
        scheduled.join(', '),
      ).toBe(true);
    });

    it('subscribes a function to the EventBridge termination event', () => {
      const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) => {
        const pattern = props(rule).EventPattern ?? {};
        return asList(pattern['detail-type']).includes('AppTerminated');
      });
      expect(rules).toHaveLength(1);
      expect(targetFunction(props(rules[0]?.[1]).Targets)).toBeDefined();
    });

    it('triggers the deletion of a request asynchronously, on one named function', () => {
      const requests = routeFunctions().get('POST /apps/{sdkAppId}/deletion-requests');
      expect(requests, 'POST /apps/{sdkAppId}/deletion-requests is deployed').toBeDefined();
      const functionNames = new Set(functions.map(([, fn]) => props(fn).FunctionName as string));
      const invoked = statementsOf(requests ?? '')
        .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
        .flatMap((s) => asList(s.Resource))
        .map((resource) => targetFunction(resource) ?? joinedArn(resource));
      const viaInvoke = invoked.some(
        (target) =>
          target.endsWith('LambdaFunction') ||
          [...functionNames].some((name) => target.endsWith(`:function:${name}`)),
      );
      const viaEventSource = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').some(
        ([, mapping]) => /Delet/.test(targetFunction(props(mapping).FunctionName) ?? ''),
      );
      expect(viaInvoke || viaEventSource, `invokes: ${invoked.join(', ') || 'nothing'}`).toBe(true);
    });
  });

  describe('alarms', () => {
    const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm');

    it('watches every function for errors and throttles', () => {
      const watched = (metric: string) =>
        new Set(
          alarms()
            .filter(
              ([, alarm]) => props(alarm).Namespace === 'AWS/Lambda' && props(alarm).MetricName === metric,
            )
            .map(([, alarm]) => targetFunction(props(alarm).Dimensions)),
        );
      const errors = watched('Errors');
      const throttles = watched('Throttles');
      const missing = functions
        .map(([id]) => id)
        .flatMap((id) => [
          ...(errors.has(id) ? [] : [`${id} Errors`]),
          ...(throttles.has(id) ? [] : [`${id} Throttles`]),
        ]);
      expect(missing, 'add them to resources/alarms.yml').toEqual([]);
    });

    it('watches expiry lag and overdue deletion requests, as the functions publish them', () => {
      // Metric name and `service` dimension of each ImRetention alarm, and the bundle that must emit them.
      const watched = [
        {
          alarm: 'ExpiryLagAlarm',
          metric: 'OldestOverdueSecondsAfter',
          service: 'expire',
          fn: 'ExpireLambdaFunction',
        },
        {
          alarm: 'OverdueDeletionRequestsAlarm',
          metric: 'DeletionRequestsOverdue',
          service: 'deletion-deadlines',
          fn: 'DeletionDeadlinesLambdaFunction',
        },
      ];
      for (const { alarm, metric, service, fn } of watched) {
        const p = props(template.Resources[alarm]);
        const query = stringsIn(p.Metrics).join(' ');
        const described = p.MetricName
          ? p.Namespace === 'ImRetention' &&
            p.MetricName === metric &&
            JSON.stringify(p.Dimensions) === JSON.stringify([{ Name: 'service', Value: service }])
          : query.includes(`(${metric}) FROM SCHEMA(ImRetention,`) &&
            query.includes(`service = '${service}'`);
        expect(described, `${alarm} watches ImRetention/${metric} of service ${service}`).toBe(true);
        const code = bundleCode(fn);
        expect(code, `${fn} publishes ${metric}`).toContain(`"${metric}"`);
        expect(code, `${fn} names its metrics service ${service}`).toMatch(
          new RegExp(`serviceName:"${service}"`),
        );
      }
      expect(props(template.Resources.ExpiryLagAlarm).TreatMissingData).toBe('breaching');
    });

    it('notifies one KMS-encrypted topic from every alarm', () => {
      const [[topicId, topic] = ['', undefined]] = resourcesOfType(template, 'AWS::SNS::Topic');
      expect(props(topic).KmsMasterKeyId).toBeDefined();
      for (const [id, alarm] of alarms()) expect(props(alarm).AlarmActions, id).toEqual([{ Ref: topicId }]);
    });
  });

  it('refers only to resources the template defines', () => {
    const ids = new Set(Object.keys(template.Resources));
    const dangling = Object.entries(template.Resources).flatMap(([id, resource]) =>
      referencedIds(resource)
        .filter((target) => !ids.has(target))
        .map((target) => `${id} -> ${target}`),
    );
    expect(dangling).toEqual([]);
  });

  it('ships each function as one minified ESM bundle, and reports the largest', async () => {
    const sizes: Array<{ function: string; bundleBytes: number; zipBytes: number }> = [];
    for (const [id] of functions) {
      const { zipPath, entries, file, exportName, code = '' } = bundleOf(id);
      expect(code, `${id}: ${file}.mjs in ${basename(zipPath)}`).not.toBe('');
      expect(code.startsWith(ESM_BANNER), `${id} ESM with the createRequire banner`).toBe(true);
      expect(code, `${id} exports ${exportName}`).toMatch(
        new RegExp(`export\\s*\\{[^}]*\\b${exportName}\\s*\\}?`),
      );
      expect(code.length / code.split('\n').length, `${id} minified`).toBeGreaterThan(1000);
      for (const sentinel of Object.values(SENTINELS)) expect(code).not.toContain(sentinel);
      expect(entries.map((entry) => entry.name).sort(), id).toEqual([`${file}.mjs`, `${file}.mjs.map`]);
      sizes.push({
        function: id,
        bundleBytes: Buffer.byteLength(code),
        zipBytes: readFileSync(zipPath).length,
      });
    }
    sizes.sort((a, b) => b.bundleBytes - a.bundleBytes);
    const [largest] = sizes;
    console.info(
      `largest bundle: ${largest?.function} ${((largest?.bundleBytes ?? 0) / 1024).toFixed(0)} KB ` +
        `(zip ${((largest?.zipBytes ?? 0) / 1024).toFixed(0)} KB); package took ${result.seconds.toFixed(1)} s`,
    );
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(
      join(ARTIFACTS, 'bundle-sizes.json'),
      `${JSON.stringify({ packageSeconds: Number(result.seconds.toFixed(1)), bundles: sizes }, null, 2)}\n`,
    );
    expect(largest?.bundleBytes).toBeLessThan(MAX_BUNDLE_BYTES);
  });
});
