import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../lib/store/dynamo.js';
import { freePort } from '../../scripts/dynamodb-local.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { genUserSig } from '../lib/auth/tls-sig.js';
import { TEST_AUDIT_HMAC_KEY, TEST_OPERATOR_TOKEN } from '../support/database.js';
import { callbackAppConfig, TEST_CALLBACK_TOKEN, tencentSign } from '../support/tencent.js';

/**
 * The "on the local stack" checks of the issues, over real HTTP against `npm start`'s code path (random
 * ports, DynamoDB Local in memory): the public schedule, invocation by serverless.yml key, register,
 * callbacks, export, metrics, deletion, expiry with conformance, termination and purge.
 */
const APP = '1400000101';
const SECRET = 'local-stack-secret-key-0123456789';
const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };

describe('the local stack end to end', () => {
  let stack: LocalStack;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  const adminQuery = (app = APP) =>
    new URLSearchParams({
      sdkappid: app,
      identifier: 'administrator',
      usersig: genUserSig(app, SECRET, 'administrator', 600),
      random: String(Math.floor(Math.random() * 1e9)),
      contenttype: 'json',
    }).toString();

  const callback = async (command: string, body: unknown, app = APP) => {
    const requestTime = nowSeconds();
    const query = new URLSearchParams({
      SdkAppid: app,
      CallbackCommand: command,
      contenttype: 'json',
      ClientIP: '198.51.100.9',
      OptPlatform: 'Android',
      RequestTime: String(requestTime),
      Sign: tencentSign(TEST_CALLBACK_TOKEN, requestTime),
    });
    const response = await fetch(`${stack.httpUrl}/im/callback?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ CallbackCommand: command, ...(body as object) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const afterSend = (account: string, msgKey: string, msgTime: number, text: string, app = APP) =>
    callback(
      'C2C.CallbackAfterSendMsg',
      {
        From_Account: account,
        To_Account: 'bob',
        MsgSeq: 1,
        MsgRandom: 7,
        MsgTime: msgTime,
        MsgKey: msgKey,
        OnlineOnlyFlag: 0,
        SendMsgResult: 0,
        ErrorInfo: 'send msg succeed',
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }],
        EventTime: Date.now(),
      },
      app,
    );

  const exportOf = async (account: string, app = APP) => {
    const response = await fetch(`${stack.httpUrl}/apps/${app}/users/${account}/data?${adminQuery(app)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { userInfo: unknown; messages: Array<Record<string, unknown>> };
  };

  const invoke = async (key: string, payload: unknown = {}) => {
    const response = await fetch(`${stack.lambdaUrl}/2015-03-31/functions/${key}/invocations`, {
      method: 'POST',
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(200);
    return response.json();
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: await freePort(),
      lambdaPort: await freePort(),
      dynamodbPort: await freePort(),
      dataDir: undefined,
      operatorToken: TEST_OPERATOR_TOKEN,
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
      dataCenter: 'local',
      quiet: true,
    });
    const config = callbackAppConfig({
      secretKey: SECRET,
      privacy: { messages: { mode: 'stored', retentionDays: 1 }, sensitiveData: 'mask' },
    });
    const response = await fetch(`${stack.httpUrl}/apps/${APP}`, {
      method: 'PUT',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    expect(response.status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs `npm run tour` to the end: every step answered as expected, the demo app left terminated', async () => {
    const port = new URL(stack.httpUrl).port;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((done) => {
      execFile(
        'npx',
        ['tsx', 'scripts/tour.ts'],
        { env: { ...process.env, PORT: port, OPERATOR_TOKEN: TEST_OPERATOR_TOKEN }, timeout: 120_000 },
        (error, out) => done({ stdout: out, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
      );
    });
    expect(code, stdout).toBe(0);
    const sdkAppId = /with a demo app (\d+)/.exec(stdout)?.[1] ?? '';
    expect(stdout).toContain('$ curl -s -X PUT');
    expect(stdout).toMatch(/USERSIG=eJ/);
    expect(stdout).toMatch(/Sign=[0-9a-f]{64}/);
    expect(stdout).not.toContain(TEST_OPERATOR_TOKEN);
    const masked = stdout.split('\n').find((line) => line.startsWith('200 ') && line.includes('"MsgBody"'));
    expect(masked, 'the before-send answer replaces the message').toBeDefined();
    expect(masked).not.toContain('11010519491231002X');
    expect(stdout).toMatch(/"status":"completed"/);
    expect(stdout).toContain(`Done: the demo app ${sdkAppId} is terminated`);
    const app = await fetch(`${stack.httpUrl}/apps/${sdkAppId}`, { headers: operator });
    expect(((await app.json()) as { status?: string }).status).toBe('terminated');
  }, 180_000);

  it('serves GET /policy with the five categories of the published schedule', async () => {
    const response = await fetch(`${stack.httpUrl}/policy`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { categories: Array<{ id: string; retention: unknown }> };
    expect(body.categories.map((category) => [category.id, category.retention])).toEqual([
      ['log', { days: 7 }],
      ['monitoring', { days: 2 }],
      ['config', { monthsAfterTermination: 2 }],
      ['userInfo', expect.objectContaining({ defaultDays: 7, customerSet: true, notStoredOption: true })],
      ['messages', expect.objectContaining({ defaultDays: 7, customerSet: true, notStoredOption: true })],
    ]);
  });

  it('serves GET /privacy as a bilingual HTML page', async () => {
    const response = await fetch(`${stack.httpUrl}/privacy`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toContain('数据保存期限');
    expect(page).toContain('Data retention schedule');
  });

  it('invokes a function by its serverless.yml key through the Lambda Invoke API', async () => {
    const response = await fetch(`${stack.lambdaUrl}/2015-03-31/functions/policy/invocations`, {
      method: 'POST',
      body: JSON.stringify({
        version: '2.0',
        rawPath: '/policy',
        requestContext: { http: { method: 'GET' } },
      }),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).categories).toHaveLength(5);
  });

  it('registers an app and reads it back with every secret redacted', async () => {
    const response = await fetch(`${stack.httpUrl}/apps/${APP}`, { headers: operator });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TEST_CALLBACK_TOKEN);
    expect(JSON.parse(text)).toMatchObject({
      sdkAppId: APP,
      status: 'active',
      config: { appName: expect.any(String) },
    });
  });

  it("serves the app's record of processing as JSON, and as a page to a browser", async () => {
    const url = `${stack.httpUrl}/apps/${APP}/processing-record`;
    const json = await fetch(url, { headers: operator });
    expect(json.status).toBe(200);
    const record = (await json.json()) as {
      controller: { sdkAppId: string };
      categories: Array<{ id: string }>;
    };
    expect(record.controller.sdkAppId).toBe(APP);
    expect(record.categories.map((category) => category.id)).toEqual([
      'log',
      'monitoring',
      'config',
      'userInfo',
      'messages',
    ]);
    const page = await fetch(url, { headers: { ...operator, accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toContain('处理活动记录');
    expect(text).not.toContain(SECRET);
  });

  it('stores a signed after-send message, and not one older than the retention', async () => {
    expect((await afterSend('alice', 'key-fresh', nowSeconds(), 'fresh message')).body).toMatchObject({
      ActionStatus: 'OK',
      ErrorCode: 0,
    });
    await afterSend('alice', 'key-old', nowSeconds() - 2 * 86_400, 'too old message');
    const data = await exportOf('alice');
    const texts = JSON.stringify(data.messages);
    expect(texts).toContain('fresh message');
    expect(texts).not.toContain('too old message');
  });

  it('answers 60 concurrent callbacks without a Lambda timeout, starting no more local instances than its limit', async () => {
    const threads = () =>
      stack.runtimeProcessGroup !== undefined && existsSync(`/proc/${stack.runtimeProcessGroup}/task`)
        ? readdirSync(`/proc/${stack.runtimeProcessGroup}/task`).length
        : undefined;
    const before = threads();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        afterSend(`burst-${i % 7}`, `burst-${i}`, nowSeconds(), `burst ${i}`),
      ),
    );
    expect(answers.map((a) => a.body.ActionStatus)).toEqual(Array(60).fill('OK'));
    const callbacks = stack.concurrencyReport().find((l) => l.key === 'POST /im/callback');
    expect(callbacks?.peakActive).toBeLessThanOrEqual(callbacks?.limit ?? 0);
    expect(callbacks?.queued).toBeGreaterThan(0);
    // serverless-offline starts a worker thread per concurrent invocation: without the limit, ~60 more.
    const after = threads();
    if (before !== undefined && after !== undefined) {
      expect(after - before).toBeLessThanOrEqual(callbacks?.limit ?? 0);
    }
  });

  it('shows callbacks in GET /apps/{id}/metrics', async () => {
    // The per-container recorder flushes on an invocation once its oldest record is 5 s old.
    await new Promise((r) => setTimeout(r, 5500));
    await callback('State.StateChange', {
      Info: { Action: 'Login', To_Account: 'alice', Reason: 'Register' },
    });
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch(`${stack.httpUrl}/apps/${APP}/metrics`, { headers: operator });
    expect(response.status).toBe(200);
    const { points } = (await response.json()) as {
      points: Array<{ requests: number; successRate: number }>;
    };
    expect(points.reduce((sum, point) => sum + point.requests, 0)).toBeGreaterThanOrEqual(3);
  });

  it('completes a deletion request within 60 s and the export is then empty', async () => {
    await afterSend('carol', 'key-carol-1', nowSeconds(), 'carol one');
    await afterSend('carol', 'key-carol-2', nowSeconds(), 'carol two');
    expect((await exportOf('carol')).messages).toHaveLength(2);
    const created = await fetch(`${stack.httpUrl}/apps/${APP}/deletion-requests?${adminQuery()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'carol' }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const deadline = Date.now() + 60_000;
    let receipt: { status: string; deleted: { messages: number } } | undefined;
    while (Date.now() < deadline) {
      const response = await fetch(`${stack.httpUrl}/apps/${APP}/deletion-requests/${id}?${adminQuery()}`);
      receipt = (await response.json()) as typeof receipt;
      if (receipt?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(receipt).toMatchObject({ status: 'completed', deleted: { messages: 2 } });
    expect(await exportOf('carol')).toEqual(expect.objectContaining({ userInfo: null, messages: [] }));
  });

  it('expires a due item when expire is invoked, and GET /conformance then shows 0 overdue', async () => {
    // Retention is 1 day: a message sent 1 day minus 2 s ago is due 2 s from now.
    await afterSend('dave', 'key-due', nowSeconds() - 86_400 + 2, 'soon due');
    await new Promise((r) => setTimeout(r, 3500));
    expect((await exportOf('dave')).messages).toEqual([]);
    await invoke('expire');
    const response = await fetch(`${stack.httpUrl}/conformance`, { headers: operator });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { categories: Record<string, { overdue: number }> };
    for (const category of ['log', 'monitoring', 'config', 'userInfo', 'messages']) {
      expect(body.categories[category]?.overdue).toBe(0);
    }
    const client = createDynamoClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1' });
    const item = await client.send(
      new GetItemCommand({
        TableName: stack.tables.personal,
        Key: { pk: { S: `${APP}#msg#c2c#key-due` }, sk: { S: 'msg' } },
      }),
    );
    client.destroy();
    expect(item.Item).toBeUndefined();
  });

  it('survives a function that throws, invoked asynchronously or not, and answers without a stack trace', async () => {
    const failing = { app: APP, requestId: 'x'.repeat(3000) };
    const invokeAs = (type: string) =>
      fetch(`${stack.lambdaUrl}/2015-03-31/functions/deletionWorker/invocations`, {
        method: 'POST',
        headers: { 'x-amz-invocation-type': type },
        body: JSON.stringify(failing),
      });
    expect((await invokeAs('Event')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await fetch(`${stack.httpUrl}/policy`)).status).toBe(200);
    const sync = await invokeAs('RequestResponse');
    expect(sync.headers.get('x-amz-function-error')).toBe('Unhandled');
    const error = (await sync.json()) as Record<string, unknown>;
    expect(Object.keys(error).sort()).toEqual(['errorMessage', 'errorType']);
    expect(JSON.stringify(error)).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect((await fetch(`${stack.httpUrl}/policy`)).status).toBe(200);
  });

  describe('a change of state is in force when its answer arrives (second app)', () => {
    const STATE_APP = '1400000102';
    const patchPrivacy = (privacy: unknown) =>
      fetch(`${stack.httpUrl}/apps/${STATE_APP}/privacy?${adminQuery(STATE_APP)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(privacy),
      });

    beforeAll(async () => {
      const response = await fetch(`${stack.httpUrl}/apps/${STATE_APP}`, {
        method: 'PUT',
        headers: { ...operator, 'content-type': 'application/json' },
        body: JSON.stringify(callbackAppConfig({ secretKey: SECRET })),
      });
      expect(response.status).toBe(200);
      // A callback first, so the stack's app cache holds the old settings when they change.
      await afterSend('dave', 'key-dave-warm', nowSeconds(), 'warm the cache', STATE_APP);
    });

    it('rejects the before-send right after PATCH to reject answers', async () => {
      expect((await patchPrivacy({ sensitiveData: 'reject' })).status).toBe(200);
      const answer = await callback(
        'C2C.CallbackBeforeSendMsg',
        {
          From_Account: 'dave',
          To_Account: 'bob',
          MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'card 4111 1111 1111 1111' } }],
        },
        STATE_APP,
      );
      expect(answer.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 120001 });
    });

    it('keeps a recalled message gone when its after-send is retried', async () => {
      const msgKey = 'key-dave-recalled';
      const sentAt = nowSeconds();
      await afterSend('dave', msgKey, sentAt, 'recalled text', STATE_APP);
      const recall = await callback(
        'C2C.CallbackAfterMsgWithDraw',
        { From_Account: 'dave', To_Account: 'bob', MsgKey: msgKey, EventTime: Date.now() },
        STATE_APP,
      );
      expect(recall.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
      expect((await afterSend('dave', msgKey, sentAt, 'recalled text', STATE_APP)).body).toMatchObject({
        ErrorCode: 0,
      });
      expect(JSON.stringify((await exportOf('dave', STATE_APP)).messages)).not.toContain('recalled text');
    });

    it('stores nothing from the after-send right after PATCH to notStored answers', async () => {
      expect((await patchPrivacy({ messages: { mode: 'notStored' } })).status).toBe(200);
      await afterSend('dave', 'key-dave-after', nowSeconds(), 'after notStored', STATE_APP);
      expect((await exportOf('dave', STATE_APP)).messages).toEqual([]);
    });

    it('refuses a 200-character CJK account with 400 and keeps running', async () => {
      const response = await fetch(
        `${stack.httpUrl}/apps/${STATE_APP}/deletion-requests?${adminQuery(STATE_APP)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ account: '中'.repeat(200) }),
        },
      );
      expect(response.status).toBe(400);
      expect((await fetch(`${stack.httpUrl}/policy`)).status).toBe(200);
    });
  });

  it('lets the admin export the whole app after termination; purges; a re-registration sees none of it', async () => {
    const terminate = (terminatedAt?: string) =>
      fetch(`${stack.httpUrl}/apps/${APP}/termination`, {
        method: 'POST',
        headers: { ...operator, 'content-type': 'application/json' },
        body: JSON.stringify(terminatedAt ? { terminatedAt } : {}),
      });
    expect((await terminate()).status).toBe(200);
    const exported = await fetch(`${stack.httpUrl}/apps/${APP}/export?${adminQuery()}`);
    expect(exported.status).toBe(200);
    const page = (await exported.json()) as { messages: unknown[]; nextCursor: string | null };
    let messages = page.messages.length;
    for (let cursor = page.nextCursor; cursor; ) {
      const next = (await (
        await fetch(`${stack.httpUrl}/apps/${APP}/export?${adminQuery()}&cursor=${cursor}`)
      ).json()) as typeof page;
      messages += next.messages.length;
      cursor = next.nextCursor;
    }
    expect(messages).toBeGreaterThan(0);

    // Back to active, then terminated long ago: the purge is due.
    expect(
      (await fetch(`${stack.httpUrl}/apps/${APP}/termination`, { method: 'DELETE', headers: operator }))
        .status,
    ).toBe(200);
    const terminatedAt = new Date(Date.now() - 70 * 86_400_000).toISOString();
    const terminated = await terminate(terminatedAt);
    expect(terminated.status).toBe(200);
    expect(await terminated.json()).toMatchObject({ status: 'terminated', terminatedAt });
    await invoke('purge');
    expect((await fetch(`${stack.httpUrl}/apps/${APP}`, { headers: operator })).status).toBe(404);

    const again = await fetch(`${stack.httpUrl}/apps/${APP}`, {
      method: 'PUT',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify(callbackAppConfig({ secretKey: SECRET })),
    });
    expect(again.status).toBe(200);
    expect((await exportOf('alice')).messages).toEqual([]);
  });
});
