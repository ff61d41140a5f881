import { expect } from 'vitest';
import { type SignedReceipt, verifyReceipt } from '../../lib/evidence/receipt-signature.js';
import type { DeletionReceiptBody } from '../../lib/evidence/receipts.js';
import { TTL_MARGIN_SECONDS } from '../../lib/policy/expiry.js';
import { HELD_SNAPSHOT_MARK } from '../../lib/store/personal-keys.js';
import type { World } from './commands.js';
import {
  ACCOUNTS,
  APP_NAMES,
  type AppName,
  consentId,
  exportOf,
  GROUP,
  isPurged,
  type PhysicalItem,
} from './model.js';

/**
 * After every step: every read equals the model (each account's export, each deletion request's
 * receipt), and the personal table itself holds exactly the items the model says are stored, with
 * their expiry, content and TTL attribute: nothing the model says is gone, nothing missing that it says
 * is kept or held, no held item within DynamoDB TTL's reach.
 */
export async function verify(world: World): Promise<void> {
  const { model, sys, ids } = world;
  for (const app of APP_NAMES) {
    if (isPurged(model, app)) continue;
    for (const account of ACCOUNTS) {
      const answer = await sys.admin('GET', '/apps/{sdkAppId}/users/{account}/data', {
        sdkAppId: ids[app],
        account,
      });
      expect(answer.status, `export of ${app}/${account}`).toBe(200);
      const expected = exportOf(model, app, account);
      const messages = (answer.body.messages as Array<Record<string, unknown>>)
        .map((message) => ({ id: messageIdOf(world, app, message), text: bodyText(message) }))
        .sort((a, b) => a.id.localeCompare(b.id));
      expect(messages, `messages exported for ${app}/${account}`).toEqual(expected.messages);
      const profile = answer.body.userInfo as Record<string, unknown> | null;
      expect(
        profile && {
          ...(profile.nickname ? { nickname: profile.nickname } : {}),
          ...(profile.signature ? { signature: profile.signature } : {}),
        },
        `profile exported for ${app}/${account}`,
      ).toEqual(expected.userInfo);
    }
  }
  for (const request of model.requests) {
    if (!request.visible || !request.realId || isPurged(model, request.app)) continue;
    const answer = await sys.admin('GET', '/apps/{sdkAppId}/deletion-requests/{id}', {
      sdkAppId: ids[request.app],
      id: request.realId,
    });
    expect(answer.status).toBe(200);
    if (answer.body.status === 'completed') {
      // Its signed receipt verifies, names no account, and says what the answer says.
      const receipt = answer.body.receipt as SignedReceipt<DeletionReceiptBody>;
      expect(verifyReceipt(receipt), `receipt of ${request.realId}`).toMatchObject({ valid: true });
      expect(receipt.body.deleted).toEqual(answer.body.deleted);
      expect(JSON.stringify(receipt.body)).not.toMatch(/"(alice|bob|carol)"/);
    } else {
      expect(answer.body.receipt, `no receipt before completion: ${request.realId}`).toBeUndefined();
    }
    expect(
      {
        status: answer.body.status,
        ...(request.ambiguousCounts ? {} : { deleted: answer.body.deleted }),
        holds: (answer.body.withheld as { holds: string[] }).holds,
      },
      `deletion request ${request.realId}`,
    ).toEqual({
      status: request.status,
      ...(request.ambiguousCounts ? {} : { deleted: request.deleted }),
      holds: request.status === 'withheld' ? request.withheldBy : [],
    });
  }
  await verifyDeletionListing(world);
  await verifyConsents(world);
  await verifyDisclosures(world);
  await verifyTable(world);
}

/**
 * Each account's consent record reads as the model keeps it (404 when it never had one), and the
 * governance table holds exactly the records the model has: none of an app once it is purged.
 */
