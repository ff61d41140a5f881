import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppConfig } from '../../lib/policy/app-config.js';
import { httpEvent } from './events.js';

/**
 * Signs callbacks exactly as Tencent IM does: `Sign` = lowercase hex SHA-256 of the app's callback
 * token followed by `RequestTime` (unix seconds), both in the query string with SdkAppid,
 * CallbackCommand, contenttype, ClientIP and OptPlatform.
 */
export function tencentSign(token: string, requestTime: number | string): string {
  return createHash('sha256').update(`${token}${requestTime}`).digest('hex');
}

export interface CallbackRequest {
  readonly sdkAppId: string;
  readonly token: string;
  readonly command: string;
  /** An object is sent as JSON; a string is sent as is. */
  readonly body?: unknown;
  /** Unix seconds; default now. */
  readonly requestTime?: number;
  /** Overrides the computed Sign; null leaves it out. */
  readonly sign?: string | null;
  readonly clientIp?: string;
  readonly contentType?: string;
}

export function callbackEvent(request: CallbackRequest): APIGatewayProxyEventV2 {
  const requestTime = request.requestTime ?? Math.floor(Date.now() / 1000);
  const sign = request.sign === undefined ? tencentSign(request.token, requestTime) : request.sign;
  const query: Record<string, string> = {
    SdkAppid: request.sdkAppId,
    CallbackCommand: request.command,
    contenttype: 'json',
    ClientIP: request.clientIp ?? '198.51.100.23',
    OptPlatform: 'iOS',
    RequestTime: String(requestTime),
    ...(sign === null ? {} : { Sign: sign }),
  };
  return httpEvent('POST', '/im/callback', {
    query,
    body: request.body,
    headers: { 'content-type': request.contentType ?? 'application/json; charset=utf-8' },
  });
}

export const TEST_CALLBACK_TOKEN = 'callback-token-for-tests-0123456789';

/** A registrable app config whose callbacks are signed with TEST_CALLBACK_TOKEN. */
export function callbackAppConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    appName: 'Callback test app',
    secretKey: 'secret-key-for-callback-tests-0123456789',
    adminAccount: 'administrator',
    callback: { enabled: true, url: 'https://callback.example.com/im', token: TEST_CALLBACK_TOKEN },
    dataCenter: 'local',
    ...overrides,
  };
}

/** One of each TIMMessage element type, with Tencent's documented fields. */
export const ALL_ELEMENT_TYPES = [
  { MsgType: 'TIMTextElem', MsgContent: { Text: 'hello 你好' } },
  {
    MsgType: 'TIMImageElem',
    MsgContent: {
      UUID: '1853095_D61040894AC3DE44CDFFFB3EC7EB720F',
      ImageFormat: 1,
      ImageInfoArray: [
        { Type: 1, Size: 1853095, Width: 2448, Height: 3264, URL: 'https://example.com/original.jpg' },
        { Type: 3, Size: 2420, Width: 198, Height: 198, URL: 'https://example.com/thumb.jpg' },
      ],
    },
  },
  {
    MsgType: 'TIMSoundElem',
    MsgContent: {
      Url: 'https://example.com/a.silk',
      UUID: '305c0201',
      Size: 6811,
      Second: 3,
      Download_Flag: 2,
    },
  },
  {
    MsgType: 'TIMVideoFileElem',
    MsgContent: {
      VideoUrl: 'https://example.com/v.mp4',
      VideoUUID: '5da38ba89d6521136a2',
      VideoSize: 1194603,
      VideoSecond: 5,
      VideoFormat: 'mp4',
      VideoDownloadFlag: 2,
      ThumbUrl: 'https://example.com/v.jpg',
      ThumbUUID: '6edaffedef5150684510',
      ThumbSize: 13907,
      ThumbWidth: 720,
      ThumbHeight: 1280,
      ThumbFormat: 'JPG',
      ThumbDownloadFlag: 2,
    },
  },
  {
    MsgType: 'TIMFileElem',
    MsgContent: {
      Url: 'https://example.com/f.pdf',
      UUID: 'f1',
      FileSize: 1773552,
      FileName: 'notes.pdf',
      Download_Flag: 2,
    },
  },
  {
    MsgType: 'TIMCustomElem',
    MsgContent: { Data: 'message', Desc: 'notification', Ext: 'url', Sound: 'dingdong.aiff' },
  },
  {
    MsgType: 'TIMLocationElem',
    MsgContent: { Desc: 'someplace', Latitude: 29.340656774469956, Longitude: 116.77497920478824 },
  },
  { MsgType: 'TIMFaceElem', MsgContent: { Index: 1, Data: 'content' } },
] as const;
