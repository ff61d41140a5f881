import { bilingual, escapeHtml, htmlPage } from '../../lib/http/html.js';
import { mayShareWithTrtc, type SensitiveDataMode } from '../../lib/policy/app-config.js';
import { CATEGORIES, type PersonalCategoryId } from '../../lib/policy/categories.js';
import type { ConsentMode } from '../../lib/policy/consent.js';
import { type PersonalDataSetting, resolvePrivacySettings } from '../../lib/policy/privacy-settings.js';
import type { AppRecord } from '../../lib/store/apps.js';
import { retentionText } from './privacy-page.js';

/**
 * `GET /apps/{sdkAppId}/privacy`: what one app's end users would read about their data, rendered from the
 * configuration the engine enforces (the same `resolvePrivacySettings` the callback applies): how long
 * their profile and messages are kept or that they are not stored (D1, D2), what happens to sensitive
 * data (D5), whether storage waits for their consent (D6), the data centre (P1), sharing with TRTC (P5), logs and monitoring (P2, P3), backups (P6).
 */
const PERSONAL: Record<PersonalCategoryId, { zh: string; en: string }> = {
  userInfo: { zh: '您的资料（昵称、头像、个性签名）', en: 'Your profile (nickname, avatar, signature)' },
  messages: { zh: '您的聊天消息', en: 'Your chat messages' },
};

function keeping(setting: PersonalDataSetting): { zh: string; en: string } {
  if (setting.mode === 'notStored') {
    return { zh: '不存储：仅在传递时处理', en: 'not stored: processed only to deliver it' };
  }
  return {
    zh: `保存 ${setting.retentionDays} 天，之后删除`,
    en: `kept for ${setting.retentionDays} day${setting.retentionDays === 1 ? '' : 's'}, then deleted`,
  };
}

const SENSITIVE: Record<SensitiveDataMode, { zh: string; en: string }> = {
  off: { zh: '不检查', en: 'not checked' },
  flag: { zh: '检测到时予以标记', en: 'marked when detected' },
  mask: {
    zh: '身份证号、银行卡号、IBAN 等在存储和投递前被遮盖',
    en: 'identity numbers, card numbers and IBANs are masked before anything is stored or delivered',
  },
  reject: {
    zh: '含有身份证号、银行卡号、IBAN 等的消息被拒绝发送',
    en: 'messages containing identity numbers, card numbers or IBANs are refused',
  },
};

const CONSENT: Record<ConsentMode, { zh: string; en: string }> = {
  required: {
    zh: '仅在您同意期间存储您的资料和消息；撤回同意后不再存储，已存储的将被删除',
    en: 'your profile and messages are stored only while you consent; once you withdraw, nothing more is stored and what was stored is erased',
  },
  notRequired: {
    zh: '存储不以本服务记录的同意为前提（由您的应用负责取得所需的同意）',
    en: 'storage does not depend on a consent recorded by this service (the app obtains any consent the law requires)',
  },
};

const row = (clause: string, id: string, what: { zh: string; en: string }, how: { zh: string; en: string }) =>
  `<tr data-item="${id}"><td>${clause}</td><td>${bilingual(what)}</td><td>${bilingual(how)}</td></tr>`;

export function renderAppDisclosure(app: AppRecord): string {
  const settings = resolvePrivacySettings(app.config.privacy);
  const name = escapeHtml(app.config.appName);
  const sharing = mayShareWithTrtc(app.config)
    ? {
        zh: '与腾讯云实时音视频（TRTC）共享（您的应用已同意并开通）',
        en: 'shared with Tencent RTC (TRTC): the app agreed and subscribes',
      }
    : { zh: '不与实时音视频（TRTC）共享', en: 'not shared with TRTC' };
  const backupDays = CATEGORIES.messages.backup.restorableDays;
  const rows = [
    row('D1', 'userInfo', PERSONAL.userInfo, keeping(settings.userInfo)),
    row('D2', 'messages', PERSONAL.messages, keeping(settings.messages)),
    row('D6', 'consent', { zh: '同意', en: 'Consent' }, CONSENT[settings.consent]),
    row('D5', 'sensitiveData', { zh: '敏感数据', en: 'Sensitive data' }, SENSITIVE[settings.sensitiveData]),
    row(
      'P1',
      'dataCenter',
      { zh: '数据中心', en: 'Data centre' },
      { zh: app.config.dataCenter, en: app.config.dataCenter },
    ),
    row('P5', 'sharing', { zh: '应用信息共享', en: 'Sharing of app information' }, sharing),
    row('P2', 'log', CATEGORIES.log.name, retentionText(CATEGORIES.log)),
    row('P3', 'monitoring', CATEGORIES.monitoring.name, retentionText(CATEGORIES.monitoring)),
    row(
      'P6',
      'backup',
      { zh: '备份', en: 'Backups' },
      {
        zh: `删除的数据在备份中最多保留 ${backupDays} 天`,
        en: `deleted data stays in backups for at most ${backupDays} days`,
      },
    ),
  ].join('\n');
  return htmlPage(
    `${app.config.appName} · 隐私 · Privacy`,
    `<h1>${name}: <span lang="zh">您的数据如何处理</span> · <span lang="en">how your data is handled</span></h1>
<p>${bilingual({ zh: `应用 ${app.sdkAppId} 的当前设置，即本服务实际执行的设置。`, en: `The current settings of app ${app.sdkAppId}, as this service enforces them.` }, ' ')}</p>
<table id="disclosure">
<thead><tr><th>条款 Clause</th><th>数据 Data</th><th>处理方式 Handling</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>${bilingual({ zh: '您可以请求您的应用导出或删除您的数据。', en: 'You may ask the app to export or delete your data.' }, ' ')}</p>`,
  );
}