async function verifyConsents(world: World): Promise<void> {
  const { model, sys, ids } = world;
  for (const app of APP_NAMES) {
    if (isPurged(model, app)) continue;
    for (const account of ACCOUNTS) {
      const answer = await sys.admin('GET', '/apps/{sdkAppId}/users/{account}/consent', {
        sdkAppId: ids[app],
        account,
      });
      const expected = model.consents.get(consentId(app, account));
      const label = `consent of ${app}/${account}`;
      if (!expected) {
        expect(answer.status, label).toBe(404);
        continue;
      }
      expect(answer.status, label).toBe(200);
      const active = answer.body.active as { categories: string[] } | null;
      expect(
        {
          active: active?.categories ?? null,
          history: (answer.body.history as Array<{ action: string; categories: string[] }>).map(
            ({ action, categories }) => ({ action, categories }),
          ),
        },
        label,
      ).toEqual({ active: expected.active, history: expected.history });
    }
  }
  const stored = (await sys.scanConsents())
    .map((item) => {
      const app = APP_NAMES.find((name) => ids[name] === String(item.app)) ?? `?${String(item.app)}`;
      return `${app}/${String(item.account)}`;
    })
    .sort();
  expect(stored, 'consent records in the governance table').toEqual([...model.consents.keys()].sort());
}

/** Each app's public privacy page says what the model keeps of its messages and profiles; gone once purged. */
async function verifyDisclosures(world: World): Promise<void> {
  for (const app of APP_NAMES) {
    const page = await world.sys.disclosurePage(world.ids[app]);
    if (isPurged(world.model, app)) {
      expect(page.status, `privacy page of purged ${app}`).toBe(404);
      continue;
    }
    expect(page.status, `privacy page of ${app}`).toBe(200);
    for (const category of ['messages', 'userInfo'] as const) {
      const setting = world.model.apps[app][category];
      const row = new RegExp(`<tr data-item="${category}">.*?</tr>`, 's').exec(page.text)?.[0] ?? '';
      expect(row, `privacy page of ${app}: ${category}`).toContain(
        setting.mode === 'notStored'
          ? 'not stored'
          : `kept for ${setting.days} day${setting.days === 1 ? '' : 's'}`,
      );
    }
  }
}

function bodyText(message: Record<string, unknown>): string {
  return String((message.msgBody as Array<{ MsgContent: { Text: string } }>)[0]?.MsgContent.Text);
}

function messageIdOf(world: World, app: AppName, message: Record<string, unknown>): string {
  const sent = world.model.sent.find(
    (m) =>
      m.app === app &&
      (message.kind === 'c2c'
        ? m.kind === 'c2c' && m.msgKey === message.msgKey
        : m.kind === 'group' &&
          m.msgSeq === message.msgSeq &&
          (m.topicId ?? undefined) === (message.topicId ?? undefined)),
  );
  return sent?.id ?? `unknown:${JSON.stringify(message)}`;
}

/** The model id of a raw item: `<app>/c2c/<key>`, `<app>/group/g1/<topic>/<seq>`, `<app>/user/<account>`. */
function modelIdOf(world: World, item: Record<string, unknown>): { id: string; snapshot: boolean } {
  const [appId, , kind, ...rest] = String(item.pk).split('#');
  const app = APP_NAMES.find((name) => world.ids[name] === appId) ?? `?${appId}`;
  const sk = String(item.sk);
  const snapshot = sk.includes(HELD_SNAPSHOT_MARK);
  const baseSk = snapshot ? sk.slice(0, sk.indexOf(HELD_SNAPSHOT_MARK)) : sk;
  if (String(item.pk).split('#')[1] === 'user')
    return { id: `${app}/user/${decodeURIComponent(String(kind))}`, snapshot };
  if (kind === 'c2c') return { id: `${app}/c2c/${decodeURIComponent(rest.join('#'))}`, snapshot };
  const [, topic, seq] = baseSk.split('#');
  return { id: `${app}/group/${GROUP}/${decodeURIComponent(topic ?? '')}/${seq}`, snapshot };
}

