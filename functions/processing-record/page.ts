import { bilingual, escapeHtml, htmlPage } from '../../lib/http/html.js';
import type {
  ProcessingActivity,
  ProcessingRecord,
  RecordRetention,
  SensitiveDataHandling,
} from '../../lib/policy/processing-record.js';

/**
 * The record of processing as a page in Chinese and English: one table per category, one row per
 * art. 30 heading, every value from the same record the JSON answer carries.
 */
type Text = { zh: string; en: string };

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

function retentionText(retention: RecordRetention): Text {
  switch (retention.kind) {
    case 'days':
      return { zh: `${retention.days} 天`, en: plural(retention.days, 'day') };
    case 'monthsAfterTermination':
      return retention.purgeAt === null
        ? {
            zh: `使用服务期间保存；终止服务后 ${retention.months} 个月删除`,
            en: `while the service is used; deleted ${retention.months} calendar months after termination`,
          }
        : { zh: `于 ${retention.purgeAt} 删除`, en: `deleted at ${retention.purgeAt}` };
    case 'customerSet':
      return {
        zh: `${retention.days} 天（${retention.isDefault ? '默认' : '客户设置'}）`,
        en: `${plural(retention.days, 'day')} (${retention.isDefault ? 'default' : 'set by the customer'})`,
      };
    case 'notStored':
      return { zh: '不存储', en: 'not stored' };
  }
}

const STORAGE: Record<ProcessingActivity['storage']['reason'], Record<'stored' | 'notStored', Text>> = {
  policy: {
    stored: { zh: '存储（政策规定）', en: 'stored (fixed by the policy)' },
    notStored: { zh: '不存储', en: 'not stored' },
  },
  setting: {
    stored: { zh: '存储（应用设置）', en: "stored (the app's setting)" },
    notStored: {
      zh: '不存储：仅在传递时处理（应用设置）',
      en: "not stored: processed only in transit (the app's setting)",
    },
  },
  dataCentre: {
    stored: { zh: '存储', en: 'stored' },
    notStored: {
      zh: '不在此处存储：应用的数据中心不是本部署的（P1）',
      en: "not stored here: the app's data centre is not this deployment's (P1)",
    },
  },
};

const D5: Record<SensitiveDataHandling, Text> = {
  notApplicable: { zh: '不适用（不含消息内容）', en: 'not applicable (no content)' },
  notChecked: { zh: '不检查', en: 'not checked' },
  flagged: { zh: '检测到时标记后存储', en: 'stored marked when detected' },
  masked: { zh: '检测到的值在存储前被遮盖', en: 'detected values masked before storage' },
  rejected: {
    zh: '含敏感数据的消息被拒绝，不存储',
    en: 'messages with sensitive data refused, never stored',
  },
};

const CONSENT: Record<ProcessingActivity['consent'], Text> = {
  notApplicable: { zh: '不适用', en: 'not applicable' },
  notRequired: { zh: '不要求（由客户负责，D6）', en: "not required by the app (the customer's duty, D6)" },
  required: {
    zh: '要求：仅在账号有有效同意时存储（D6）',
    en: 'required: stored only while the account has an active consent (D6)',
  },
};

const LEGAL_BASIS: Record<ProcessingActivity['legalBasis'], Text> = {
  performanceOfContract: { zh: '履行合同', en: 'performance of the contract' },
  customerInstruction: {
    zh: '按客户（控制者）的指示',
    en: 'on the instruction of the customer (controller)',
  },
};

const SUBJECTS: Record<ProcessingActivity['dataSubjects'], Text> = {
  endUsers: { zh: '应用的终端用户', en: "the app's end users" },
  customer: { zh: '客户（应用及其调用方）', en: 'the customer (the app and its callers)' },
};

function measuresText(activity: ProcessingActivity): Text {
  const days = activity.technicalMeasures.backups.restorableDays;
  return {
    zh: `静态加密（AWS KMS）；传输加密（TLS）；每个函数独立的访问权限；日志中账号仅以密钥哈希出现；删除后备份中最多保留 ${days} 天`,
    en: `encrypted at rest (AWS KMS); in transit (TLS); one access role per function; accounts only as keyed hashes in logs; restorable from backups for at most ${plural(days, 'day')} after deletion`,
  };
}

function recipientsText(activity: ProcessingActivity): Text {
  if (activity.recipients.length === 0) return { zh: '无第三方接收方', en: 'no third-party recipient' };
  return {
    zh: activity.recipients.map((r) => `${r.name.zh}（${r.clause}：客户已同意并开通）`).join('；'),
    en: activity.recipients.map((r) => `${r.name.en} (${r.clause}: agreed and subscribed)`).join('; '),
  };
}

