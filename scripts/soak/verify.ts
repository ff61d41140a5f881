import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ItemKey, messageKey, ownerIndexQueries, userInfoKey } from '../../lib/store/personal-keys.js';
import { queryAllPagesOf } from '../../lib/store/query-pages.js';
import { isHeldSnapshot, isTombstone } from '../../lib/store/tombstones.js';
import { ACCOUNTS, type SoakApp } from './apps.js';
import type { Ledger, SentMessage, SentProfile } from './ledger.js';
import { ZOMBIE_WRITE_MS } from './load.js';

/**
 * Compares what is physically stored (read straight from DynamoDB Local, no proxy, no faults) with the
 * ledger. Each acknowledged stored-mode item must be present unless it expired, was recalled, or a
 * deletion request for its account was made after every delivery of it ended; then it must be gone.
 */
export type Expectation = 'present' | 'gone' | 'either';

export interface Verdict {
  /** Acknowledged OK, expected present, absent, and never seen stored before: lost on the way in. */
  lost: number;
  /** Expected present, absent, and seen stored earlier: deleted though neither expired, requested nor recalled. */
  wronglyDeleted: number;
  /** Stored more than once (several items for one logical message or one profile). */
  duplicates: number;
  /** Expected gone (recalled or requested) but still stored. */
  notErased: number;
  /** Past their retention and still stored (waiting for the next expiry run; not a failure by itself). */
  expiredStillStored: number;
  /** Items of an app whose settings say not stored. */
  storedAgainstSettings: number;
  checked: {
    messages: number;
    profiles: number;
    present: number;
    expectedPresent: number;
    expectedGone: number;
  };
  examples: string[];
}

const BATCH = 100;

export async function presentKeys(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (let offset = 0; offset < keys.length; offset += BATCH) {
    let pending: Record<string, unknown>[] = keys
      .slice(offset, offset + BATCH)
      .map((k) => ({ pk: k.pk, sk: k.sk }));
    while (pending.length > 0) {
      const result = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk, sk, tombstone' },
          },
        }),
      );
      // A recalled or erased message leaves a content-free tombstone at its key (so a retry cannot store
      // it again): the message itself is gone.
      for (const item of result.Responses?.[table] ?? []) {
        if (!isTombstone(item)) present.add(`${item.pk}\u0000${item.sk}`);
      }
      pending = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return present;
}

const keyString = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

function deletionExpectation(
  ledger: Ledger,
  app: string,
  account: string,
  lastAttemptAt: number,
  lastAckAt: number,
): Expectation | undefined {
  const deletions = ledger.deletionsOf(app, account).filter((d) => d.status === 'completed');
  if (deletions.length === 0) return ledger.deletionsOf(app, account).length > 0 ? 'either' : undefined;
  const mustBeGone = deletions.some(
    (d) => lastAckAt + ZOMBIE_WRITE_MS < d.postedAt && lastAttemptAt < d.postedAt,
  );
  return mustBeGone ? 'gone' : 'either';
}

/**
 * The messages mode `message` was sent under, by its attempts' times against the app's privacy changes:
 * `either` when an attempt overlapped a change on its way (asked, not yet answered), counting an attempt
 * as possibly processed up to ZOMBIE_WRITE_MS after it started. A later change to
 * notStored makes it `notStored` whatever it was sent under: the final expiry run applied the change.
 */
export function modeWhenSent(
  ledger: Ledger,
  initial: 'stored' | 'notStored',
  message: SentMessage,
): 'stored' | 'notStored' | 'either' {
  const first = message.firstAttemptAt ?? 0;
  const last = message.lastAttemptAt ?? 0;
  let mode: 'stored' | 'notStored' = initial;
  let sent = false;
  for (const change of ledger.changesOf(message.app)) {
    const answered = change.answeredAt;
    if (!sent && answered !== undefined && first > answered) {
      mode = change.messages; // sent after this change was in force
      continue;
    }
    // On its way: an attempt may wait in the local stack's line or behind a hung DynamoDB call, so one
    // started before the change was asked for can still be processed after it is in force.
    if (!sent && last + ZOMBIE_WRITE_MS >= change.requestedAt && change.messages === 'stored')
      return 'either';
    // The message was sent before this change (or during a change to notStored, stored or not): a change
    // to notStored cuts what is stored; a change back to stored does not bring it back.
    sent = true;
    if (change.messages === 'notStored') {
      if (answered === undefined) return 'either';
      mode = 'notStored';
    }
  }
  return mode;
}

