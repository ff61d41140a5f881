import * as z from 'zod';
import { accountSchema, identifierSchema, UINT32_MAX } from '../../lib/policy/identifiers.js';

/**
 * Request bodies of the Tencent IM callbacks this service handles, from Tencent's documented field
 * tables. Unknown fields are ignored (Tencent adds fields over time); numbers Tencent sometimes sends
 * as strings (EventTime) are accepted either way. Message content (MsgContent) keeps every field as
 * sent, since it is stored as sent.
 */

/** A JSON number, or a string of digits (some Tencent callbacks send EventTime as a string). */
const numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
    .transform(Number),
]);
const count = z.number().int().nonnegative();
/** Tencent's unsigned 32-bit fields: MsgSeq, MsgRandom, MsgTime (seconds). */
const uint32 = numeric.pipe(z.number().int().min(0).max(UINT32_MAX));
/** A string that becomes part of an item key: bounded in UTF-8 bytes and well-formed (lib/policy/identifiers.ts). */
const keyString = () => identifierSchema();
const account = accountSchema;
const text = z.string();

/**
 * Message content is stored as a DynamoDB map, which allows 32 levels of nesting in the whole item, and
 * the SDK's marshaller takes an object with its own `constructor` key for a class instance (and refuses or
 * mangles it). Content that could not be stored as sent is a malformed body (400), not a failed callback.
 */
export const MAX_CONTENT_DEPTH = 16;

function unstorable(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_CONTENT_DEPTH) return `is nested deeper than ${MAX_CONTENT_DEPTH} levels`;
  if (!Array.isArray(value) && Object.hasOwn(value, 'constructor')) return 'has a "constructor" key';
  for (const child of Object.values(value)) {
    const reason = unstorable(child, depth + 1);
    if (reason) return reason;
  }
  return undefined;
}

/** Milliseconds since the epoch (Tencent's EventTime), within what a JavaScript Date can hold. */
export const MAX_EVENT_TIME_MS = 8_640_000_000_000_000;
const eventTime = numeric.pipe(z.number().min(0).max(MAX_EVENT_TIME_MS)).optional();

// TIMMessage element types (Tencent "消息格式描述"), content checked, kept loose so nothing is lost.
const textElem = z.object({ MsgType: z.literal('TIMTextElem'), MsgContent: z.looseObject({ Text: text }) });
const locationElem = z.object({
  MsgType: z.literal('TIMLocationElem'),
  MsgContent: z.looseObject({ Desc: text.optional(), Latitude: z.number(), Longitude: z.number() }),
});
const faceElem = z.object({
  MsgType: z.literal('TIMFaceElem'),
  MsgContent: z.looseObject({ Index: z.number().int(), Data: text.optional() }),
});
const customElem = z.object({
  MsgType: z.literal('TIMCustomElem'),
  MsgContent: z.looseObject({
    Data: text.optional(),
    Desc: text.optional(),
    Ext: text.optional(),
    Sound: text.optional(),
  }),
});
const soundElem = z.object({
  MsgType: z.literal('TIMSoundElem'),
  MsgContent: z.looseObject({
    Url: text.optional(),
    UUID: text.optional(),
    Size: count.optional(),
    Second: count.optional(),
    Download_Flag: z.number().int().optional(),
  }),
});
const imageElem = z.object({
  MsgType: z.literal('TIMImageElem'),
  MsgContent: z.looseObject({
    UUID: text.optional(),
    ImageFormat: z.number().int().optional(),
    ImageInfoArray: z.array(
      z.looseObject({
        Type: z.number().int(),
        Size: count.optional(),
        Width: count.optional(),
        Height: count.optional(),
        URL: text,
      }),
    ),
  }),
});
const fileElem = z.object({
  MsgType: z.literal('TIMFileElem'),
  MsgContent: z.looseObject({
    Url: text.optional(),
    UUID: text.optional(),
    FileSize: count.optional(),
    FileName: text.optional(),
    Download_Flag: z.number().int().optional(),
  }),
});
const videoElem = z.object({
  MsgType: z.literal('TIMVideoFileElem'),
  MsgContent: z.looseObject({
    VideoUrl: text.optional(),
    VideoUUID: text.optional(),
    VideoSize: count.optional(),
    VideoSecond: count.optional(),
    VideoFormat: text.optional(),
    VideoDownloadFlag: z.number().int().optional(),
    ThumbUrl: text.optional(),
    ThumbUUID: text.optional(),
    ThumbSize: count.optional(),
    ThumbWidth: count.optional(),
    ThumbHeight: count.optional(),
    ThumbFormat: text.optional(),
    ThumbDownloadFlag: z.number().int().optional(),
  }),
});

/**
 * A merged forward: other people's messages nested (`MsgList[].MsgBody`), with a title, a compatible
 * text and an abstract a person reads. Above 12 KB Tencent sends only a `JsonMsgKey`.
 */
const relayElem = z.object({
  MsgType: z.literal('TIMRelayElem'),
  MsgContent: z.looseObject({
    Title: text.optional(),
    MsgNum: count.optional(),
    CompatibleText: text.optional(),
    AbstractList: z.array(text).max(64).optional(),
    MsgList: z
      .array(
        z.looseObject({
          MsgBody: z.array(z.looseObject({ MsgType: z.string(), MsgContent: z.unknown() })).max(64),
        }),
      )
      .max(256)
      .optional(),
    JsonMsgKey: text.optional(),
  }),
});

