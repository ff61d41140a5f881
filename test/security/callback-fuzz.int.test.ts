import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../functions/callback/commands/index.js';
import { MAX_CALLBACK_BODY_BYTES } from '../../functions/callback/main.js';
import { createAppStore } from '../../lib/store/apps.js';
import { messageKey } from '../../lib/store/personal-keys.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { callbackAppConfig, callbackEvent, TEST_CALLBACK_TOKEN } from '../support/tencent.js';
import {
  type Answer,
  expectCallbackRefusal,
  expectPrototypeUntouched,
  invoke,
  itemCount,
  PROTOTYPE_KEYS,
  withPollutingKeys,
} from './harness.js';

/**
 * Hostile bodies on `POST /im/callback`, correctly signed (so they reach the parser): whatever the body,
 * the answer is a 4xx FAIL naming the problem or a well-formed OK, never a 5xx or Tencent's "callback
 * error" (ErrorCode 1, which Tencent retries), and a refused body stores nothing.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let handler: Handler;
const APP = String(1_400_700_000 + Math.floor(Math.random() * 90_000));
const KNOWN = [...COMMANDS.keys()];
const nowSeconds = () => Math.floor(Date.now() / 1000);
let seq = 1;

function send(
  command: string,
  body: unknown,
  extra: { isBase64Encoded?: boolean; contentType?: string } = {},
) {
  const event = callbackEvent({
    sdkAppId: APP,
    token: TEST_CALLBACK_TOKEN,
    command,
    body,
    contentType: extra.contentType,
  });
  if (extra.isBase64Encoded) {
    event.body = Buffer.from(event.body ?? '', 'utf8').toString('base64');
    event.isBase64Encoded = true;
  }
  return invoke(handler, event);
}

/** Never a server-side failure: no 5xx, no ErrorCode 1, and always Tencent's answer shape. */
function expectWellFormed(answer: Answer) {
  expect(answer.status, answer.raw.slice(0, 300)).toBeLessThan(500);
  expect(answer.body.ErrorCode, answer.raw.slice(0, 300)).not.toBe(1);
  expect(['OK', 'FAIL']).toContain(answer.body.ActionStatus);
  expect(typeof answer.body.ErrorInfo).toBe('string');
}

function validC2c(overrides: Record<string, unknown> = {}) {
  const n = seq++;
  return {
    CallbackCommand: 'C2C.CallbackAfterSendMsg',
    From_Account: 'alice',
    To_Account: 'bob',
    MsgSeq: n,
    MsgRandom: 7,
    MsgTime: nowSeconds(),
    MsgKey: `fuzz-${n}-${Math.random().toString(36).slice(2)}`,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello' } }],
    ...overrides,
  };
}

function validBodyFor(command: string): Record<string, unknown> {
  const now = nowSeconds();
  switch (command) {
    case 'C2C.CallbackAfterSendMsg':
      return validC2c();
    case 'C2C.CallbackBeforeSendMsg':
      return { ...validC2c({ CallbackCommand: command }) };
    case 'Group.CallbackAfterSendMsg':
    case 'Group.CallbackBeforeSendMsg':
      return {
        CallbackCommand: command,
        GroupId: '@TGS#fuzz',
        From_Account: 'alice',
        MsgSeq: seq++,
        MsgTime: now,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
      };
    case 'C2C.CallbackAfterMsgWithDraw':
      return { CallbackCommand: command, From_Account: 'alice', MsgKey: 'absent-key' };
    case 'Group.CallbackAfterRecallMsg':
      return { CallbackCommand: command, GroupId: '@TGS#fuzz', MsgSeqList: [{ MsgSeq: 999_999 }] };
    case 'Profile.CallbackPortraitSet':
      return {
        CallbackCommand: command,
        From_Account: 'alice',
        ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'A' }],
      };
    default:
      return { CallbackCommand: command, Info: { Action: 'Login', To_Account: 'alice' } };
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createAppStore({ doc: db.doc, tableName: db.tables.apps }).put(
    APP,
    callbackAppConfig({ privacy: { sensitiveData: 'mask' } }),
    new Date(),
  );
  handler = (await import('../../functions/callback/handler.js')).handler as unknown as Handler;
});
afterAll(async () => db.drop());

