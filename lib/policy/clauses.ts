/**
 * Every clause of the policy (docs/policy.md) as typed data, keyed by its stable ID.
 * The Chinese original of the policy wins where a translation disagrees.
 */
export type ClauseId = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'D1' | 'D2' | 'D3' | 'D4' | 'D5' | 'D6';

export interface Clause {
  readonly id: ClauseId;
  readonly module: 'privacyPolicy' | 'dpsa';
  readonly title: { readonly en: string; readonly zh: string };
  readonly rule: { readonly en: string; readonly zh: string };
}

export const CLAUSES: Readonly<Record<ClauseId, Clause>> = {
  P1: {
    id: 'P1',
    module: 'privacyPolicy',
    title: { en: 'Availability and data centre', zh: '适用范围与数据中心' },
    rule: {
      en: "The service is global but built for end users in the same country or region as the app's selected data centre.",
      zh: '服务面向全球，但为与应用所选数据中心位于同一国家或地区的终端用户而设计。',
    },
  },
  P2: {
    id: 'P2',
    module: 'privacyPolicy',
    title: { en: 'Log data', zh: '日志数据' },
    rule: {
      en: "Caller's public egress IP, API request logs (API name and time) and API exception information, kept 7 days.",
      zh: '调用方公网出口 IP、API 请求日志（API 名称与时间）及 API 异常信息，保存 7 天。',
    },
  },
  P3: {
    id: 'P3',
    module: 'privacyPolicy',
    title: { en: 'Monitoring data', zh: '监控数据' },
    rule: {
      en: 'Per-app API success rate and average latency, kept 2 days.',
      zh: '每个应用的 API 成功率与平均耗时，保存 2 天。',
    },
  },
  P4: {
    id: 'P4',
    module: 'privacyPolicy',
    title: { en: 'App configuration', zh: '应用配置信息' },
    rule: {
      en: 'Kept while the customer uses the service; deleted 2 calendar months after the customer terminates.',
      zh: '在客户使用服务期间保存；客户终止服务后 2 个月删除。',
    },
  },
  P5: {
    id: 'P5',
    module: 'privacyPolicy',
    title: { en: 'Sharing with TRTC', zh: '与实时音视频（TRTC）共享' },
    rule: {
      en: 'App information is shared with TRTC only if the customer agreed to sharing and subscribes to TRTC.',
      zh: '仅当客户同意共享且已开通实时音视频（TRTC）时，应用信息才会与其共享。',
    },
  },
  P6: {
    id: 'P6',
    module: 'privacyPolicy',
    title: { en: 'Backups', zh: '备份' },
    rule: {
      en: "The app's APPID and the account UIN are stored and backed up; point-in-time recovery keeps deleted data of every category restorable (by the operator only) for up to 7 days after its deletion, then it is gone from the backups too.",
      zh: '应用的 APPID 与账号 UIN 存储并备份；时间点恢复使各类已删除的数据在删除后最多 7 天内仍可（仅由运营方）恢复，此后备份中也不再保留。',
    },
  },
  D1: {
    id: 'D1',
    module: 'dpsa',
    title: { en: 'End-user profile information', zh: '终端用户资料信息' },
    rule: {
      en: 'Nickname, avatar URL and signature: never stored if the customer so chooses; otherwise kept for the period the customer set, 7 days when none is set.',
      zh: '昵称、头像 URL、个性签名：客户选择不存储时从不存储；否则按客户设置的期限保存，未设置时保存 7 天。',
    },
  },
  D2: {
    id: 'D2',
    module: 'dpsa',
    title: { en: 'Chat messages', zh: '聊天消息' },
    rule: {
      en: 'Text, photo, audio and video message content: same rule as D1.',
      zh: '文本、图片、语音、视频消息内容：规则同 D1。',
    },
  },
  D3: {
    id: 'D3',
    module: 'dpsa',
    title: { en: 'Deletion', zh: '删除' },
    rule: {
      en: 'The customer may request deletion of this personal data; honoured except where applicable law prohibits deletion (a legal hold).',
      zh: '客户可请求删除上述个人数据；除适用法律禁止删除的情形（法律保全）外均予执行。',
    },
  },
  D4: {
    id: 'D4',
    module: 'dpsa',
    title: { en: 'Minimum age', zh: '最低年龄' },
    rule: {
      en: 'End users must be at least the age at which a person may consent to processing of their own data in their jurisdiction.',
      zh: '终端用户须达到其所在司法辖区可自行同意处理其个人数据的最低年龄。',
    },
  },
  D5: {
    id: 'D5',
    module: 'dpsa',
    title: { en: 'Sensitive data', zh: '敏感数据' },
    rule: {
      en: 'The feature is not for sensitive data; the customer ensures neither it nor its end users transmit or process sensitive data through it.',
      zh: '本功能不适用于敏感数据；客户须确保其自身及其终端用户不通过本功能传输或处理敏感数据。',
    },
  },
  D6: {
    id: 'D6',
    module: 'dpsa',
    title: { en: 'Consent', zh: '同意' },
    rule: {
      en: 'Where end-user personal data is processed, the customer obtains and maintains every consent the applicable law requires.',
      zh: '处理终端用户个人数据时，客户须取得并维持适用法律要求的全部同意。',
    },
  },
};
