import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createMessageStore } from '../../../lib/store/messages.js';
import { ownerIndexQueries } from '../../../lib/store/personal-keys.js';
import { queryAllPagesOf } from '../../../lib/store/query-pages.js';
import { createUserInfoStore } from '../../../lib/store/user-info.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

const DAY_MS = 86_400_000;

/** Stores `count` C2C messages sent by `account`, through the real message store. */
export async function seedMessages(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: { app: string; account: string; count: number; tag?: string; start?: Date; expiresInDays?: number },
): Promise<void> {
  const store = createMessageStore({ doc, tableName });
  const start = input.start ?? new Date(Date.now() - DAY_MS);
  const expiresAt = new Date(Date.now() + (input.expiresInDays ?? 7) * DAY_MS);
  const tag = input.tag ?? Math.random().toString(36).slice(2, 8);
  const indexes = Array.from({ length: input.count }, (_, i) => i);
  const CONCURRENCY = 25;
  for (let offset = 0; offset < indexes.length; offset += CONCURRENCY) {
    await Promise.all(
      indexes.slice(offset, offset + CONCURRENCY).map((i) =>
        store.put(
          {
            app: input.app,
            account: input.account,
            ref: { kind: 'c2c', msgKey: `${tag}-${input.account}-${i}` },
            to: 'peer',
            msgTime: new Date(start.getTime() + i * 1000),
            msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `message ${i} from ${input.account}` } }],
            expiresAt,
          },
          new Date(),
        ),
      ),
    );
  }
}

/** Stores one group message sent by `account`. */
export async function seedGroupMessage(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: { app: string; account: string; groupId: string; msgSeq: number },
): Promise<void> {
  await createMessageStore({ doc, tableName }).put(
    {
      app: input.app,
      account: input.account,
      ref: { kind: 'group', groupId: input.groupId, msgSeq: input.msgSeq },
      groupType: 'Public',
      msgTime: new Date(),
      msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'group hello' } }],
      expiresAt: new Date(Date.now() + 7 * DAY_MS),
    },
    new Date(),
  );
}

export async function seedUserInfo(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: { app: string; account: string; nickname?: string },
): Promise<void> {
  await createUserInfoStore({ doc, tableName }).put({
    app: input.app,
    account: input.account,
    values: { nickname: input.nickname ?? `nick of ${input.account}`, signature: 'hello' },
    setAt: new Date(),
    expiresAt: new Date(Date.now() + 7 * DAY_MS),
    now: new Date(),
  });
}

/** What is physically stored for an account, per category (expired or not), read from the owner index. */
export async function storedFor(
  doc: DynamoDBDocumentClient,
  tableName: string,
  app: string,
  account: string,
): Promise<{ userInfo: number; messages: number }> {
  const counts = { userInfo: 0, messages: 0 };
  for (const item of await queryAllPagesOf(doc, ownerIndexQueries(tableName, app, account))) {
    counts[item.category as 'userInfo' | 'messages'] += 1;
  }
  return counts;
}

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Calls an HTTP function as API Gateway (payload 2.0) would: route key template and path parameters. */
export async function callRoute(
  handler: Handler,
  method: string,
  route: { template: string; params: Record<string, string> },
  options: { headers?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const path = route.template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(route.params[name] ?? ''),
  );
  const event = httpEvent(method, path, {
    routePath: route.template,
    pathParameters: route.params,
    ...options,
  });
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const raw = response.body ?? '';
  return {
    status: response.statusCode ?? 0,
    contentType: response.headers?.['content-type'] as string | undefined,
    body: raw ? JSON.parse(raw) : {},
  };
}
