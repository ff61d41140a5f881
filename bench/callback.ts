import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AppConfig } from '../lib/policy/app-config.js';
import { createAppStore } from '../lib/store/apps.js';
import { createConsentStore } from '../lib/store/consents.js';
import { createDocumentClient, createDynamoClient } from '../lib/store/dynamo.js';
import { expiringAttributes, itemIdOf } from '../lib/store/keys.js';
import { messageKey, ownerAttributes } from '../lib/store/personal-keys.js';
import { tableDefinition } from '../lib/store/tables.js';
import { READ_OPERATIONS, startDynamoProxy, WRITE_OPERATIONS } from '../scripts/dynamo-proxy.js';
import { capacityBreakdown, capacityParts } from './support/capacity.js';
import { benchDoc, createBenchTables, handlerEnv, importHandler } from './support/database.js';
import { callbackEvent, lambdaContext } from './support/events.js';
import { DYNAMO_OVERHEAD_NOTE, storedItemBytes } from './support/item-size.js';
import { type BenchResults, describe, progress } from './support/result.js';
import { round, runPool, summarize } from './support/stats.js';

/**
 * callback.*: stored-message after-send callbacks through the real middy handler
 * (functions/callback/handler.ts: telemetry, Tencent answers, signature + app lookup, body validation,
 * D2/D5/P1 policy, conditional PutItem) against a bare handler that only parses the body and makes the
 * one PutItem the message needs (same item, same conditional write, same client settings).
 */
type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const SDK_APP_ID = '1400777001';
/** The same app, but requiring consent (D6): every sender has an active consent, read once per callback. */
const CONSENT_APP_ID = '1400777002';
const SENDERS = 500;
const TOKEN = 'bench-callback-token-0123456789abcdef';
const OK_BODY = JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });

export interface CallbackBenchOptions {
  readonly endpoint: string;
  readonly port: number;
  readonly messagesPerRun?: number;
  readonly runs?: number;
  readonly concurrency?: number;
  readonly countedMessages?: number;
}

function appConfig(privacy?: AppConfig['privacy']): AppConfig {
  return {
    ...(privacy ? { privacy } : {}),
    appName: 'Bench app',
    secretKey: 'bench-secret-key-0123456789abcdef',
    adminAccount: 'administrator',
    callback: { enabled: true, url: 'https://callback.example.com/im', token: TOKEN },
    dataCenter: 'local',
  };
}

let sequence = 0;

/** A C2C.CallbackAfterSendMsg body as Tencent sends it (text message, ~300 bytes). */
function afterSendBody() {
  sequence += 1;
  const time = Math.floor(Date.now() / 1000);
  const random = 100_000 + (sequence % 900_000);
  return {
    CallbackCommand: 'C2C.CallbackAfterSendMsg',
    From_Account: `user${sequence % SENDERS}`,
    To_Account: `user${(sequence + 1) % SENDERS}`,
    MsgSeq: sequence,
    MsgRandom: random,
    MsgTime: time,
    MsgKey: `${sequence}_${random}_${time}`,
    MsgId: `144115233406643804-${time}-${random}`,
    OnlineOnlyFlag: 0,
    SendMsgResult: 0,
    ErrorInfo: 'send msg succeed',
    UnreadMsgNum: 1,
    MsgBody: [
      { MsgType: 'TIMTextElem', MsgContent: { Text: 'See you at the station at 7, bring the tickets!' } },
    ],
    CloudCustomData: 'custom',
    EventTime: Date.now(),
  };
}

function events(count: number, sdkAppId: string = SDK_APP_ID): APIGatewayProxyEventV2[] {
  return Array.from({ length: count }, () =>
    callbackEvent({
      sdkAppId,
      token: TOKEN,
      command: 'C2C.CallbackAfterSendMsg',
      body: afterSendBody(),
    }),
  );
}

/** The simplest correct alternative: parse, then the one conditional PutItem the message needs. */
function bareHandler(endpoint: string, tableName: string): Handler {
  const doc = createDocumentClient(
    createDynamoClient({ endpoint, region: 'us-east-1', maxAttempts: 2, requestTimeoutMs: 500 }),
  );
  // A retried write that had landed finds the message there: a duplicate, as the message store treats it.
  const send = (command: PutCommand) =>
    doc.send(command).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  return async (event) => {
    const body = JSON.parse(event.body ?? '{}');
    const msgTime = new Date(body.MsgTime * 1000);
    const expiresAt = body.MsgTime + 7 * 86_400;
    const { pk, sk } = messageKey(SDK_APP_ID, { kind: 'c2c', msgKey: body.MsgKey });
    await send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk,
          sk,
          ...expiringAttributes('messages', SDK_APP_ID, expiresAt, itemIdOf({ pk, sk })),
          ...ownerAttributes(SDK_APP_ID, body.From_Account, 'messages', msgTime, { pk, sk }),
          kind: 'c2c',
          msgKey: body.MsgKey,
          to: body.To_Account,
          msgRandom: body.MsgRandom,
          msgId: body.MsgId,
          msgTime: msgTime.toISOString(),
          msgBody: body.MsgBody,
          cloudCustomData: body.CloudCustomData,
          storedAt: new Date().toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: OK_BODY };
  };
}