/** Whether a legal hold was in force when `at` happened: `either` while it was on its way. */
function heldAt(ledger: Ledger, app: string, account: string, at: number): boolean | 'either' {
  const hold = ledger.holdOf(app, account);
  // A recall started just before the hold was asked for may be processed after it is in force.
  if (!hold || at + ZOMBIE_WRITE_MS < hold.requestedAt) return false;
  return hold.answeredAt !== undefined && at > hold.answeredAt ? true : 'either';
}

export function messageExpectation(ledger: Ledger, message: SentMessage, checkAt: number): Expectation {
  if (message.lastAckAt === undefined) return 'either';
  if (message.expiresAtMs === undefined) return 'gone';
  if (message.expiresAtMs <= checkAt) return 'either';
  if (message.recallUnknown) return 'either';
  const byDeletion = deletionExpectation(
    ledger,
    message.app,
    message.account,
    message.lastAttemptAt ?? 0,
    message.lastAckAt,
  );
  if (byDeletion === 'either') return 'either';
  if (message.recalledAt !== undefined) {
    // Under a legal hold a recall hides the message (expiry moved to now) but must not delete it.
    const held = heldAt(ledger, message.app, message.account, message.recalledAt);
    if (held === true) return 'present';
    if (held === 'either') return 'either';
    return message.recalledAt > (message.lastAttemptAt ?? 0) ? 'gone' : 'either';
  }
  return byDeletion ?? 'present';
}

export function profileExpectation(
  ledger: Ledger,
  apps: readonly SoakApp[],
  profile: SentProfile,
): Expectation {
  if (profile.lastAckAt === undefined) return 'either';
  const app = apps.find((a) => a.sdkAppId === profile.app);
  if (app?.config.privacy?.userInfo?.mode === 'notStored') return 'gone';
  return (
    deletionExpectation(
      ledger,
      profile.app,
      profile.account,
      profile.lastAttemptAt ?? 0,
      profile.lastAckAt,
    ) ?? 'present'
  );
}

/** Every item stored for each app/account, read through the owner index: counts copies per logical item. */
async function ownedItems(doc: DynamoDBDocumentClient, table: string, app: string, account: string) {
  return queryAllPagesOf(doc, ownerIndexQueries(table, app, account));
}

