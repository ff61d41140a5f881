import type { SensitiveDataMode, StorageMode } from '../../lib/policy/app-config.js';
import type { ConsentMode } from '../../lib/policy/consent.js';
import { HOLD_LOOKAHEAD_SECONDS, ttlReachableExpiry } from '../../lib/policy/expiry.js';
import { cutsForAccount, expiryUnderCuts, type RetentionCut } from '../../lib/policy/retention-cuts.js';
import { guardAtRest, guardMessage } from '../../lib/policy/sensitive-data.js';
import { addCalendarMonths, addDays, epochSeconds, expirySeconds } from '../../lib/policy/time.js';

/**
 * The reference model of the whole system, pure and small: what docs/api.md and docs/policy.md promise, stated once more
 * without DynamoDB. The model-based test drives the real handlers and the model side by side and
 * compares every read, and the tables themselves, with what the model says.
 *
 * Time is whole seconds. Content transformations (D5 masking) use the pure policy functions, which are
 * property-tested on their own; everything else (what is stored, visible, held, deleted, when) is
 * restated here.
 */
export type Category = 'messages' | 'userInfo';
export const ACCOUNTS = ['alice', 'bob', 'carol'] as const;
export type Account = (typeof ACCOUNTS)[number];
export const APP_NAMES = ['A', 'B'] as const;
export type AppName = (typeof APP_NAMES)[number];
export const TOPICS = [undefined, 't1'] as const;
export const GROUP = 'g1';

export interface Setting {
  mode: StorageMode;
  days: number;
}

export interface ModelApp {
  status: 'active' | 'terminated';
  /** Seconds; set while terminated. */
  terminatedAt?: number;
  messages: Setting;
  userInfo: Setting;
  sensitiveData: SensitiveDataMode;
  /** D6: whether personal data is stored only for accounts with an active consent. */
  consent: ConsentMode;
  cuts: Record<Category, RetentionCut[]>;
  /** Seconds; when the SdkAppid was last purged (a new registration hides what came before). */
  purgedAt?: number;
}

/** One physical item of the personal table, as the model sees it. */
export interface PhysicalItem {
  readonly id: string;
  readonly app: AppName;
  kind: 'message' | 'tombstone' | 'profile' | 'snapshot';
  category: Category;
  /** Sender / profile owner; absent on tombstones. */
  account?: Account;
  /** Epoch seconds; negative while parked in a held bucket. */
  expiresAt: number;
  /** When retention started (message time, or the profile's latest set time), seconds. */
  createdAt: number;
  /** A message's served text. */
  text?: string;
  recalled?: boolean;
  /** Profile fields (main item or snapshot): value, set time and expiry (seconds). */
  fields?: Partial<Record<ProfileField, { value: string; setAt: number; expiresAt: number }>>;
  /** The message this is, for messages, tombstones and message snapshots. */
  messageId?: string;
  groupTopic?: string;
}

export type ProfileField = 'nickname' | 'signature';
export const PROFILE_FIELDS: readonly ProfileField[] = ['nickname', 'signature'];

export interface ModelHold {
  readonly id: string;
  readonly app: AppName;
  readonly account?: Account;
  readonly categories: readonly Category[];
  active: boolean;
}

export interface ModelRequest {
  /** The real id, once the system answered. */
  realId?: string;
  readonly app: AppName;
  readonly subject: { kind: 'account'; account: Account } | { kind: 'allAccounts' } | { kind: 'group' };
  categories: Category[];
  status: 'received' | 'processing' | 'withheld' | 'completed';
  withheldBy: string[];
  deleted: Record<Category, number>;
  /** Contract-visible: only requests filed through the route are compared. */
  readonly visible: boolean;
  /** Model seconds when filed. */
  createdAt?: number;
  /**
   * Set when another request due in the same worker run was filed at the same instant and covers the
   * same app: the real worker orders such ties by random id, so which receipt counts a shared item is
   * not defined; only the status and holds are compared.
   */
  ambiguousCounts?: boolean;
}

/** What a message is, as the IM service knows it (for sends, replays, recalls and edits). */
export interface SentMessage {
  readonly id: string;
  readonly app: AppName;
  readonly kind: 'c2c' | 'group';
  readonly sender: Account;
  readonly msgTime: number;
  readonly text: string;
  readonly sentAt: number;
  readonly topicId?: string | undefined;
  readonly msgSeq: number;
  readonly msgKey: string;
  readonly delivered: boolean;
}

