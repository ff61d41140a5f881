import * as z from 'zod';

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
/** A UTF-16 surrogate not paired: JSON can carry one (`"\ud800"`), but it cannot become a key (encodeURIComponent throws). */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (value: string) => !LONE_SURROGATE.test(value);
/** A string that becomes part of an item key: bounded and well-formed Unicode. */
const keyString = () => z.string().min(1).max(256).refine(wellFormed, 'must be well-formed Unicode');
const account = keyString();
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

/** Milliseconds since the epoch (Tencent's EventTime). */
const eventTime = numeric.optional();

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

export const KNOWN_ELEMENT_TYPES = [
  'TIMTextElem',
  'TIMImageElem',
  'TIMSoundElem',
  'TIMVideoFileElem',
  'TIMFileElem',
  'TIMCustomElem',
  'TIMLocationElem',
  'TIMFaceElem',
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
  MsgSeq: numeric.optional(),
  MsgRandom: numeric.optional(),
  MsgTime: numeric.optional(),
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
  Random: numeric.optional(),
  OnlineOnlyFlag: numeric.optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime,
});

export const c2cAfterSendSchema = c2cBeforeSendSchema.extend({
  MsgTime: numeric,
  MsgKey: keyString(),
  SendMsgResult: numeric.optional(),
  ErrorInfo: z.string().optional(),
  UnreadMsgNum: numeric.optional(),
});

export const groupAfterSendSchema = groupBeforeSendSchema
  .extend({
    MsgSeq: numeric.pipe(z.number().int().nonnegative()),
    MsgTime: numeric.optional(),
    MsgId: z.string().optional(),
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
    .array(z.object({ MsgSeq: numeric.pipe(z.number().int().nonnegative()) }))
    .min(1)
    .max(100),
  TopicId: z.string().optional(),
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

export type C2cBeforeSend = z.infer<typeof c2cBeforeSendSchema>;
export type GroupBeforeSend = z.infer<typeof groupBeforeSendSchema>;
export type C2cAfterSend = z.infer<typeof c2cAfterSendSchema>;
export type GroupAfterSend = z.infer<typeof groupAfterSendSchema>;
export type C2cRecall = z.infer<typeof c2cRecallSchema>;
export type GroupRecall = z.infer<typeof groupRecallSchema>;
export type PortraitSet = z.infer<typeof portraitSetSchema>;
export type MsgBody = z.infer<typeof msgBodySchema>;