describe('random JSON for every known command', () => {
  beforeEach(async () => {
    expect(await itemCount(db, 'personal')).toBe(0);
  });

  it.each(KNOWN)(
    '%s: a body its schema refuses gets 400 FAIL naming the problem, and stores nothing',
    async (command) => {
      const schema = COMMANDS.get(command)?.schema;
      if (!schema) throw new Error(command);
      await fc.assert(
        fc.asyncProperty(
          fc.jsonValue({ maxDepth: 4 }).filter((value) => !schema.safeParse(value).success),
          async (value) => {
            const answer = await send(command, JSON.stringify(value) ?? 'null');
            expectCallbackRefusal(answer, [400]);
          },
        ),
        { numRuns: 25 },
      );
      expect(await itemCount(db, 'personal')).toBe(0);
      expectPrototypeUntouched();
    },
  );

  it('C2C after-send: one field of a valid body replaced by a wrong type gets 400 naming that field', async () => {
    const schema = COMMANDS.get('C2C.CallbackAfterSendMsg')?.schema;
    if (!schema) throw new Error('schema');
    const fields = ['From_Account', 'To_Account', 'MsgTime', 'MsgKey', 'MsgBody'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(
          fc.boolean(),
          fc.constant(null),
          fc.double(),
          fc.array(fc.jsonValue(), { maxLength: 3 }),
          fc.object(),
          fc.string(),
        ),
        async (field, wrong) => {
          const body = { ...validC2c(), [field]: wrong };
          fc.pre(!schema.safeParse(body).success);
          const answer = await send('C2C.CallbackAfterSendMsg', JSON.stringify(body));
          expectCallbackRefusal(answer, [400]);
          expect(answer.body.ErrorInfo).toContain(field);
        },
      ),
      { numRuns: 40 },
    );
    expect(await itemCount(db, 'personal')).toBe(0);
  });

  it.each([
    ['not JSON at all', '{"From_Account": "alice",'],
    ['an empty body', ''],
    ['whitespace only', ' \n\t '],
    ['a JSON string', '"C2C.CallbackAfterSendMsg"'],
    ['a JSON number', '12345'],
    ['JSON null', 'null'],
    ['a top-level array', '[{"From_Account":"alice"}]'],
    ['a byte-order mark before the JSON', '\uFEFF{"From_Account":"alice"}'],
    ['arrays nested 20,000 deep', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['objects nested 20,000 deep', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`],
    ['a NUL byte inside the JSON', '{"From_Account":"alice"\u0000}'],
    ['duplicate keys with a wrong last value', '{"From_Account":"alice","From_Account":42}'],
  ])('%s gets 400 and stores nothing', async (_name, raw) => {
    const answer = await send('C2C.CallbackAfterSendMsg', raw);
    expectCallbackRefusal(answer, [400]);
    expect(await itemCount(db, 'personal')).toBe(0);
  });
});

describe('sizes', () => {
  it('a body over the limit gets 413 before it is parsed, plain or base64-encoded', async () => {
    const huge = JSON.stringify(
      validC2c({
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(MAX_CALLBACK_BODY_BYTES) } }],
      }),
    );
    expectCallbackRefusal(await send('C2C.CallbackAfterSendMsg', huge), [413]);
    expectCallbackRefusal(await send('C2C.CallbackAfterSendMsg', huge, { isBase64Encoded: true }), [413]);
    // Multi-byte characters count as bytes, not characters.
    const wide = JSON.stringify(
      validC2c({
        MsgBody: [
          { MsgType: 'TIMTextElem', MsgContent: { Text: '字'.repeat(MAX_CALLBACK_BODY_BYTES / 3 + 10) } },
        ],
      }),
    );
    expect(wide.length).toBeLessThan(MAX_CALLBACK_BODY_BYTES);
    expectCallbackRefusal(await send('C2C.CallbackAfterSendMsg', wide), [413]);
    expect(await itemCount(db, 'personal')).toBe(0);
  });

  it('too many message elements gets 400', async () => {
    const body = validC2c({
      MsgBody: Array.from({ length: 65 }, () => ({ MsgType: 'TIMTextElem', MsgContent: { Text: 'x' } })),
    });
    expectCallbackRefusal(await send('C2C.CallbackAfterSendMsg', JSON.stringify(body)), [400]);
    expect(await itemCount(db, 'personal')).toBe(0);
  });

  it('a valid message just under the limit is stored whole', async () => {
    const text = 'y'.repeat(MAX_CALLBACK_BODY_BYTES - 2048);
    const body = validC2c({ MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] });
    const answer = await send('C2C.CallbackAfterSendMsg', JSON.stringify(body));
    expect(answer.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    const key = messageKey(APP, { kind: 'c2c', msgKey: body.MsgKey });
    const stored = (await db.doc.send(new GetCommand({ TableName: db.tables.personal, Key: key }))).Item;
    const body0 = (stored?.msgBody as Array<{ MsgContent: unknown }> | undefined)?.[0];
    expect(body0?.MsgContent).toEqual({ Text: text });
    await db.doc.send(new DeleteCommand({ TableName: db.tables.personal, Key: key }));
  });

  it('message content nested deeper than DynamoDB can store is refused (400) or stored, never a callback error', async () => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < 40; i++) nested = { n: nested };
    for (const element of [
      { MsgType: 'TIMCustomElem', MsgContent: { Data: 'd', Ext: 'e', Extra: nested } },
      { MsgType: 'TIMLaterElem', MsgContent: { deep: nested } },
    ]) {
      const answer = await send('C2C.CallbackAfterSendMsg', JSON.stringify(validC2c({ MsgBody: [element] })));
      expectWellFormed(answer);
    }
  });
});

describe('unicode and key edge cases', () => {
  const edgeStrings = [
    '\uD800', // a lone high surrogate (valid JSON escape, invalid UTF-16)
    'a\uDFFFb', // a lone low surrogate
    '\u0000',
    '\u202Eevil\u202C', // right-to-left override
    'e\u0301', // combining accent
    '👩‍👩‍👧‍👦',
    '#',
    '%23',
    'alice#messages#',
    '../../etc/passwd',
    '\uFFFF',
  ];

  it.each(edgeStrings.map((s) => [JSON.stringify(s), s]))(
    'an account, MsgKey or GroupId of %s is stored under its own key or refused, never a callback error',
    async (_label, value) => {
      const bodies: Array<Record<string, unknown>> = [
        validC2c({ From_Account: value }),
        validC2c({ MsgKey: value }),
        { ...validBodyFor('Group.CallbackAfterSendMsg'), GroupId: value },
      ];
      for (const body of bodies) {
        const command = String(body.CallbackCommand);
        const answer = await send(command, JSON.stringify(body));
        expectWellFormed(answer);
      }
    },
  );

  it('random unicode in every string field never makes the callback fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.constantFrom('From_Account', 'To_Account', 'MsgKey', 'Text'),
        async (value, field) => {
          const body =
            field === 'Text'
              ? validC2c({ MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: value } }] })
              : validC2c({ [field]: value });
          expectWellFormed(await send('C2C.CallbackAfterSendMsg', JSON.stringify(body)));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('prototype pollution', () => {
  it.each(PROTOTYPE_KEYS)('a %s key in the body, at the top and nested, pollutes nothing', async (key) => {
    const body = validC2c();
    const answer = await send('C2C.CallbackAfterSendMsg', withPollutingKeys(body, key));
    expectWellFormed(answer);
    expectPrototypeUntouched();
    const inContent = validC2c({});
    const raw = JSON.stringify(inContent).replace(
      '"Text":"hello"',
      `"Text":"hello","${key}":{"polluted":"yes"}`,
    );
    expectWellFormed(await send('C2C.CallbackAfterSendMsg', raw));
    const portrait = `{"CallbackCommand":"Profile.CallbackPortraitSet","From_Account":"alice","ProfileItem":[{"Tag":"${key}","Value":{"polluted":"yes"}}]}`;
    expectWellFormed(await send('Profile.CallbackPortraitSet', portrait));
    expectPrototypeUntouched();
  });
});

describe('the command and the body disagree', () => {
  it.each([
    [
      'a body naming another command',
      'C2C.CallbackAfterSendMsg',
      { ...validC2c(), CallbackCommand: 'Group.CallbackAfterSendMsg' },
      [400],
    ],
    ['a command 10 KB long', `C2C.${'x'.repeat(10_000)}`, validC2c(), [200]],
    ['a command with control characters', 'C2C.Callback\nAfterSendMsg', validC2c(), [200]],
    ['a command named __proto__', '__proto__', validC2c(), [200]],
    ['a command named constructor', 'constructor', validC2c(), [200]],
  ] as const)('%s: refused or ignored, never stored', async (_name, command, body, statuses) => {
    const before = await itemCount(db, 'personal');
    const answer = await send(command, JSON.stringify(body));
    expectWellFormed(answer);
    expect(statuses).toContain(answer.status);
    expect(await itemCount(db, 'personal')).toBe(before);
  });
});
