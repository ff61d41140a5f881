import { bilingual, escapeHtml, htmlPage } from '../../lib/http/html.js';
import { CATEGORIES, CATEGORY_IDS, type Category } from '../../lib/policy/categories.js';
import { CLAUSES } from '../../lib/policy/clauses.js';
import { DEFAULT_MINIMUM_AGE, MINIMUM_AGES } from '../../lib/policy/minimum-ages.js';
import { POLICY_VERSION } from '../../lib/policy/policy-document.js';

export function retentionText(category: Category): { en: string; zh: string } {
  const retention = category.retention;
  switch (retention.kind) {
    case 'days':
      return { en: `${retention.days} days`, zh: `${retention.days} 天` };
    case 'monthsAfterTermination':
      return {
        en: `while the service is used; deleted ${retention.months} calendar months after termination`,
        zh: `使用服务期间保存；终止服务后 ${retention.months} 个月删除`,
      };
    case 'customerSet':
      return {
        en: `not stored, or the period the customer sets (${retention.minDays}–${retention.maxDays} days); ${retention.defaultDays} days by default`,
        zh: `不存储，或按客户设置的期限（${retention.minDays}–${retention.maxDays} 天）保存；默认 ${retention.defaultDays} 天`,
      };
  }
}

/** `GET /privacy`: the retention schedule in Chinese and English, rendered from lib/policy. */
export function renderPrivacyPage(): string {
  const rows = CATEGORY_IDS.map((id) => {
    const category = CATEGORIES[id];
    const retention = retentionText(category);
    return `<tr data-category="${id}" data-clause="${category.clause}">
  <td>${category.clause}</td>
  <td>${bilingual(category.name)}</td>
  <td>${bilingual(category.purpose)}</td>
  <td class="retention">${bilingual({
    zh: `${retention.zh}；删除后备份中最多保留 ${category.backup.restorableDays} 天`,
    en: `${retention.en}; restorable from backups for up to ${category.backup.restorableDays} days after deletion`,
  })}</td>
</tr>`;
  }).join('\n');
  const clauses = Object.values(CLAUSES)
    .map(
      (clause) =>
        `<li id="${clause.id}"><strong>${clause.id}</strong> ${bilingual({
          zh: `${clause.title.zh}：${clause.rule.zh}`,
          en: `${clause.title.en}: ${clause.rule.en}`,
        })}</li>`,
    )
    .join('\n');
  return htmlPage(
    '即时通信数据保存期限 · IM data retention',
    `<h1><span lang="zh">数据保存期限</span> · <span lang="en">Data retention schedule</span></h1>
<p><span lang="zh">版本</span> / <span lang="en">Version</span> ${POLICY_VERSION}</p>
<table id="retention">
<thead><tr><th>条款 Clause</th><th>类别 Category</th><th>目的 Purpose</th><th>保存期限 Retention</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2><span lang="zh">条款</span> · <span lang="en">Clauses</span></h2>
<ul id="clauses">
${clauses}
</ul>
${minimumAgeTable()}`,
  );
}

/** D4: the minimum age of digital consent per jurisdiction, with the law (or guidance) that sets it. */
function minimumAgeTable(): string {
  const rows = Object.entries(MINIMUM_AGES)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([code, entry]) =>
        `<tr data-jurisdiction="${code}"><td>${code}</td><td class="age">${entry.age}</td><td>${escapeHtml(entry.source)}</td></tr>`,
    )
    .join('\n');
  return `<h2 id="D4-ages"><span lang="zh">数字同意最低年龄</span> · <span lang="en">Minimum age of digital consent</span></h2>
<p>${bilingual({
    zh: `低于该年龄的终端用户须经监护人同意。表中未列出的法域：${DEFAULT_MINIMUM_AGE.age} 岁（GDPR 第 8(1) 条）。`,
    en: `Below this age an end user's consent counts only with parental consent. Jurisdictions not listed: ${DEFAULT_MINIMUM_AGE.age} (GDPR art. 8(1)).`,
  })}</p>
<table id="minimum-ages">
<thead><tr><th>法域 Jurisdiction</th><th>年龄 Age</th><th>依据 Source</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}
