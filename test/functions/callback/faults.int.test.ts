import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Handler } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../../functions/callback/chain.js';
import type { TelemetryRecorder } from '../../../lib/http/telemetry.js';
import { createLogger } from '../../../lib/log.js';
import type { AppConfig } from '../../../lib/policy/app-config.js';
import { type AppStore, createAppStore } from '../../../lib/store/apps.js';
import { createDocumentClient, createDynamoClient } from '../../../lib/store/dynamo.js';
import type { RequestRecord } from '../../../lib/store/telemetry.js';
import { callbackStores } from '../../support/callback-deps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { callbackAppConfig, callbackEvent, TEST_CALLBACK_TOKEN } from '../../support/tencent.js';

/**
 * Faults injected at the network: a "DynamoDB" that accepts connections and never answers. The
 * handler's clients use the same bounds as handler.ts (2 attempts of 500 ms).
 */
let db: TestDatabase;
let blackhole: Server;
const sockets = new Set<Socket>();
let blackholeEndpoint: string;
let realApps: AppStore;
const logger: Logger = createLogger('callback-faults');
let nextApp = 1_400_800_000 + Math.floor(Math.random() * 100_000) * 10;

function capturingRecorder(records: RequestRecord[]): TelemetryRecorder {
  return {
    containerId: 'test',
    flushWaitMs: 0,
    now: () => new Date(),
    record: (record) => {
      records.push(record);
    },
    flushIfDue: async () => undefined,
    flush: async () => ({ logRecords: 0, monitoringRows: 0, failed: 0 }),
    pending: () => ({ logRecords: 0, dirtyRows: 0, droppedLogRecords: 0, droppedRequests: 0 }),
  };
}

const boundedDoc = (endpoint: string) =>
  createDocumentClient(
    createDynamoClient({ endpoint, region: 'us-east-1', maxAttempts: 2, requestTimeoutMs: 500 }),
  );

function handlerWith(opts: {
  appsEndpoint: 'real' | 'slow';
  personalEndpoint: 'real' | 'slow';
  records: RequestRecord[];
}) {
  const slow = boundedDoc(blackholeEndpoint);
  const personal = opts.personalEndpoint === 'real' ? db.doc : slow;
  return createCallbackHandler({
    appStore:
      opts.appsEndpoint === 'real' ? realApps : createAppStore({ doc: slow, tableName: db.tables.apps }),
    ...callbackStores(db.doc, db.tables, personal),
    recorder: capturingRecorder(opts.records),
    dataCenter: 'local',
    maxSkewSeconds: 60,
    logger,
  }) as unknown as Handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;
}

async function registerApp(overrides: Partial<AppConfig> = {}) {
  nextApp += 1;
  await realApps.put(String(nextApp), callbackAppConfig(overrides), new Date());
  return String(nextApp);
}

async function timedCall(
  handler: Handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>,
  sdkAppId: string,
  command: string,
  body: unknown,
) {
  const started = performance.now();
  const response = await handler(
    callbackEvent({ sdkAppId, token: TEST_CALLBACK_TOKEN, command, body }),
    lambdaContext(),
    () => {},
  );
  const elapsedMs = performance.now() - started;
  return { elapsedMs, status: response?.statusCode, body: JSON.parse(response?.body ?? '{}') };
}

const afterSend = () => {
  const time = Math.floor(Date.now() / 1000);
  return {
    From_Account: 'alice',
    To_Account: 'bob',
    MsgSeq: 1,
    MsgRandom: 2,
    MsgTime: time,
    MsgKey: `1_2_${time}_${Math.random()}`,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello' } }],
  };
};
const beforeSend = () => ({
  ...afterSend(),
  MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'card 4111111111111111' } }],
});

beforeAll(async () => {
  db = await createTestDatabase();
  realApps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
  blackhole = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const address = blackhole.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  blackholeEndpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackhole.close(resolve));
  await db.drop();
});

describe('a slow DynamoDB', () => {
  it('answers an after-send callback within 2 s with FAIL, and records the failure', async () => {
    const records: RequestRecord[] = [];
    const handler = handlerWith({ appsEndpoint: 'real', personalEndpoint: 'slow', records });
    const app = await registerApp();
    const response = await timedCall(handler, app, 'C2C.CallbackAfterSendMsg', afterSend());
    expect(response.elapsedMs).toBeLessThan(2000);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ActionStatus: 'FAIL',
      ErrorCode: 1,
      ErrorInfo: 'the callback could not be processed',
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ api: 'im.callback:C2C.CallbackAfterSendMsg', app, success: false });
    expect(records[0]?.errorName).toMatch(/StoreError|BudgetExceededError/);
    console.info(`after-send with a silent DynamoDB answered in ${Math.round(response.elapsedMs)} ms`);
  });

  it('fails a before-send callback open (ErrorCode 0) within 2 s when the app cannot be read', async () => {
    const records: RequestRecord[] = [];
    const handler = handlerWith({ appsEndpoint: 'slow', personalEndpoint: 'slow', records });
    const app = await registerApp({ privacy: { sensitiveData: 'reject' } });
    for (const command of ['C2C.CallbackBeforeSendMsg', 'Group.CallbackBeforeSendMsg']) {
      const body = command.startsWith('Group') ? { ...beforeSend(), GroupId: '@TGS#1' } : beforeSend();
      const response = await timedCall(handler, app, command, body);
      expect(response.elapsedMs).toBeLessThan(2000);
      expect(response).toMatchObject({ status: 200, body: { ActionStatus: 'OK', ErrorCode: 0 } });
      console.info(`${command} with a silent DynamoDB answered in ${Math.round(response.elapsedMs)} ms`);
    }
    expect(records).toHaveLength(2);
    for (const record of records) expect(record.errorName).toMatch(/StoreError|BudgetExceededError/);
  });

  it('answers an after-send callback within 2 s when even the app lookup hangs', async () => {
    const handler = handlerWith({ appsEndpoint: 'slow', personalEndpoint: 'slow', records: [] });
    const app = await registerApp();
    const response = await timedCall(handler, app, 'Group.CallbackAfterSendMsg', {
      ...afterSend(),
      GroupId: '@TGS#1',
    });
    expect(response.elapsedMs).toBeLessThan(2000);
    expect(response).toMatchObject({ status: 200, body: { ActionStatus: 'FAIL', ErrorCode: 1 } });
  });
});
