/**
 * `npm run tour`: from "it runs" to "my IM backend talks to it", against a running `npm start`. Registers
 * a demo app, makes its admin's UserSig with Tencent's own `tls-sig-api-v2`, signs callbacks as Tencent
 * does, then sends a message, a profile, a before-send with an identity number (masked), a recall,
 * exports the account, requests its deletion, shows the receipt and GET /conformance, and leaves the
 * demo app terminated. Every step prints the equivalent `curl` and the answer.
 *
 * PORT (default 3000) and OPERATOR_TOKEN (default: the token `npm start` generated, from
 * .data/operator-token) say where and as whom.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { adminQuery as adminQueryOf, callbackQuery, genUserSig, textBody } from './tencent-client.js';

export interface TourOptions {
  readonly httpUrl: string;
  readonly operatorToken: string;
  readonly print?: (line: string) => void;
  /** How long to wait for the deletion request to complete. */
  readonly deletionTimeoutMs?: number;
}

export interface TourResult {
  readonly sdkAppId: string;
  readonly steps: readonly { title: string; status: number }[];
  readonly deletion: Record<string, unknown>;
}

/** A valid PRC resident identity number (checksum included): what the D5 guard must mask. */
const ID_NUMBER = '11010519491231002X';

class TourError extends Error {}

