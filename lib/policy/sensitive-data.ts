import type { SensitiveDataMode } from './app-config.js';
import { foldWidth } from './sensitive-data/fold.js';
import { detectIbans } from './sensitive-data/iban.js';
import { detectPaymentCards } from './sensitive-data/payment-card.js';
import { detectPrcResidentIds } from './sensitive-data/prc-resident-id.js';
import type { Detector, Finding, SensitiveKind } from './sensitive-data/types.js';

export type { Finding, SensitiveKind } from './sensitive-data/types.js';
export { SENSITIVE_KINDS } from './sensitive-data/types.js';

/**
 * D5: the service is not for sensitive data. This module finds checksum-valid identifiers in chat
 * content and decides what a before-send callback answers (off / flag / mask / reject). Pure: no I/O.
 */

/**
 * In priority order: a finding strictly inside another (or as long as one of its own kind) is dropped.
 * A span that is valid as two kinds at once (an 18-digit number can be both a resident ID and a Luhn-valid
 * card) is reported as both: the value is both, and a sender is told everything it was refused for.
 */
const DETECTORS: readonly Detector[] = [detectPrcResidentIds, detectIbans, detectPaymentCards];

const contains = (outer: Finding, inner: Finding) => outer.start <= inner.start && inner.end <= outer.end;
const sameSpan = (a: Finding, b: Finding) => a.start === b.start && a.end === b.end;
const subsumes = (outer: Finding, inner: Finding) =>
  contains(outer, inner) && (outer.kind === inner.kind || !sameSpan(outer, inner));

/**
 * Every sensitive value in `text`, sorted by position. Findings may overlap (digits shared by two
 * candidate numbers); none lies wholly inside another, except one of another kind over the very same span.
 */
export function detectSensitiveData(text: string): Finding[] {
  const folded = foldWidth(text);
  const candidates = DETECTORS.flatMap((detect) =>
    detect(folded).sort((a, b) => b.end - b.start - (a.end - a.start)),
  );
  const kept: Finding[] = [];
  for (const finding of candidates) {
    if (!kept.some((other) => subsumes(other, finding))) kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** The union of overlapping findings, as disjoint spans in order. */
function mergeSpans(findings: readonly Finding[]): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  for (const { start, end } of findings) {
    const last = spans.at(-1);
    if (last && start < last.end) last.end = Math.max(last.end, end);
    else spans.push({ start, end });
  }
  return spans;
}

export const MASK_CHAR = '*';
export const MASK_KEEP_LAST = 4;
const MAX_MASK_PASSES = 4;

const isValueChar = (char: string) => /[0-9A-Za-z\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/.test(char);

/** Where the kept tail of a span starts: its last 4 digits or letters (and any separator between them). */
function keepFromIndex(text: string, start: number, end: number): number {
  let kept = 0;
  for (let index = end - 1; index >= start; index--) {
    if (isValueChar(text[index] as string)) kept += 1;
    if (kept === MASK_KEEP_LAST) return index;
  }
  return start;
}

function maskOnce(text: string, findings: readonly Finding[]): string {
  let masked = '';
  let cursor = 0;
  for (const { start, end } of mergeSpans(findings)) {
    const keepFrom = keepFromIndex(text, start, end);
    masked += text.slice(cursor, start) + MASK_CHAR.repeat(keepFrom - start) + text.slice(keepFrom, end);
    cursor = end;
  }
  return masked + text.slice(cursor);
}

/**
 * Replaces each detected value by asterisks except its last 4 characters (digits or letters; a
 * separator between them stays). Repeats until nothing is
 * detected, so digits left next to a masked value can never form a new valid number.
 */
export function maskSensitiveText(text: string): { text: string; kinds: SensitiveKind[] } {
  const kinds = new Set<SensitiveKind>();
  let current = text;
  for (let pass = 0; pass < MAX_MASK_PASSES; pass++) {
    const findings = detectSensitiveData(current);
    if (findings.length === 0) return { text: current, kinds: [...kinds] };
    for (const finding of findings) kinds.add(finding.kind);
    current = maskOnce(current, findings);
  }
  // Still finding after several passes (adversarial input): every detector needs digits, so mask them all.
  return { text: current.replace(/[0-9０-９]/g, MASK_CHAR), kinds: [...kinds] };
}

/** A Tencent IM message element (TIMMessage MsgBody item) as far as the guard needs to know it. */
export interface MessageElement {
  readonly MsgType: string;
  readonly MsgContent: Readonly<Record<string, unknown>>;
}

/** The free-text fields of each element type a user can type into; URLs, UUIDs and sizes are not. */
export const SCANNED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  TIMTextElem: ['Text'],
  TIMCustomElem: ['Data', 'Desc', 'Ext'],
  TIMLocationElem: ['Desc'],
  TIMFaceElem: ['Data'],
  TIMFileElem: ['FileName'],
  TIMRelayElem: ['Title', 'CompatibleText'],
};

/** A merged forward nests other messages (`MsgList[].MsgBody`); deeper nesting than this is not scanned. */
export const MAX_RELAY_DEPTH = 8;

export interface GuardedMessage {
  readonly msgBody: readonly MessageElement[];
  readonly cloudCustomData?: string | undefined;
}

type TextMap = (text: string) => string;

/** The element with `map` applied to every free-text field, nested relays included; unchanged parts are kept as they were. */
function mapElement(element: MessageElement, map: TextMap, depth: number): MessageElement {
  let content: Record<string, unknown> | undefined;
  const set = (field: string, value: unknown) => {
    content ??= { ...element.MsgContent };
    content[field] = value;
  };
  for (const field of SCANNED_FIELDS[element.MsgType] ?? []) {
    const value = element.MsgContent[field];
    if (typeof value !== 'string') continue;
    const mapped = map(value);
    if (mapped !== value) set(field, mapped);
  }
  if (element.MsgType === 'TIMRelayElem') {
    const abstract = element.MsgContent.AbstractList;
    if (Array.isArray(abstract)) {
      const mapped = abstract.map((line) => (typeof line === 'string' ? map(line) : line));
      if (mapped.some((line, index) => line !== abstract[index])) set('AbstractList', mapped);
    }
    const list = element.MsgContent.MsgList;
    if (Array.isArray(list) && depth < MAX_RELAY_DEPTH) {
      const mapped = list.map((entry) => mapRelayed(entry, map, depth + 1));
      if (mapped.some((entry, index) => entry !== list[index])) set('MsgList', mapped);
    }
  }
  return content ? { ...element, MsgContent: content } : element;
}

function mapRelayed(entry: unknown, map: TextMap, depth: number): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const body = (entry as { MsgBody?: unknown }).MsgBody;
  if (!Array.isArray(body)) return entry;
  const mapped = body.map((element) => (isElement(element) ? mapElement(element, map, depth) : element));
  return mapped.some((element, index) => element !== body[index]) ? { ...entry, MsgBody: mapped } : entry;
}

