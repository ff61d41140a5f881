import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../lib/config.js';

/**
 * Which DynamoDB actions each function really makes, in IAM's words ("dynamodb:Query personal/index/byOwner"),
 * observed while tests drive the real handlers; and what serverless.yml grants each function's role.
 * A test runs a handler inside `asFunction('<serverless.yml key>', …)`; every call it makes, awaited or
 * started in the background, is recorded under that key. Nothing is changed: each call goes on as sent.
 */
const current = new AsyncLocalStorage<string>();

export const asFunction = <T>(functionKey: string, run: () => Promise<T>): Promise<T> =>
  current.run(functionKey, run);

type Input = Record<string, unknown>;
type Send = (
  this: unknown,
  command: { constructor: { name: string }; input?: Input },
  ...rest: unknown[]
) => unknown;

const SINGLE: Record<string, string> = {
  Get: 'GetItem',
  GetItem: 'GetItem',
  Put: 'PutItem',
  PutItem: 'PutItem',
  Update: 'UpdateItem',
  UpdateItem: 'UpdateItem',
  Delete: 'DeleteItem',
  DeleteItem: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
};
const TRANSACT_ITEM: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** The partition key value of a key or item, plain (document client) or marshalled (`{S: ...}`). */
function partitionOf(keyOrItem: unknown): string | undefined {
  const value = (keyOrItem as Input | undefined)?.pk;
  if (typeof value === 'string') return value;
  const marshalled = (value as { S?: unknown } | undefined)?.S;
  return typeof marshalled === 'string' ? marshalled : undefined;
}

/**
 * The governance table is shared by several kinds of record, told apart by the first segment of their
 * partition key (`deletion#<app>`, `audit#<app>`, `checkpoint` …): IAM scopes each role to the kinds it
 * needs (`dynamodb:LeadingKeys`), so an access names its kind: `governance[deletion]`.
 */
const kindOf = (pk: string) => pk.split('#')[0] as string;

function resourceOf(table: string, index: string, pks: ReadonlyArray<string | undefined>): string[] {
  if (table !== 'governance' || index) return [`${table}${index}`];
  return pks.map((pk) => `${table}[${pk === undefined ? '?' : kindOf(pk)}]`);
}

function queriedPartition(input: Input): string | undefined {
  const placeholder = /\bpk\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression ?? ''))?.[1];
  const values = (input.ExpressionAttributeValues ?? {}) as Input;
  return placeholder ? partitionOf({ pk: values[placeholder] }) : undefined;
}

/** Every (action, resource) one command needs, the resource as `<table key>` or `<table key>/index/<name>`. */
function accessesOf(name: string, input: Input, tableKey: (name: unknown) => string): string[] {
  const operation = name.replace(/Command$/, '');
  if (operation in SINGLE) {
    const index = input.IndexName ? `/index/${String(input.IndexName)}` : '';
    const pk = operation === 'Query' ? queriedPartition(input) : partitionOf(input.Key ?? input.Item);
    return resourceOf(tableKey(input.TableName), index, [pk]).map(
      (resource) => `dynamodb:${SINGLE[operation]} ${resource}`,
    );
  }
  if (
    operation === 'BatchWrite' ||
    operation === 'BatchWriteItem' ||
    operation === 'BatchGet' ||
    operation === 'BatchGetItem'
  ) {
    const action = operation.startsWith('BatchWrite') ? 'BatchWriteItem' : 'BatchGetItem';
    return Object.entries((input.RequestItems ?? {}) as Input).flatMap(([table, requests]) => {
      const pks =
        action === 'BatchWriteItem'
          ? (requests as Input[]).map((request) =>
              partitionOf(
                (request.PutRequest as Input | undefined)?.Item ??
                  (request.DeleteRequest as Input | undefined)?.Key,
              ),
            )
          : ((requests as { Keys?: Input[] }).Keys ?? []).map(partitionOf);
      return resourceOf(tableKey(table), '', pks).map((resource) => `dynamodb:${action} ${resource}`);
    });
  }
  if (operation.startsWith('Transact')) {
    return ((input.TransactItems ?? []) as Input[]).flatMap((item) =>
      Object.entries(item).flatMap(([kind, request]) => {
        const { TableName, Key, Item } = request as Input;
        return resourceOf(tableKey(TableName), '', [partitionOf(Key ?? Item)]).map(
          (resource) => `dynamodb:${TRANSACT_ITEM[kind] ?? kind} ${resource}`,
        );
      }),
    );
  }
  return [`dynamodb:${operation} ${String(input.TableName ?? '?')}`];
}

