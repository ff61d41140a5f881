/**
 * Content negotiation for routes that answer JSON by default and HTML on request (RFC 9110 §12.5.1):
 * the most specific media range that matches a type gives its q-value.
 */

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').flatMap((part) => {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) return [];
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) && q >= 0 && q <= 1 ? [{ type, subtype, q }] : [];
  });
}

/** The q-value `accepted` gives `mediaType` (`type/subtype`): the most specific matching range's, else 0. */
function qualityOf(accepted: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } = { specificity: -1, q: 0 };
  for (const range of accepted) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

/**
 * Whether an `Accept` header prefers `text/html` to `application/json`: strictly, so a missing header,
 * `*\/*` and a tie all answer JSON, and a browser's navigation (`text/html,…,*\/*;q=0.8`) answers HTML.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return false;
  const accepted = parseAccept(accept);
  return qualityOf(accepted, 'text/html') > qualityOf(accepted, 'application/json');
}