function isElement(value: unknown): value is MessageElement {
  const element = value as { MsgType?: unknown; MsgContent?: unknown } | null;
  return (
    typeof element?.MsgType === 'string' &&
    typeof element.MsgContent === 'object' &&
    element.MsgContent !== null
  );
}

function mapMessage(message: GuardedMessage, map: TextMap): GuardedMessage {
  return {
    msgBody: message.msgBody.map((element) => mapElement(element, map, 0)),
    cloudCustomData: message.cloudCustomData === undefined ? undefined : map(message.cloudCustomData),
  };
}

/** The kinds of sensitive data anywhere in a message's text fields, nested forwards and CloudCustomData. */
export function scanMessage(message: GuardedMessage): SensitiveKind[] {
  const kinds = new Set<SensitiveKind>();
  mapMessage(message, (text) => {
    for (const finding of detectSensitiveData(text)) kinds.add(finding.kind);
    return text;
  });
  return [...kinds];
}

/** The message with every detected value masked; elements and fields that held none are returned as they were. */
export function maskMessage(message: GuardedMessage): { message: GuardedMessage; kinds: SensitiveKind[] } {
  const kinds = new Set<SensitiveKind>();
  const masked = mapMessage(message, (text) => {
    const result = maskSensitiveText(text);
    for (const kind of result.kinds) kinds.add(kind);
    return result.text;
  });
  return { message: masked, kinds: [...kinds] };
}

const KIND_NAMES: Readonly<Record<SensitiveKind, string>> = {
  prcResidentId: 'a resident identity card number',
  paymentCard: 'a payment card number',
  iban: 'a bank account number (IBAN)',
};

/** Why a message was refused, safe to show to its sender: names the kinds of data, never the values. */
export function rejectionReason(kinds: readonly SensitiveKind[]): string {
  const names = kinds.map((kind) => KIND_NAMES[kind]).join(', ');
  return `message blocked: it contains ${names}; sensitive data must not be sent through this service (D5)`;
}

/** What a before-send callback does with a message, per the app's `privacy.sensitiveData` mode. */
export type GuardDecision =
  | { readonly action: 'pass'; readonly kinds: readonly SensitiveKind[] }
  | { readonly action: 'flag'; readonly kinds: readonly SensitiveKind[] }
  | { readonly action: 'mask'; readonly kinds: readonly SensitiveKind[]; readonly message: GuardedMessage }
  | { readonly action: 'reject'; readonly kinds: readonly SensitiveKind[]; readonly reason: string };

/**
 * off: pass without looking. flag: pass, naming what was found. mask: a replacement message when anything
 * was found. reject: refuse when anything was found. A message with nothing sensitive always passes.
 */
export function guardMessage(message: GuardedMessage, mode: SensitiveDataMode): GuardDecision {
  if (mode === 'off') return { action: 'pass', kinds: [] };
  if (mode === 'mask') {
    const masked = maskMessage(message);
    return masked.kinds.length === 0
      ? { action: 'pass', kinds: [] }
      : { action: 'mask', kinds: masked.kinds, message: masked.message };
  }
  const kinds = scanMessage(message);
  if (kinds.length === 0) return { action: 'pass', kinds };
  return mode === 'flag'
    ? { action: 'flag', kinds }
    : { action: 'reject', kinds, reason: rejectionReason(kinds) };
}

/** What D5 asks of content kept at rest: `flag` stores it as sent with the kinds found; `mask` and `reject` store it masked. */
export interface AtRest {
  readonly message: GuardedMessage;
  readonly sensitive?: { readonly kinds: readonly SensitiveKind[]; readonly handling: 'flagged' | 'masked' };
}

/**
 * D5 at rest, for what an after-send or an edit stores (the before-send guard normally masked or refused
 * it already; this matters when that callback is not enabled). A message with nothing found is kept as sent.
 */
export function guardAtRest(message: GuardedMessage, mode: SensitiveDataMode): AtRest {
  if (mode === 'off') return { message };
  if (mode === 'flag') {
    const kinds = scanMessage(message);
    return kinds.length === 0 ? { message } : { message, sensitive: { kinds, handling: 'flagged' } };
  }
  const masked = maskMessage(message);
  return masked.kinds.length === 0
    ? { message }
    : { message: masked.message, sensitive: { kinds: masked.kinds, handling: 'masked' } };
}

/** D5 at rest for a profile value (nickname, avatar URL, signature): masked under `mask` and `reject`. */
export function guardProfileValue(value: string, mode: SensitiveDataMode): string {
  return mode === 'mask' || mode === 'reject' ? maskSensitiveText(value).text : value;
}