export const KNOWN_ELEMENT_TYPES = [
  'TIMTextElem',
  'TIMImageElem',
  'TIMSoundElem',
  'TIMVideoFileElem',
  'TIMFileElem',
  'TIMCustomElem',
  'TIMLocationElem',
  'TIMFaceElem',
  'TIMRelayElem',
] as const;

const knownElement = z.discriminatedUnion('MsgType', [
  textElem,
  imageElem,
  soundElem,
  videoElem,
  fileElem,
  customElem,
  locationElem,
  faceElem,
  relayElem,
]);

/** An element type added by Tencent after this schema was written: kept as sent, never scanned. */
const laterElement = z.object({
  MsgType: z
    .string()
    .min(1)
    .refine((type) => !(KNOWN_ELEMENT_TYPES as readonly string[]).includes(type), 'invalid message element'),
  MsgContent: z.record(z.string(), z.unknown()),
});

export const msgBodySchema = z
  .array(z.union([knownElement, laterElement]))
  .max(64)
  .superRefine((elements, ctx) => {
    elements.forEach((element, index) => {
      const reason = unstorable(element.MsgContent, 1);
      if (reason)
        ctx.addIssue({ code: 'custom', path: [index, 'MsgContent'], message: `message content ${reason}` });
    });
  });

const commandField = z.string().optional();

export const c2cBeforeSendSchema = z.object({
  CallbackCommand: commandField,
  From_Account: account,
  To_Account: account,
  MsgSeq: uint32.optional(),
  MsgRandom: uint32.optional(),
  MsgTime: uint32.optional(),
  MsgKey: z.string().optional(),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: numeric.optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime,
});

export const groupBeforeSendSchema = z.object({
  CallbackCommand: commandField,
  GroupId: keyString(),
  Type: z.string().optional(),
  From_Account: account,
  Operator_Account: z.string().optional(),
  Random: uint32.optional(),
  OnlineOnlyFlag: numeric.optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  TopicId: keyString().optional(),
  EventTime: eventTime,
});

export const c2cAfterSendSchema = c2cBeforeSendSchema.extend({
  MsgTime: uint32,
  MsgKey: keyString(),
  /** 0: delivered; anything else: not delivered (Tencent still calls after-send), so not stored. */
  SendMsgResult: numeric.optional(),
  ErrorInfo: z.string().optional(),
  UnreadMsgNum: numeric.optional(),
});

export const groupAfterSendSchema = groupBeforeSendSchema
  .extend({
    MsgSeq: uint32,
    MsgTime: uint32.optional(),
    MsgId: z.string().optional(),
    SendMsgResult: numeric.optional(),
  })
  .refine((body) => body.MsgTime !== undefined || body.EventTime !== undefined, {
    message: 'MsgTime or EventTime is required',
    path: ['MsgTime'],
  });

export const c2cRecallSchema = z.object({
  CallbackCommand: commandField,
  From_Account: account,
  To_Account: account.optional(),
  MsgKey: keyString(),
  UnreadMsgNum: numeric.optional(),
  EventTime: eventTime,
});

export const groupRecallSchema = z.object({
  CallbackCommand: commandField,
  GroupId: keyString(),
  Type: z.string().optional(),
  Operator_Account: z.string().optional(),
  MsgSeqList: z
    .array(z.object({ MsgSeq: uint32 }))
    .min(1)
    .max(100),
  TopicId: keyString().optional(),
  EventTime: eventTime,
});

/** C2C.CallbackAfterModifyMsg: `MsgKey` is the original message's, `MsgBody` the new content. */
export const c2cModifySchema = z.object({
  CallbackCommand: commandField,
  From_Account: account,
  To_Account: account.optional(),
  Operator_Account: z.string().optional(),
  MsgSeq: uint32.optional(),
  MsgRandom: uint32.optional(),
  MsgTime: uint32.optional(),
  MsgKey: keyString(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime,
});

/** Group.CallbackAfterModifyMsg: the group message `GroupId` + `TopicId` + `MsgSeq`, with its new content. */
export const groupModifySchema = z.object({
  CallbackCommand: commandField,
  GroupId: keyString(),
  Type: z.string().optional(),
  From_Account: account.optional(),
  Operator_Account: z.string().optional(),
  MsgSeq: uint32,
  MsgTime: uint32.optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  TopicId: keyString().optional(),
  EventTime: eventTime,
});

/** Group.CallbackAfterGroupDestroyed: the group's stored messages are erased. */
export const groupDestroyedSchema = z.object({
  CallbackCommand: commandField,
  GroupId: keyString(),
  Type: z.string().optional(),
  Owner_Account: z.string().optional(),
  Name: z.string().optional(),
  MemberList: z.array(z.looseObject({ Member_Account: z.string().optional() })).optional(),
  EventTime: eventTime,
});

export const portraitSetSchema = z.object({
  CallbackCommand: commandField,
  Operator_Account: z.string().optional(),
  From_Account: account,
  ProfileItem: z.array(z.object({ Tag: z.string().min(1), Value: z.unknown() })).max(64),
  EventTime: eventTime,
});

export const stateChangeSchema = z.object({
  CallbackCommand: commandField,
  Info: z.object({ Action: z.string(), To_Account: z.string().optional(), Reason: z.string().optional() }),
  KickedDevice: z.array(z.unknown()).optional(),
  EventTime: eventTime,
});

export type MsgBody = z.infer<typeof msgBodySchema>;