export async function verify(
  doc: DynamoDBDocumentClient,
  table: string,
  ledger: Ledger,
  apps: readonly SoakApp[],
  trace: { startedAt: number; of: (pk: string) => string[] } = { startedAt: Date.now(), of: () => [] },
): Promise<Verdict> {
  const checkAt = Date.now();
  const verdict: Verdict = {
    lost: 0,
    wronglyDeleted: 0,
    duplicates: 0,
    notErased: 0,
    expiredStillStored: 0,
    storedAgainstSettings: 0,
    checked: { messages: 0, profiles: 0, present: 0, expectedPresent: 0, expectedGone: 0 },
    examples: [],
  };
  const note = (text: string) => {
    if (verdict.examples.length < 20) verdict.examples.push(text);
  };
  const messageKeys = ledger.messages.map((m) => messageKey(m.app, m.ref));
  const profiles = [...ledger.profiles.values()];
  const profileKeys = profiles.map((p) => userInfoKey(p.app, p.account));
  const present = await presentKeys(doc, table, [...messageKeys, ...profileKeys]);
  verdict.checked.present = present.size;

  const judge = (
    expectation: Expectation,
    isPresent: boolean,
    verifiedPresent: boolean | undefined,
    label: string,
  ) => {
    if (expectation === 'present') {
      verdict.checked.expectedPresent += 1;
      if (!isPresent) {
        if (verifiedPresent) verdict.wronglyDeleted += 1;
        else verdict.lost += 1;
        note(`${verifiedPresent ? 'wrongly deleted' : 'lost'}: ${label}`);
      }
    } else if (expectation === 'gone') {
      verdict.checked.expectedGone += 1;
      if (isPresent) {
        verdict.notErased += 1;
        note(`not erased: ${label}`);
      }
    }
  };

  ledger.messages.forEach((message, i) => {
    verdict.checked.messages += 1;
    const isPresent = present.has(keyString(messageKeys[i] as ItemKey));
    const initial = apps.find((a) => a.sdkAppId === message.app)?.config.privacy?.messages?.mode ?? 'stored';
    const mode = modeWhenSent(ledger, initial, message);
    if (mode === 'either') return;
    if (mode === 'notStored' || message.expiresAtMs === undefined) {
      // Not stored by design, or stored under a setting since superseded by notStored: the final expiry
      // run applied the change, so nothing of it may remain; one first sent after the change's answer
      // must never have been stored at all.
      if (isPresent) {
        verdict.storedAgainstSettings += 1;
        note(
          `stored against settings: ${message.app} ${message.msgId} firstAttempt=${message.firstAttemptAt}`,
        );
      }
      return;
    }
    if (isPresent && message.expiresAtMs <= checkAt) verdict.expiredStillStored += 1;
    const at = (ms: number | undefined) =>
      ms === undefined ? '-' : `+${((ms - trace.startedAt) / 1000).toFixed(1)}s`;
    const key = messageKeys[i] as ItemKey;
    const label = [
      message.app,
      message.msgId,
      JSON.stringify(message.account),
      message.ref.kind,
      `deliveries=${message.deliveries}`,
      `firstAttempt=${at(message.firstAttemptAt)}`,
      `lastAck=${at(message.lastAckAt)}`,
      `recalled=${at(message.recalledAt)}${message.recallUnknown ? '?' : ''}`,
      `held=${ledger.holdOf(message.app, message.account)?.answeredAt !== undefined}`,
      `writes=[${trace.of(key.pk).join('; ')}]`,
    ].join(' ');
    judge(messageExpectation(ledger, message, checkAt), isPresent, message.verifiedPresent, label);
  });
  profiles.forEach((profile, i) => {
    verdict.checked.profiles += 1;
    const isPresent = present.has(keyString(profileKeys[i] as ItemKey));
    const expectation = profileExpectation(ledger, apps, profile);
    if (
      expectation === 'gone' &&
      apps.find((a) => a.sdkAppId === profile.app)?.config.privacy?.userInfo?.mode === 'notStored'
    ) {
      if (isPresent) verdict.storedAgainstSettings += 1;
      return;
    }
    judge(expectation, isPresent, profile.verifiedPresent, `${profile.app} profile`);
  });

  for (const app of apps) {
    for (const account of ACCOUNTS) {
      const items = await ownedItems(doc, table, app.sdkAppId, account);
      const copies = new Map<string, number>();
      for (const item of items) {
        // A held account's profile writes keep the held values as hidden snapshots: not copies.
        if (isHeldSnapshot({ sk: String(item.sk) })) continue;
        // A message is one item per key (the messages of a group share a partition, one sort key each);
        // two items carrying one MsgId are one message stored twice.
        const id = item.category === 'userInfo' ? 'userInfo' : String(item.msgId ?? `${item.pk}#${item.sk}`);
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      for (const [id, n] of copies) {
        if (n > 1) {
          verdict.duplicates += n - 1;
          note(`duplicate: ${app.sdkAppId} ${id} x${n}`);
        }
      }
    }
  }
  return verdict;
}

/** After warm-up: marks every acknowledged item that is stored now, so its later absence is a wrong deletion. */
export async function markPresent(
  doc: DynamoDBDocumentClient,
  table: string,
  ledger: Ledger,
): Promise<number> {
  const messages = ledger.messages.filter((m) => m.lastAckAt !== undefined && m.expiresAtMs !== undefined);
  const profiles = [...ledger.profiles.values()].filter((p) => p.lastAckAt !== undefined);
  const present = await presentKeys(doc, table, [
    ...messages.map((m) => messageKey(m.app, m.ref)),
    ...profiles.map((p) => userInfoKey(p.app, p.account)),
  ]);
  let marked = 0;
  for (const m of messages) {
    if (present.has(keyString(messageKey(m.app, m.ref)))) {
      m.verifiedPresent = true;
      marked += 1;
    }
  }
  for (const p of profiles) {
    if (present.has(keyString(userInfoKey(p.app, p.account)))) {
      p.verifiedPresent = true;
      marked += 1;
    }
  }
  return marked;
}