function expectTtl(label: string, item: Record<string, unknown>): void {
  const expiresAt = Number(item.expiresAt);
  if (expiresAt < 0) expect(item.ttlDeleteAt, `${label}: a held item is beyond TTL's reach`).toBeUndefined();
  else
    expect(item.ttlDeleteAt, `${label}: TTL runs the margin behind the expiry`).toBe(
      expiresAt + TTL_MARGIN_SECONDS,
    );
}

async function verifyTable(world: World): Promise<void> {
  const raw = await world.sys.scanPersonal();
  const expected = [...world.model.items.values()];
  const main = new Map<string, Record<string, unknown>>();
  const snapshots = new Map<string, number>();
  for (const item of raw) {
    const { id, snapshot } = modelIdOf(world, item);
    expectTtl(id, item);
    if (snapshot) {
      expect(Number(item.expiresAt), `${id}: a snapshot is hidden`).toBeLessThan(0);
      snapshots.set(id, (snapshots.get(id) ?? 0) + 1);
    } else main.set(id, item);
  }
  const byId = new Map(expected.filter((item) => item.kind !== 'snapshot').map((item) => [item.id, item]));
  expect([...main.keys()].sort(), 'stored items').toEqual([...byId.keys()].sort());
  for (const [id, item] of byId) compareItem(id, item, main.get(id) as Record<string, unknown>);
  const expectedSnapshots = new Map<string, number>();
  for (const item of expected.filter((candidate) => candidate.kind === 'snapshot')) {
    const base = item.id.slice(0, item.id.indexOf('#snapshot#'));
    expectedSnapshots.set(base, (expectedSnapshots.get(base) ?? 0) + 1);
  }
  expect(Object.fromEntries(snapshots), 'held snapshots').toEqual(Object.fromEntries(expectedSnapshots));
}

function compareItem(id: string, model: PhysicalItem, item: Record<string, unknown>): void {
  const kinds = { message: 'messages', tombstone: 'tombstone', profile: 'userInfo', snapshot: '' } as const;
  expect({ id, category: item.category, expiresAt: item.expiresAt }).toEqual({
    id,
    category: kinds[model.kind],
    expiresAt: model.expiresAt,
  });
  if (model.kind === 'message') expect(bodyText(item), `${id} content`).toBe(model.text);
  if (model.kind === 'tombstone')
    for (const field of ['account', 'msgBody', 'cloudCustomData', 'ownerSort'])
      expect(item[field], `${id} is content-free`).toBeUndefined();
  if (model.kind === 'profile') {
    const values = Object.fromEntries(
      Object.entries(model.fields ?? {}).map(([field, value]) => [field, value?.value]),
    );
    expect({ nickname: item.nickname, signature: item.signature }, `${id} fields`).toEqual({
      nickname: values.nickname,
      signature: values.signature,
    });
  }
}

/**
 * `GET /deletion-requests` (operator, every app): each visible request of a live app is listed, page after
 * page, with the status its own route answers in the model; no listed request names an account.
 */
async function verifyDeletionListing(world: World): Promise<void> {
  const { model, sys } = world;
  const listed = new Map<string, Record<string, unknown>>();
  let cursor: string | undefined;
  do {
    const answer = await sys.operator('GET', '/deletion-requests', {}, undefined, {
      limit: '50',
      ...(cursor ? { cursor } : {}),
    });
    expect(answer.status, 'GET /deletion-requests').toBe(200);
    for (const request of answer.body.requests as Array<Record<string, unknown>>) {
      expect(request, 'a listed request names no account').not.toHaveProperty('account');
      listed.set(String(request.id), request);
    }
    cursor = typeof answer.body.nextCursor === 'string' ? answer.body.nextCursor : undefined;
  } while (cursor);
  for (const request of model.requests) {
    if (!request.visible || !request.realId || isPurged(model, request.app)) continue;
    expect(listed.get(request.realId)?.status, `deletion request ${request.realId} in the listing`).toBe(
      request.status,
    );
  }
}