export interface AccessRecorder {
  /** function key → the accesses it made. */
  readonly byFunction: ReadonlyMap<string, ReadonlySet<string>>;
  stop(): void;
}

/** Starts recording the calls of every DynamoDB client in this process, on the given tables. */
export function recordDynamoAccesses(tables: Readonly<Record<TableKey, string>>): AccessRecorder {
  const keyOf = new Map(Object.entries(tables).map(([key, name]) => [name, key]));
  const tableKey = (name: unknown) => keyOf.get(String(name)) ?? `unknown table ${String(name)}`;
  const byFunction = new Map<string, Set<string>>();
  const prototypes = [DynamoDBClient.prototype, DynamoDBDocumentClient.prototype] as unknown as Array<{
    send: Send;
  }>;
  const originals = prototypes.map((proto) => Object.getOwnPropertyDescriptor(proto, 'send'));
  for (const proto of prototypes) {
    const send = proto.send;
    proto.send = function recorded(command, ...rest) {
      const fn = current.getStore();
      if (fn) {
        const seen = byFunction.get(fn) ?? new Set<string>();
        for (const access of accessesOf(command.constructor.name, command.input ?? {}, tableKey))
          seen.add(access);
        byFunction.set(fn, seen);
      }
      return send.call(this, command, ...rest);
    };
  }
  return {
    byFunction,
    stop() {
      prototypes.forEach((proto, i) => {
        const original = originals[i];
        if (original) Object.defineProperty(proto, 'send', original);
        else delete (proto as { send?: Send }).send;
      });
    },
  };
}

interface PrintedStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The governance record kinds a statement is limited to (`ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys`: `deletion#*` → `deletion`, `checkpoint` → `checkpoint`), or `*` without one.
 */
export function leadingKinds(statement: Pick<PrintedStatement, 'Condition'>): string[] {
  const patterns = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  if (patterns === undefined) return ['*'];
  return [patterns].flat().map((pattern) => pattern.replace(/#\*$/, ''));
}

const TABLE_RESOURCES: Record<string, TableKey> = {
  AppsTable: 'apps',
  PersonalTable: 'personal',
  TelemetryTable: 'telemetry',
  GovernanceTable: 'governance',
};

/** `Fn::GetAtt: [XTable, Arn]` → `x`; `Fn::Join: ['', [<that>, '/index/name']]` → `x/index/name`. */
function resourceName(resource: unknown): string | undefined {
  const node = resource as Record<string, unknown>;
  const getAtt = node['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) return TABLE_RESOURCES[getAtt[0]];
  const join = node['Fn::Join'] as [string, unknown[]] | undefined;
  if (join && join[0] === '') {
    const parts = join[1].map((part) => (typeof part === 'string' ? part : resourceName(part)));
    return parts.every((part) => part !== undefined) ? parts.join('') : undefined;
  }
  return undefined;
}

/** What `serverless print` says each function's role allows on the stack's tables: key → accesses. */
export async function grantedDynamoAccesses(root: string): Promise<Map<string, Set<string>>> {
  const { stdout } = await promisify(execFile)('npx', ['serverless', 'print', '--format', 'json'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const printed = JSON.parse(stdout) as {
    functions: Record<string, { iamRoleStatements?: PrintedStatement[] }>;
  };
  const granted = new Map<string, Set<string>>();
  for (const [key, fn] of Object.entries(printed.functions)) {
    const accesses = new Set<string>();
    for (const statement of fn.iamRoleStatements ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat().map(resourceName);
      for (const action of actions)
        for (const resource of resources) {
          if (!resource) continue;
          if (resource !== 'governance') accesses.add(`${action} ${resource}`);
          else for (const kind of leadingKinds(statement)) accesses.add(`${action} governance[${kind}]`);
        }
    }
    granted.set(key, accesses);
  }
  return granted;
}

/** Whether `grants` allow `access`; a governance statement without a LeadingKeys condition allows every kind. */
export function isGranted(grants: ReadonlySet<string> | undefined, access: string): boolean {
  if (grants?.has(access)) return true;
  const governance = /^(\S+) governance\[[^\]]+\]$/.exec(access);
  return governance !== null && grants?.has(`${governance[1]} governance[*]`) === true;
}
