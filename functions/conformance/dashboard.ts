import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

/**
 * `GET /conformance/dashboard`: the operator's evidence page. It holds no data: the operator types the
 * token, and the page's script reads `/conformance`, `/conformance/history`, `/deletion-requests` and
 * `/apps/{sdkAppId}/legal-holds` with it. No external asset; the CSP allows only this page's own inline
 * style and script (by hash) and requests to its own origin.
 */

const STYLE = `body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.25rem;margin:1.6rem 0 .5rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
form{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.4rem 0}label{display:flex;flex-direction:column;font-weight:600;font-size:.9rem}
input{font:inherit;padding:.35rem .5rem;border:1px solid #57606a;border-radius:4px;min-width:16rem}
button{font:inherit;padding:.4rem .9rem;border-radius:4px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b5cad}button:focus-visible,input:focus-visible{outline:3px solid #f0a400;outline-offset:1px}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.92rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}thead th{background:#f3f4f6}
td[data-figure],td[data-seconds]{font-variant-numeric:tabular-nums}tr.overdue{background:#fde8e8}tr.overdue th,tr.overdue td{color:#7a0010;font-weight:600}
.id{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}#status{min-height:1.5rem;margin:.5rem 0;font-weight:600}
#status.error{color:#9b0014}.note{color:#444;font-size:.9rem}svg{max-width:100%;height:auto;border:1px solid #d0d7de;background:#fafbfc}
svg .axis{font-size:11px;fill:#333}`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's Content-Security-Policy: nothing but its own inline style and script, and its own API. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const table = (id: string, caption: string, headers: readonly string[]) => `<table>
<caption>${caption}</caption>
<thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>
<tbody id="${id}"></tbody>
</table>`;

/** The whole page, the same for everyone: no figures until the operator's token fetches them. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Retention conformance dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Retention conformance dashboard</h1>
<p class="note">Operator only. The token stays in this page's memory: it is not stored, and it is sent only as an
<code>Authorization</code> header to this service. Reloading the page forgets it.</p>
<form id="login">
<label for="token">Operator token<input id="token" type="password" autocomplete="off" required></label>
<button type="submit">Show evidence</button>
</form>
<p id="signed-in" hidden><button id="refresh" type="button">Refresh</button> <button id="forget" type="button" class="secondary">Forget token</button></p>
<p id="status" role="status" aria-live="polite"></p>
<div id="evidence" hidden>
<section aria-labelledby="h-now">
<h2 id="h-now">Stored and overdue now</h2>
<p id="conformance-summary"></p>
${table('categories', 'Items stored and overdue for expiry or purge, per category (GET /conformance)', ['Category', 'Stored', 'Overdue', 'Oldest overdue'])}
</section>
<section aria-labelledby="h-history">
<h2 id="h-history">Oldest lingering item over time</h2>
<svg id="chart" viewBox="0 0 640 200" width="640" height="200" role="img" aria-labelledby="chart-title history-summary"><title id="chart-title">Oldest lingering item after each expire run</title><g id="chart-plot"></g></svg>
<p id="history-summary"></p>
</section>
<section aria-labelledby="h-requests">
<h2 id="h-requests">Deletion requests (D3)</h2>
<p id="requests-summary"></p>
${table('by-status', 'Deletion requests by status (GET /deletion-requests)', ['Status', 'Requests', 'Overdue'])}
${table('requests', 'Every deletion request, open ones earliest deadline first, then completed ones', ['App', 'Request', 'Status', 'Received', 'Due', 'Age', 'Deadline'])}
</section>
<section aria-labelledby="h-holds">
<h2 id="h-holds">Active legal holds</h2>
<form id="holds-form">
<label for="app">SdkAppid<input id="app" inputmode="numeric" autocomplete="off" required></label>
<button type="submit">Show holds</button>
</form>
<p id="holds-summary"></p>
${table('holds', 'Active legal holds of the app (GET /apps/{sdkAppId}/legal-holds)', ['Hold', 'Scope', 'Categories', 'Placed', 'Until', 'Reason'])}
</section>
</div>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

/** The answer's headers: the CSP above, and no caching, framing, sniffing or referrer. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