/** An account's consent record (D6): the categories of the active consent (null once withdrawn), and its history. */
export interface ModelConsent {
  active: Category[] | null;
  history: Array<{ action: 'granted' | 'withdrawn'; categories: Category[] }>;
  /** Per category the active consent covers: since when without a break (seconds). */
  since: Partial<Record<Category, number>>;
}

export interface Model {
  now: number;
  /** Consent records by `<app>/<account>`; the purge removes an app's. */
  consents: Map<string, ModelConsent>;
  apps: Record<AppName, ModelApp>;
  items: Map<string, PhysicalItem>;
  /** Pending cuts, not yet applied to what is stored (expire applies them). */
  pendingCuts: Array<{ app: AppName; category: Category; cut: RetentionCut }>;
  holds: ModelHold[];
  requests: ModelRequest[];
  sent: SentMessage[];
  seq: number;
  snapshots: number;
}

export function initialModel(now: number, apps: Record<AppName, ModelApp>): Model {
  return {
    now,
    apps,
    items: new Map(),
    consents: new Map(),
    pendingCuts: [],
    holds: [],
    requests: [],
    sent: [],
    seq: 0,
    snapshots: 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Derived facts

/** From purgeAt (2 calendar months after termination) the app is gone for every caller. */
export function isPurged(model: Readonly<Model>, app: AppName): boolean {
  const { status, terminatedAt } = model.apps[app];
  if (status !== 'terminated' || terminatedAt === undefined) return false;
  return model.now * 1000 >= addCalendarMonths(new Date(terminatedAt * 1000), 2).getTime();
}

/** What a signed callback for the app is answered with: 200, 403 (terminated) or 401 (purged: unknown). */
export function callbackStatus(model: Readonly<Model>, app: AppName): number {
  if (isPurged(model, app)) return 401;
  return model.apps[app].status === 'active' ? 200 : 403;
}

const DAY = 86_400;

export const messageItemId = (
  message: Pick<SentMessage, 'app' | 'kind' | 'msgKey' | 'topicId' | 'msgSeq'>,
) =>
  message.kind === 'c2c'
    ? `${message.app}/c2c/${message.msgKey}`
    : `${message.app}/group/${GROUP}/${message.topicId ?? ''}/${message.msgSeq}`;
export const profileItemId = (app: AppName, account: Account) => `${app}/user/${account}`;

export function activeHolds(model: Model, app: AppName): ModelHold[] {
  return model.holds.filter((hold) => hold.active && hold.app === app);
}

export function covering(
  model: Model,
  item: Pick<PhysicalItem, 'app' | 'category' | 'account' | 'kind'>,
): string[] {
  if (item.kind === 'tombstone') return [];
  return activeHolds(model, item.app)
    .filter(
      (hold) =>
        hold.categories.includes(item.category) &&
        (hold.account === undefined || hold.account === item.account),
    )
    .map((hold) => hold.id);
}

/** Since when `account`'s active consent has covered `category` without a break (ISO), if it does. */
function coveredSince(model: Model, app: AppName, category: Category, account: Account | undefined) {
  const since =
    account === undefined ? undefined : model.consents.get(consentId(app, account))?.since[category];
  return since === undefined ? undefined : new Date(since * 1000).toISOString();
}

/** The app's cuts as they apply to `account`: a switch to required consent spares accounts consenting since. */
const cutsOf = (model: Model, app: AppName, category: Category, account: Account | undefined) =>
  cutsForAccount(model.apps[app].cuts[category], coveredSince(model, app, category, account));

/** A cut in force makes an item created before it expire early. */
export function effectiveExpiry(model: Model, item: PhysicalItem): number {
  return expiryUnderCuts(
    item.expiresAt,
    new Date(item.createdAt * 1000),
    cutsOf(model, item.app, item.category, item.account),
  );
}

export function fieldExpiry(
  model: Model,
  app: AppName,
  account: Account,
  field: { setAt: number; expiresAt: number },
): number {
  return expiryUnderCuts(
    field.expiresAt,
    new Date(field.setAt * 1000),
    cutsOf(model, app, 'userInfo', account),
  );
}

/** What an export of `account` serves: messages (id and text) and profile fields. */
export function exportOf(model: Model, app: AppName, account: Account) {
  const messages = [...model.items.values()]
    .filter(
      (item) =>
        item.app === app &&
        item.kind === 'message' &&
        item.account === account &&
        item.expiresAt > model.now &&
        effectiveExpiry(model, item) > model.now,
    )
    .map((item) => ({ id: item.messageId as string, text: item.text as string }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const profile = model.items.get(profileItemId(app, account));
  let userInfo: Partial<Record<ProfileField, string>> | null = null;
  if (profile && profile.expiresAt > model.now) {
    const values: Partial<Record<ProfileField, string>> = {};
    for (const field of PROFILE_FIELDS) {
      const stored = profile.fields?.[field];
      if (stored && fieldExpiry(model, app, account, stored) > model.now) values[field] = stored.value;
    }
    if (Object.keys(values).length > 0) userInfo = values;
  }
  return { messages, userInfo };
}

// ---------------------------------------------------------------------------------------------------
// Consent (D6)

export const consentId = (app: AppName, account: Account) => `${app}/${account}`;

/** Whether the app may store `category` for `account`: always, unless it requires a consent naming it. */
export function consented(
  model: Readonly<Model>,
  app: AppName,
  account: Account,
  category: Category,
): boolean {
  if (model.apps[app].consent !== 'required') return true;
  return model.consents.get(consentId(app, account))?.active?.includes(category) ?? false;
}

/**
 * A grant: the active consent from now on. Categories the earlier active consent covered and this one
 * leaves out are withdrawn by it (returned; the caller files their erasure).
 */
export function grantConsent(
  model: Model,
  app: AppName,
  account: Account,
  categories: Category[],
): Category[] {
  const id = consentId(app, account);
  const record = model.consents.get(id) ?? { active: null, history: [], since: {} };
  const ordered = (['userInfo', 'messages'] as const).filter((category) => categories.includes(category));
  const dropped = (record.active ?? []).filter((category) => !ordered.includes(category));
  const since: ModelConsent['since'] = {};
  for (const category of ordered) since[category] = record.since[category] ?? model.now;
  record.since = since;
  if (dropped.length > 0) record.history.push({ action: 'withdrawn', categories: dropped });
  record.active = [...ordered];
  record.history.push({ action: 'granted', categories: [...ordered] });
  model.consents.set(id, record);
  return dropped;
}

/** A withdrawal: no active consent from now on (a repeated one changes nothing); the erasure is filed by the caller. */
export function withdrawConsent(model: Model, app: AppName, account: Account): void {
  const record = model.consents.get(consentId(app, account));
  if (!record?.active) return;
  record.history.push({ action: 'withdrawn', categories: record.active });
  record.active = null;
  record.since = {};
}

// ---------------------------------------------------------------------------------------------------
// Callbacks

export function messageText(seq: number, sensitive: boolean): string {
  return sensitive ? `call me, id 11010519491231002X (${seq})` : `hello ${seq}`;
}

const elements = (text: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }];
const firstText = (body: ReadonlyArray<{ MsgContent: Readonly<Record<string, unknown>> }>) =>
  String(body[0]?.MsgContent.Text);

export function storedText(text: string, mode: SensitiveDataMode): string {
  const atRest = guardAtRest({ msgBody: elements(text) }, mode);
  return firstText(atRest.message.msgBody);
}

/** A before-send answer: what the guard says for the app's mode. */
export function beforeSendAnswer(model: Model, app: AppName, text: string) {
  const decision = guardMessage({ msgBody: elements(text) }, model.apps[app].sensitiveData);
  if (decision.action === 'reject') return { errorCode: 120001 };
  if (decision.action === 'mask') return { errorCode: 0, text: firstText(decision.message.msgBody) };
  return { errorCode: 0 };
}

/** The decision for a new item created at `createdAt` under the app's settings and cuts, as epoch seconds. */
function storageExpiry(
  model: Model,
  app: AppName,
  category: Category,
  account: Account,
  createdAt: number,
): number | undefined {
  const setting = model.apps[app][category];
  if (setting.mode === 'notStored') return undefined;
  const plain = expirySeconds(addDays(new Date(createdAt * 1000), setting.days));
  const expiry = expiryUnderCuts(plain, new Date(createdAt * 1000), cutsOf(model, app, category, account));
  return expiry > model.now ? expiry : undefined;
}

export function afterSend(model: Model, message: SentMessage): void {
  const app = model.apps[message.app];
  if (app.status !== 'active' || !message.delivered) return;
  const id = messageItemId(message);
  if (model.items.has(id)) return;
  if (!consented(model, message.app, message.sender, 'messages')) return;
  const expiresAt = storageExpiry(model, message.app, 'messages', message.sender, message.msgTime);
  if (expiresAt === undefined) return;
  model.items.set(id, {
    id,
    app: message.app,
    kind: 'message',
    category: 'messages',
    account: message.sender,
    expiresAt,
    createdAt: message.msgTime,
    text: storedText(message.text, app.sensitiveData),
    messageId: message.id,
  });
}

export function recall(model: Model, message: SentMessage): void {
  if (model.apps[message.app].status !== 'active') return;
  const id = messageItemId(message);
  const item = model.items.get(id);
  if (item?.kind === 'tombstone' || item?.recalled) return;
  if (item) {
    if (covering(model, item).length > 0) {
      item.expiresAt = -Math.min(Math.abs(item.expiresAt), model.now);
      item.recalled = true;
      return;
    }
    model.items.set(id, tombstoneOf(item, Math.abs(item.expiresAt)));
    return;
  }
  // Never stored (yet): a tombstone as long as the app's retention would keep the message.
  const createdAt = message.kind === 'c2c' ? Math.min(message.msgTime, model.now) : model.now;
  const expiresAt = expirySeconds(addDays(new Date(createdAt * 1000), model.apps[message.app].messages.days));
  if (expiresAt <= model.now) return;
  model.items.set(id, {
    id,
    app: message.app,
    kind: 'tombstone',
    category: 'messages',
    expiresAt,
    createdAt,
    messageId: message.id,
  });
}

function tombstoneOf(item: PhysicalItem, expiresAt: number): PhysicalItem {
  return {
    id: item.id,
    app: item.app,
    kind: 'tombstone',
    category: 'messages',
    expiresAt,
    createdAt: item.createdAt,
    ...(item.messageId ? { messageId: item.messageId } : {}),
  };
}

export function edit(model: Model, message: SentMessage, text: string): void {
  const app = model.apps[message.app];
  if (app.status !== 'active' || app.messages.mode === 'notStored') return;
  if (!consented(model, message.app, message.sender, 'messages')) return;
  const item = model.items.get(messageItemId(message));
  if (item?.kind !== 'message' || item.expiresAt <= model.now || effectiveExpiry(model, item) <= model.now)
    return;
  if (covering(model, item).length > 0) snapshot(model, item);
  item.text = storedText(text, app.sensitiveData);
}

function snapshot(model: Model, item: PhysicalItem): void {
  model.snapshots += 1;
  const id = `${item.id}#snapshot#${model.snapshots}`;
  model.items.set(id, {
    ...structuredClone(item),
    id,
    kind: 'snapshot',
    expiresAt: -Math.abs(item.expiresAt),
  });
}

export function portraitSet(
  model: Model,
  appName: AppName,
  account: Account,
  values: Partial<Record<ProfileField, string>>,
): void {
  const app = model.apps[appName];
  if (app.status !== 'active') return;
  const setAt = model.now;
  const expiresAt = storageExpiry(model, appName, 'userInfo', account, setAt);
  if (expiresAt === undefined) return;
  if (!consented(model, appName, account, 'userInfo')) return;
  const id = profileItemId(appName, account);
  const existing = model.items.get(id);
  if (existing && existing.createdAt > setAt) return;
  const held = covering(model, { app: appName, category: 'userInfo', account, kind: 'profile' }).length > 0;
  if (held && existing) snapshot(model, existing);
  const fields: NonNullable<PhysicalItem['fields']> = {};
  let itemExpiry = Number.POSITIVE_INFINITY;
  for (const field of PROFILE_FIELDS) {
    const value = values[field];
    if (value !== undefined) {
      fields[field] = { value: storedText(value, app.sensitiveData), setAt, expiresAt };
      itemExpiry = Math.min(itemExpiry, expiresAt);
      continue;
    }
    const kept = existing?.fields?.[field];
    if (kept && kept.expiresAt > model.now) {
      fields[field] = kept;
      itemExpiry = Math.min(itemExpiry, kept.expiresAt);
    }
  }
  model.items.set(id, {
    id,
    app: appName,
    kind: 'profile',
    category: 'userInfo',
    account,
    expiresAt: itemExpiry,
    createdAt: setAt,
    fields,
  });
}

// ---------------------------------------------------------------------------------------------------
// Settings

export function changeSettings(
  model: Model,
  appName: AppName,
  next: Partial<Pick<ModelApp, 'messages' | 'userInfo' | 'sensitiveData' | 'consent'>>,
  /** How long after the change its cut starts (the apps function's cutLeadMs), in seconds. */
  cutLeadSeconds = 0,
): void {
  const app = model.apps[appName];
  const at = new Date((model.now + cutLeadSeconds) * 1000).toISOString();
  // Switching to required consent cuts both categories to 0 for every account without an active consent
  // for it then: what was stored of them unchecked goes; consented accounts keep theirs.
  const consentSwitched = app.consent !== 'required' && next.consent === 'required';
  for (const category of ['userInfo', 'messages'] as const) {
    const setting = next[category] ?? app[category];
    const before = app[category].mode === 'notStored' ? 0 : app[category].days;
    const after = setting.mode === 'notStored' ? 0 : setting.days;
    const cuts: RetentionCut[] = [];
    if (after < before) cuts.push({ at, days: after });
    // Who consented by the change itself is spared (`at` lies the cache-settling lead later).
    const consentedBy = new Date(model.now * 1000).toISOString();
    if (consentSwitched && before > 0 && after > 0)
      cuts.push({ at, days: 0, sparesConsented: true, consentedBy });
    for (const cut of cuts) {
      app.cuts[category] = [
        ...app.cuts[category].filter(
          (earlier) => earlier.days < cut.days || (cut.sparesConsented === true && !earlier.sparesConsented),
        ),
        cut,
      ];
      model.pendingCuts.push({ app: appName, category, cut });
    }
    app[category] = setting;
  }
  if (next.sensitiveData) app.sensitiveData = next.sensitiveData;
  if (next.consent) app.consent = next.consent;
}

// ---------------------------------------------------------------------------------------------------
// Holds, deletion, expiry

export function placeHold(model: Model, hold: ModelHold): void {
  model.holds.push(hold);
  // What TTL could reach before `expire` runs twice is parked at once (normally nothing).
  const reachable = ttlReachableExpiry(new Date(model.now * 1000));
  for (const item of model.items.values()) {
    if (item.expiresAt > 0 && item.expiresAt <= reachable && covering(model, item).includes(hold.id))
      item.expiresAt = -item.expiresAt;
  }
}

export function releaseHold(model: Model, id: string): void {
  const hold = model.holds.find((candidate) => candidate.id === id);
  if (hold) hold.active = false;
}

/** The items a request's pass walks: the owner index (account, all accounts) or a group's partition. */
function subjectItems(model: Model, request: ModelRequest): PhysicalItem[] {
  return [...model.items.values()].filter((item) => {
    if (item.app !== request.app || !request.categories.includes(item.category) || item.kind === 'tombstone')
      return false;
    if (request.subject.kind === 'account') return item.account === request.subject.account;
    if (request.subject.kind === 'group') return item.id.startsWith(`${item.app}/group/${GROUP}/`);
    return true;
  });
}

/** One pass of the deletion worker over an open request. */
export function runPass(model: Model, request: ModelRequest): void {
  const withheld: string[] = [];
  let anyWithheld = false;
  for (const item of subjectItems(model, request)) {
    const holds = covering(model, item);
    if (holds.length > 0) {
      anyWithheld = true;
      withheld.push(...holds);
      continue;
    }
    request.deleted[item.category] += 1;
    if (item.kind === 'message') model.items.set(item.id, tombstoneOf(item, Math.abs(item.expiresAt)));
    else model.items.delete(item.id);
  }
  request.status = anyWithheld ? 'withheld' : 'completed';
  request.withheldBy = [...new Set(withheld)].sort();
}

/** The worker: every open request that is due (not withheld, or withheld by a hold no longer active). */
export function runWorker(model: Model): void {
  const active = new Set(model.holds.filter((hold) => hold.active).map((hold) => hold.id));
  const due = model.requests.filter(
    (request) =>
      request.status !== 'completed' &&
      !(
        request.status === 'withheld' &&
        request.withheldBy.length > 0 &&
        request.withheldBy.every((id) => active.has(id))
      ),
  );
  for (const request of due) {
    if (
      due.some(
        (other) => other !== request && other.app === request.app && other.createdAt === request.createdAt,
      )
    )
      request.ambiguousCounts = true;
  }
  for (const request of due) runPass(model, request);
}

/** Files (or joins) a request; the joined request starts its pass again. */
export function fileRequest(
  model: Model,
  request: Omit<ModelRequest, 'status' | 'withheldBy' | 'deleted'>,
): ModelRequest {
  const same = (other: ModelRequest) =>
    other.app === request.app &&
    other.status !== 'completed' &&
    other.subject.kind === request.subject.kind &&
    (other.subject.kind !== 'account' ||
      (request.subject.kind === 'account' && other.subject.account === request.subject.account));
  const open = model.requests.find(same);
  if (open) {
    open.categories = (['userInfo', 'messages'] as const).filter(
      (category) => open.categories.includes(category) || request.categories.includes(category),
    );
    open.status = open.status === 'received' ? 'received' : 'processing';
    return open;
  }
  const created: ModelRequest = {
    ...request,
    createdAt: model.now,
    status: 'received',
    withheldBy: [],
    deleted: { userInfo: 0, messages: 0 },
  };
  model.requests.push(created);
  return created;
}

/**
 * The purge at `purgeAt`: an allAccounts erasure of both categories (held items withheld), then the
 * configuration goes. The SdkAppid is then unknown until it is registered again.
 */
export function purgeApp(model: Model, app: AppName): void {
  const request = fileRequest(model, {
    app,
    subject: { kind: 'allAccounts' },
    categories: ['userInfo', 'messages'],
    visible: false,
  });
  runPass(model, request);
  for (const id of [...model.consents.keys()]) if (id.startsWith(`${app}/`)) model.consents.delete(id);
  model.apps[app].purgedAt = model.now;
}

/** A new registration of a purged SdkAppid: active, with cuts at the purge hiding everything older. */
export function reregister(model: Model, app: AppName): void {
  const record = model.apps[app];
  const cut = { at: new Date((record.purgedAt ?? model.now) * 1000).toISOString(), days: 0 };
  record.status = 'active';
  delete record.terminatedAt;
  for (const category of ['userInfo', 'messages'] as const) {
    record.cuts[category] = [cut];
    model.pendingCuts.push({ app, category, cut });
  }
}

/** An expire run at the model's now, grace 0: cuts first, then every due item, then the held buckets. */
export function runExpire(model: Model): void {
  const now = model.now;
  const soon = now + HOLD_LOOKAHEAD_SECONDS;
  for (const pending of model.pendingCuts) applyCut(model, pending, soon);
  model.pendingCuts = [];
  for (const item of [...model.items.values()]) {
    if (item.expiresAt <= 0) continue;
    const holds = covering(model, item);
    const touched = activeHolds(model, item.app).some((hold) => hold.categories.includes(item.category));
    if (holds.length > 0) {
      if (touched && item.expiresAt <= soon) item.expiresAt = -item.expiresAt;
      continue;
    }
    if (item.expiresAt <= now) model.items.delete(item.id);
  }
  for (const item of [...model.items.values()]) {
    if (item.expiresAt > 0 || covering(model, item).length > 0) continue;
    if (item.kind === 'snapshot' || -item.expiresAt <= now) model.items.delete(item.id);
    else item.expiresAt = -item.expiresAt;
  }
}

function applyCut(model: Model, pending: Model['pendingCuts'][number], soon: number): void {
  const cutAt = Date.parse(pending.cut.at) / 1000;
  for (const item of model.items.values()) {
    if (item.app !== pending.app || item.category !== pending.category || item.kind === 'tombstone') continue;
    if (spared(model, pending, item.account)) continue;
    if (item.category === 'userInfo') {
      let itemExpiry = Number.POSITIVE_INFINITY;
      for (const field of PROFILE_FIELDS) {
        const stored = item.fields?.[field];
        if (!stored) continue;
        stored.expiresAt = expiryUnderCuts(stored.expiresAt, new Date(stored.setAt * 1000), [pending.cut]);
        itemExpiry = Math.min(itemExpiry, stored.expiresAt);
      }
      moveExpiry(model, item, Math.min(itemExpiry, Math.abs(item.expiresAt)), soon);
      continue;
    }
    if (item.createdAt >= cutAt) continue;
    moveExpiry(
      model,
      item,
      expiryUnderCuts(Math.abs(item.expiresAt), new Date(item.createdAt * 1000), [pending.cut]),
      soon,
    );
  }
}

/** Whether a consent cut spares `account` (its consent has covered the category since the cut), at the run. */
function spared(model: Model, pending: Model['pendingCuts'][number], account: Account | undefined): boolean {
  return (
    cutsForAccount([pending.cut], coveredSince(model, pending.app, pending.category, account))?.length === 0
  );
}

function moveExpiry(model: Model, item: PhysicalItem, to: number, soon: number): void {
  if (!(to < Math.abs(item.expiresAt))) return;
  const parked = item.expiresAt < 0 || (covering(model, item).length > 0 && to <= soon);
  item.expiresAt = parked ? -to : to;
}

export const days = (n: number) => n * DAY;
export { epochSeconds };
