import { expiringAttributes, itemIdOf } from '../../lib/store/keys.js';
import { messageKey, ownerAttributes, userInfoKey } from '../../lib/store/personal-keys.js';

/**
 * Personal items laid out exactly as lib/store/messages.ts and lib/store/user-info.ts write them
 * (key, expiry-index and owner-index attributes, a typical text message body), for loading the
 * tables in bulk without going through the callback.
 */
export interface MessageSpec {
  readonly app: string;
  readonly account: string;
  readonly msgKey: string;
  readonly msgTime: Date;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

const TEXT = 'See you at the station at 7, the train leaves at 7:20. Bring the tickets please!';

export function messageItem(spec: MessageSpec): Record<string, unknown> {
  const { pk, sk } = messageKey(spec.app, { kind: 'c2c', msgKey: spec.msgKey });
  return {
    pk,
    sk,
    ...expiringAttributes('messages', spec.app, spec.expiresAt, itemIdOf({ pk, sk })),
    ...ownerAttributes(spec.app, spec.account, 'messages', spec.msgTime, { pk, sk }),
    app: spec.app,
    kind: 'c2c',
    msgKey: spec.msgKey,
    to: 'friend-of-the-sender',
    msgRandom: 1_234_567,
    msgId: `144115233406643804-${Math.floor(spec.msgTime.getTime() / 1000)}-1234567`,
    msgTime: spec.msgTime.toISOString(),
    msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: TEXT } }],
    cloudCustomData: 'custom',
    storedAt: spec.msgTime.toISOString(),
  };
}

export function userInfoItem(
  app: string,
  account: string,
  setAt: Date,
  expiresAt: number,
): Record<string, unknown> {
  const key = userInfoKey(app, account);
  return {
    ...key,
    ...expiringAttributes('userInfo', app, expiresAt, itemIdOf(key)),
    ...ownerAttributes(app, account, 'userInfo', setAt, key),
    app,
    updatedAt: setAt.toISOString(),
    eventTimeMs: setAt.getTime(),
    nickname: 'A nickname',
    nicknameExpiresAt: expiresAt,
    nicknameSetAt: setAt.getTime(),
  };
}

/** `count` messages of `account`, with expiresAt spread evenly over [from, to] (epoch seconds). */
export function messagesOf(
  app: string,
  account: string,
  count: number,
  expiry: { from: number; to: number },
  tag: string,
): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const expiresAt = Math.floor(expiry.from + ((expiry.to - expiry.from) * i) / Math.max(1, count - 1));
    return messageItem({
      app,
      account,
      msgKey: `${tag}_${i}_${expiresAt}`,
      msgTime: new Date((expiresAt - 7 * 86_400) * 1000),
      expiresAt,
    });
  });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
