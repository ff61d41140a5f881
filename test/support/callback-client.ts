import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Handler } from 'aws-lambda';
import type { AppConfig } from '../../lib/policy/app-config.js';
import type { AppStore } from '../../lib/store/apps.js';
import { lambdaContext } from './events.js';
import { type CallbackRequest, callbackAppConfig, callbackEvent, TEST_CALLBACK_TOKEN } from './tencent.js';

export type CallbackHandler = Handler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;
export type CallbackAnswer = { status: number; body: Record<string, unknown> };

/** Calls the callback handler in-process with a Tencent-signed request (TEST_CALLBACK_TOKEN unless given). */
export async function callCallback(
  handler: CallbackHandler,
  request: Omit<CallbackRequest, 'token'> & { token?: string },
): Promise<CallbackAnswer> {
  const response = await handler(
    callbackEvent({ token: TEST_CALLBACK_TOKEN, ...request }),
    lambdaContext(),
    () => {},
  );
  if (!response) throw new Error('no response');
  return {
    status: response.statusCode ?? 0,
    body: JSON.parse(response.body ?? '{}') as Record<string, unknown>,
  };
}

let nextMsg = 1;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A delivered C2C after-send from alice to bob with a fresh MsgKey, as Tencent documents it. */
export function c2cMessage(overrides: Record<string, unknown> = {}) {
  const seq = nextMsg++;
  const random = 1000 + seq;
  const time = nowSeconds();
  return {
    CallbackCommand: 'C2C.CallbackAfterSendMsg',
    From_Account: 'alice',
    To_Account: 'bob',
    MsgSeq: seq,
    MsgRandom: random,
    MsgTime: time,
    MsgKey: `${seq}_${random}_${time}`,
    MsgId: `144115233406643804-${time}-${random}`,
    OnlineOnlyFlag: 0,
    SendMsgResult: 0,
    ErrorInfo: 'send msg succeed',
    UnreadMsgNum: 1,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi bob' } }],
    CloudCustomData: 'custom',
    EventTime: Date.now(),
    ...overrides,
  };
}

/** A group after-send from alice with a fresh MsgSeq, as Tencent documents it. */
export function groupMessage(overrides: Record<string, unknown> = {}) {
  return {
    CallbackCommand: 'Group.CallbackAfterSendMsg',
    GroupId: '@TGS#2J4SZEAEL',
    Type: 'Public',
    From_Account: 'alice',
    Operator_Account: 'alice',
    Random: 123456,
    MsgSeq: nextMsg++,
    MsgTime: nowSeconds(),
    OnlineOnlyFlag: 0,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi group' } }],
    EventTime: Date.now(),
    ...overrides,
  };
}

let nextApp = 1_400_500_000 + Math.floor(Math.random() * 100_000) * 10;

/** Registers a fresh app whose callbacks are signed with TEST_CALLBACK_TOKEN; answers its SdkAppid. */
export async function registerCallbackApp(
  apps: Pick<AppStore, 'put'>,
  overrides: Partial<AppConfig> = {},
): Promise<string> {
  nextApp += 1;
  const sdkAppId = String(nextApp);
  await apps.put(sdkAppId, callbackAppConfig(overrides), new Date());
  return sdkAppId;
}