export async function runTour(opts: TourOptions): Promise<TourResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const sdkAppId = String(1_400_990_000 + Math.floor(Math.random() * 9_999));
  const secretKey = randomBytes(24).toString('hex');
  const callbackToken = randomBytes(16).toString('hex');
  const admin = 'administrator';
  const account = 'alice';
  const steps: { title: string; status: number }[] = [];

  const userSig = genUserSig(sdkAppId, secretKey, admin);
  const adminQuery = () => adminQueryOf(sdkAppId, secretKey, admin, userSig);

  /** The demo's credentials appear in the printed commands as the shell variables the tour exports. */
  const placeholders = (text: string) =>
    text
      .replaceAll(userSig, '$USERSIG')
      .replaceAll(secretKey, '$SECRET_KEY')
      .replaceAll(callbackToken, '$CALLBACK_TOKEN');

  /** One step: prints what it does and its curl, calls, prints the answer; a non-`expect` status ends the tour. */
  async function step(
    title: string,
    request: {
      method: string;
      path: string;
      headers?: Record<string, string>;
      body?: unknown;
      curlAuth?: string;
    },
    expect: number,
  ): Promise<{ status: number; body: Record<string, unknown> | string }> {
    const url = `${opts.httpUrl}${request.path}`;
    const data =
      request.body === undefined
        ? ''
        : ` -H 'content-type: application/json' -d '${JSON.stringify(request.body)}'`;
    print(`\n== ${steps.length + 1}. ${title}`);
    print(`$ curl -s -X ${request.method} ${request.curlAuth ?? ''}${placeholders(`'${url}'${data}`)}`);
    const response = await fetch(url, {
      method: request.method,
      headers: {
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const text = await response.text();
    const body = response.headers.get('content-type')?.includes('json')
      ? (JSON.parse(text) as Record<string, unknown>)
      : text;
    print(
      `${response.status} ${typeof body !== 'string' ? JSON.stringify(body) : `an HTML page: "${/<title>([^<]*)<\/title>/.exec(body)?.[1] ?? ''}"`}`,
    );
    steps.push({ title, status: response.status });
    if (response.status !== expect)
      throw new TourError(`${title}: expected ${expect}, got ${response.status}`);
    return { status: response.status, body };
  }

  const asOperator = {
    headers: { authorization: `Bearer ${opts.operatorToken}` },
    curlAuth: `-H "authorization: Bearer $OPERATOR_TOKEN" `,
  };
  const callback = (title: string, command: string, body: Record<string, unknown>) => {
    const query = callbackQuery(sdkAppId, callbackToken, command, Math.floor(Date.now() / 1000));
    return step(
      title,
      { method: 'POST', path: `/im/callback?${query}`, body: { CallbackCommand: command, ...body } },
      200,
    );
  };
  const message = (seq: number, text: string) => {
    const msgTime = Math.floor(Date.now() / 1000);
    return {
      From_Account: account,
      To_Account: 'bob',
      MsgSeq: seq,
      MsgRandom: 7,
      MsgTime: msgTime,
      MsgKey: `${seq}_7_${msgTime}`,
      MsgBody: textBody(text),
    };
  };

  print(`Tour of the IM retention engine at ${opts.httpUrl}, with a demo app ${sdkAppId}.`);
  await step(
    'The operator registers the demo app (P4): messages and profiles kept 7 days, identity numbers masked (D5)',
    {
      method: 'PUT',
      path: `/apps/${sdkAppId}`,
      ...asOperator,
      body: {
        appName: 'Tour demo app',
        secretKey,
        adminAccount: admin,
        callback: { enabled: true, url: `${opts.httpUrl}/im/callback`, token: callbackToken },
        dataCenter: 'local',
        privacy: {
          userInfo: { mode: 'stored', retentionDays: 7 },
          messages: { mode: 'stored', retentionDays: 7 },
          sensitiveData: 'mask',
          publishDisclosure: true,
        },
      },
    },
    200,
  );
  print(
    `\nThe demo app's credentials, for your own curl (a real app's secretKey and token never leave its owner):\n` +
      `  export SECRET_KEY=${secretKey} CALLBACK_TOKEN=${callbackToken}\n` +
      `The app admin's UserSig, made with Tencent's tls-sig-api-v2 from the app's secretKey:\n` +
      `  export USERSIG=$(node -e "console.log(new (require('tls-sig-api-v2').Api)(${sdkAppId}, process.env.SECRET_KEY).genUserSig('${admin}', 3600))")\n` +
      `  # this run's: USERSIG=${userSig}\n` +
      `A callback is signed with Sign = sha256_hex(callback token + RequestTime), as Tencent IM does (docs/tencent-im.md).`,
  );
  const first = message(1, 'hello from the tour');
  await callback(
    'Tencent sends an after-send callback: the message is stored (D2)',
    'C2C.CallbackAfterSendMsg',
    {
      ...first,
      SendMsgResult: 0,
    },
  );
  await callback('A profile change: nickname and signature are stored (D1)', 'Profile.CallbackPortraitSet', {
    Operator_Account: account,
    From_Account: account,
    ProfileItem: [
      { Tag: 'Tag_Profile_IM_Nick', Value: 'Alice' },
      { Tag: 'Tag_Profile_IM_SelfSignature', Value: 'hi there' },
    ],
    EventTime: Date.now(),
  });
  const guarded = await callback(
    'A before-send with an identity number: the answer replaces the message with the number masked (D5)',
    'C2C.CallbackBeforeSendMsg',
    message(2, `my ID is ${ID_NUMBER}`),
  );
  if (JSON.stringify(guarded.body).includes(ID_NUMBER))
    throw new TourError('the identity number was not masked');
  const second = message(3, 'this one will be recalled');
  await callback('Another message is sent…', 'C2C.CallbackAfterSendMsg', { ...second, SendMsgResult: 0 });
  await callback(
    '…and recalled: it is gone, and a retried after-send will not bring it back',
    'C2C.CallbackAfterMsgWithDraw',
    {
      From_Account: account,
      To_Account: 'bob',
      MsgKey: second.MsgKey,
      EventTime: Date.now(),
    },
  );
  const exported = await step(
    'The app admin exports the account: one message, the profile',
    { method: 'GET', path: `/apps/${sdkAppId}/users/${account}/data?${adminQuery()}` },
    200,
  );
  const messages = (exported.body as { messages?: unknown[] }).messages ?? [];
  if (messages.length !== 1) throw new TourError(`expected 1 exported message, found ${messages.length}`);
  await step(
    "The app's privacy page, as its end users read it",
    { method: 'GET', path: `/apps/${sdkAppId}/privacy` },
    200,
  );
  const accepted = await step(
    'The app admin requests deletion of the account (D3)',
    { method: 'POST', path: `/apps/${sdkAppId}/deletion-requests?${adminQuery()}`, body: { account } },
    202,
  );
  const id = String((accepted.body as { id?: unknown }).id);
  const deadline = Date.now() + (opts.deletionTimeoutMs ?? 60_000);
  let receipt: Record<string, unknown> = {};
  for (;;) {
    const response = await fetch(`${opts.httpUrl}/apps/${sdkAppId}/deletion-requests/${id}?${adminQuery()}`);
    receipt = (await response.json()) as Record<string, unknown>;
    if (receipt.status === 'completed' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await step(
    'The deletion receipt: what was deleted, by category',
    { method: 'GET', path: `/apps/${sdkAppId}/deletion-requests/${id}?${adminQuery()}` },
    200,
  );
  if (receipt.status !== 'completed')
    throw new TourError(`the deletion request is still ${String(receipt.status)}`);
  await step(
    'The operator reads the conformance evidence: nothing overdue',
    { method: 'GET', path: '/conformance', ...asOperator },
    200,
  );
  await step(
    'The operator terminates the demo app: its configuration is purged 2 calendar months later (P4)',
    { method: 'POST', path: `/apps/${sdkAppId}/termination`, ...asOperator, body: {} },
    200,
  );
  print(
    `\nDone: the demo app ${sdkAppId} is terminated. Read more: docs/api.md, docs/tencent-im.md, docs/policy.md.`,
  );
  return { sdkAppId, steps, deletion: receipt };
}

function operatorToken(): string {
  if (process.env.OPERATOR_TOKEN) return process.env.OPERATOR_TOKEN;
  const saved = '.data/operator-token';
  if (existsSync(saved)) return readFileSync(saved, 'utf8').trim();
  throw new TourError('set OPERATOR_TOKEN to the operator token `npm start` printed');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const httpUrl = `http://localhost:${process.env.PORT ?? 3000}`;
  Promise.resolve()
    .then(() => runTour({ httpUrl, operatorToken: operatorToken() }))
    .catch((error: unknown) => {
      const reason =
        error instanceof TypeError
          ? `is \`npm start\` running on ${httpUrl}? (${error.message})`
          : String(error instanceof Error ? error.message : error);
      console.error(`\ntour stopped: ${reason}`);
      process.exit(1);
    });
}
