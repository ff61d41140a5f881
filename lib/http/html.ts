/**
 * The HTML every server-rendered page shares (the public pages, the record of processing): escaping,
 * and a bilingual document with one `main` landmark.
 */
export const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Chinese then English, each marked with its language. */
export const bilingual = (text: { zh: string; en: string }, separator = '<br>') =>
  `<span lang="zh">${escapeHtml(text.zh)}</span>${separator}<span lang="en">${escapeHtml(text.en)}</span>`;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}span[lang=en]{color:#444}`;

/** A complete page: `title` in the head, `content` inside the page's only `main` landmark. */
export function htmlPage(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}