/** A value the same in both languages (an id, a date, a data centre) is written once. */
const cell = (value: Text) => (value.zh === value.en ? escapeHtml(value.en) : bilingual(value));

const row = (field: string, heading: Text, value: Text) =>
  `<tr data-field="${field}"><th scope="row">${bilingual(heading, ' · ')}</th><td>${cell(value)}</td></tr>`;

function section(activity: ProcessingActivity): string {
  const rows = [
    row('dataSubjects', { zh: '数据主体', en: 'Data subjects' }, SUBJECTS[activity.dataSubjects]),
    row(
      'fields',
      { zh: '数据项', en: 'Data' },
      { zh: activity.fields.join(', '), en: activity.fields.join(', ') },
    ),
    row('purpose', { zh: '目的', en: 'Purpose' }, activity.purpose),
    row('legalBasis', { zh: '法律依据', en: 'Legal basis' }, LEGAL_BASIS[activity.legalBasis]),
    row('retention', { zh: '保存期限', en: 'Retention' }, retentionText(activity.retention)),
    row(
      'storage',
      { zh: '存储方式', en: 'Storage' },
      STORAGE[activity.storage.reason][activity.storage.mode],
    ),
    row(
      'location',
      { zh: '位置（数据中心）', en: 'Location (data centre)' },
      { zh: activity.location.dataCenter, en: activity.location.dataCenter },
    ),
    row('recipients', { zh: '接收方', en: 'Recipients' }, recipientsText(activity)),
    row(
      'sensitiveData',
      { zh: '敏感数据（D5）', en: 'Sensitive data (D5)' },
      D5[activity.sensitiveData.handling],
    ),
    row('consent', { zh: '同意', en: 'Consent' }, CONSENT[activity.consent]),
    row('technicalMeasures', { zh: '技术措施', en: 'Technical measures' }, measuresText(activity)),
  ].join('\n');
  return `<section data-category="${activity.id}" aria-labelledby="category-${activity.id}">
<h2 id="category-${activity.id}">${activity.clause} ${bilingual(activity.name, ' · ')}</h2>
<table>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

function lifecycleText(record: ProcessingRecord): Text {
  if (record.app.status === 'active') return { zh: '使用中', en: 'active' };
  return {
    zh: `已于 ${record.app.terminatedAt} 终止；全部数据于 ${record.app.purgeAt} 清除`,
    en: `terminated at ${record.app.terminatedAt}; everything is purged at ${record.app.purgeAt}`,
  };
}

/** `GET /apps/{sdkAppId}/processing-record` with `Accept: text/html`. */
export function renderProcessingRecord(record: ProcessingRecord): string {
  const { controller, app } = record;
  const name = escapeHtml(controller.appName);
  const facts = [
    row(
      'controller',
      { zh: '控制者（客户的应用）', en: "Controller (the customer's app)" },
      {
        zh: `${controller.appName}（SDKAppID ${controller.sdkAppId}）`,
        en: `${controller.appName} (SDKAppID ${controller.sdkAppId})`,
      },
    ),
    row('status', { zh: '状态', en: 'Status' }, lifecycleText(record)),
    row(
      'dataCenter',
      { zh: '数据中心（P1）', en: 'Data centre (P1)' },
      {
        zh: `${app.dataCenter}${app.residentHere ? '' : `（本部署：${app.deploymentDataCenter}）`}`,
        en: `${app.dataCenter}${app.residentHere ? '' : ` (this deployment: ${app.deploymentDataCenter})`}`,
      },
    ),
    row(
      'policyVersion',
      { zh: '政策版本', en: 'Policy version' },
      { zh: record.policyVersion, en: record.policyVersion },
    ),
    row(
      'generatedAt',
      { zh: '生成时间', en: 'Generated at' },
      { zh: record.generatedAt, en: record.generatedAt },
    ),
  ].join('\n');
  return htmlPage(
    `${controller.appName} · 处理活动记录 · Record of processing`,
    `<h1>${name}: <span lang="zh">处理活动记录</span> · <span lang="en">record of processing activities</span></h1>
<p>${bilingual(
      {
        zh: '本服务作为处理者为该应用处理数据的记录（GDPR 第 30 条第 2 款），按当前生效的设置生成。',
        en: 'What this service processes as processor for the app (GDPR art. 30(2)), generated from the settings in force.',
      },
      ' ',
    )}</p>
<table id="facts">
<tbody>
${facts}
</tbody>
</table>
${record.categories.map(section).join('\n')}`,
  );
}