/** Sends `batch` through `handler` with `concurrency` in flight; the elapsed milliseconds. */
async function drive(
  handler: Handler,
  batch: APIGatewayProxyEventV2[],
  concurrency: number,
): Promise<number> {
  let failures = 0;
  const started = performance.now();
  await runPool(batch.length, concurrency, async (index) => {
    const response = await handler(batch[index] as APIGatewayProxyEventV2, lambdaContext(3000));
    if (response.statusCode !== 200 || JSON.parse(response.body ?? '{}').ErrorCode !== 0) failures += 1;
  });
  const elapsed = performance.now() - started;
  if (failures > 0) throw new Error(`${failures} of ${batch.length} callbacks failed`);
  return elapsed;
}

export async function benchCallback(opts: CallbackBenchOptions): Promise<BenchResults> {
  const messagesPerRun = opts.messagesPerRun ?? 1500;
  const runs = opts.runs ?? 7;
  const concurrency = opts.concurrency ?? 8;
  const countedMessages = opts.countedMessages ?? 600;

  const tables = await createBenchTables(opts.endpoint, 'callback');
  const doc = benchDoc(opts.endpoint);
  await createAppStore({ doc, tableName: tables.apps }).put(SDK_APP_ID, appConfig(), new Date());
  await createAppStore({ doc, tableName: tables.apps }).put(
    CONSENT_APP_ID,
    appConfig({ consent: 'required' }),
    new Date(),
  );
  const consents = createConsentStore({ doc, tableName: tables.governance });
  const consent = {
    categories: ['userInfo', 'messages'] as const,
    jurisdiction: 'DE',
    minimumAge: 16,
    minimumAgeSource: 'table' as const,
    grantedAt: new Date().toISOString(),
  };
  await runPool(SENDERS, 16, async (i) => {
    await consents.grant(CONSENT_APP_ID, `user${i}`, consent, new Date());
  });

  const subject = (
    await importHandler<{ handler: Handler }>(
      'functions/callback/handler.ts',
      handlerEnv(opts.endpoint, tables),
    )
  ).handler;
  const bare = bareHandler(opts.endpoint, tables.personal);
  // The real handler for the consent-requiring app: the same chain plus one consistent GetItem per callback.
  const consentRequired: Handler = (event, context) => subject(event, context);
  const arms = { subject, bare, consentRequired } as const;
  const appOf = (arm: keyof typeof arms) => (arm === 'consentRequired' ? CONSENT_APP_ID : SDK_APP_ID);

  progress(
    `callback: warm-up, then ${runs} interleaved runs of ${messagesPerRun} messages, ${concurrency} in flight`,
  );
  // Both the Node JIT and DynamoDB Local's JVM JIT warm up over the first few thousand requests.
  for (let round = 0; round < 3; round += 1) {
    for (const arm of Object.keys(arms) as (keyof typeof arms)[])
      await drive(arms[arm], events(800, appOf(arm)), concurrency);
  }

  const rates: Record<keyof typeof arms, number[]> = { subject: [], bare: [], consentRequired: [] };
  const names = Object.keys(arms) as (keyof typeof arms)[];
  for (let run = 0; run < runs; run += 1) {
    for (const which of run % 2 === 0 ? names : [...names].reverse()) {
      const batch = events(messagesPerRun, appOf(which));
      const ms = await drive(arms[which], batch, concurrency);
      rates[which].push((messagesPerRun / ms) * 1000);
    }
  }
  const subjectRate = summarize(rates.subject);
  const bareRate = summarize(rates.bare);
  const pairRatios = summarize(rates.subject.map((rate, i) => rate / (rates.bare[i] as number)));
  const consentRate = summarize(rates.consentRequired);
  const consentPairs = summarize(rates.consentRequired.map((rate, i) => rate / (rates.bare[i] as number)));

  // One callback at a time: the handler's own time per invocation (what a Lambda is billed for).
  const sequentialMs: number[] = [];
  for (let run = 0; run < 3; run += 1) sequentialMs.push((await drive(subject, events(300), 1)) / 300);

  // Write requests and capacity per stored message: a second instance of the handler, through the
  // counting and metering proxy.
  const proxy = await startDynamoProxy(opts.port, { captureCapacity: true });
  const counted = (
    await importHandler<{ handler: Handler }>(
      'functions/callback/handler.ts',
      handlerEnv(proxy.endpoint, tables),
    )
  ).handler;
  await drive(counted, events(50), concurrency);
  const writesPerMessage: number[] = [];
  const writeUnits: number[] = [];
  const readUnits: number[] = [];
  let breakdown = '';
  let capacity = '';
  let parts: Record<string, number> = {};
  for (let run = 0; run < 3; run += 1) {
    proxy.reset();
    await drive(counted, events(countedMessages), concurrency);
    const puts = proxy.counts.get('PutItem') ?? 0;
    if (puts !== countedMessages) throw new Error(`expected ${countedMessages} PutItem calls, saw ${puts}`);
    writesPerMessage.push(proxy.total(WRITE_OPERATIONS) / countedMessages);
    writeUnits.push(proxy.capacityUnits(WRITE_OPERATIONS) / countedMessages);
    readUnits.push(proxy.capacityUnits(READ_OPERATIONS) / countedMessages);
    capacity = capacityBreakdown(proxy, tables, countedMessages);
    parts = capacityParts(proxy, tables, countedMessages);
    breakdown = [...WRITE_OPERATIONS, ...READ_OPERATIONS]
      .filter((op) => proxy.counts.has(op))
      .map((op) => `${op} ${round((proxy.counts.get(op) ?? 0) / countedMessages, 3)}`)
      .join(', ');
  }
  await proxy.close();
  const writes = summarize(writesPerMessage);
  const stored = await storedMessageBytes(subject, doc, tables.personal);

  const perCall = summarize(sequentialMs);
  return {
    'unit.callbackWriteUnits': {
      value: round(summarize(writeUnits).median, 3),
      unit: 'write units/stored message',
      detail: `${describe(summarize(writeUnits))} over ${countedMessages} stored messages per run (base table and indexes, telemetry included); per message (last run): ${capacity}`,
      parts: parts,
    },
    'unit.storedMessageBytes': {
      value: stored.total,
      unit: 'bytes/stored message',
      detail: `one stored after-send text message (~50 characters) as DynamoDB sizes it, ${DYNAMO_OVERHEAD_NOTE}: ${Object.entries(
        stored.parts,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      parts: stored.parts,
    },
    'unit.callbackReadUnits': {
      value: round(summarize(readUnits).median, 3),
      unit: 'read units/stored message',
      detail: `${describe(summarize(readUnits))}; the app record is cached per container, so reads are the cache refreshes`,
    },
    'unit.callbackMs': {
      value: round(perCall.median, 2),
      unit: 'ms/invocation',
      detail: `mean handler time of one after-send callback, one at a time, warm: ${describe(perCall, 'ms', 2)} (3 runs of 300; DynamoDB Local on this machine, slower per call than DynamoDB)`,
    },
    'callback.throughputRatio': {
      value: round(subjectRate.median / bareRate.median, 3),
      unit: 'ratio',
      detail:
        `median msgs/s real handler ${describe(subjectRate, 'msg/s', 0)} / bare PutItem handler ${describe(bareRate, 'msg/s', 0)}; ` +
        `per-pair ratio ${describe(pairRatios)}; ` +
        `${messagesPerRun} messages per run, ${concurrency} in flight, runs interleaved`,
    },
    'callback.consentRequiredThroughputRatio': {
      value: round(consentRate.median / bareRate.median, 3),
      unit: 'ratio',
      detail:
        `median msgs/s real handler, app with privacy.consent "required" (every sender consented: one ` +
        `strongly consistent GetItem per callback) ${describe(consentRate, 'msg/s', 0)} / bare PutItem handler ` +
        `${describe(bareRate, 'msg/s', 0)}; per-pair ratio ${describe(consentPairs)}; same runs as callback.throughputRatio`,
    },
    'callback.writesPerStoredMessage': {
      value: round(writes.median, 3),
      unit: 'write requests/message',
      detail:
        `${describe(writes)} over ${countedMessages} stored messages per run, counted at the wire; ` +
        `requests per message by operation (last run): ${breakdown}`,
    },
  };
}

/** Sends one after-send and sizes the message item it stored, with its index entries. */
async function storedMessageBytes(
  handler: Handler,
  doc: ReturnType<typeof benchDoc>,
  tableName: string,
): Promise<{ total: number; parts: Record<string, number> }> {
  const [event] = events(1);
  if (!event) throw new Error('no event');
  await drive(handler, [event], 1);
  const { MsgKey } = JSON.parse(event.body ?? '{}') as { MsgKey: string };
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: messageKey(SDK_APP_ID, { kind: 'c2c', msgKey: MsgKey }) }),
  );
  if (!Item) throw new Error('the stored message was not found');
  return storedItemBytes(Item, tableDefinition('personal'));
}
