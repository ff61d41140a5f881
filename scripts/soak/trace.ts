import type { RequestObserver } from '../dynamo-proxy.js';

/**
 * Which writes reached each personal item, by partition key: when the final check finds an item missing,
 * its trace says what deleted it (DeleteItem: a recall; BatchWriteItem: the expiry job or the deletion
 * worker; UpdateItem: a recall under a legal hold, or a move to a held bucket) and under which fault.
 */
const WRITES = new Set(['PutItem', 'DeleteItem', 'UpdateItem', 'BatchWriteItem']);

export function createWriteTrace(table: string, startedAt: number) {
  const traces = new Map<string, string[]>();
  const note = (pk: unknown, entry: string) => {
    if (typeof pk !== 'string') return;
    const list = traces.get(pk) ?? [];
    if (list.length < 20) list.push(entry);
    traces.set(pk, list);
  };
  const observer: RequestObserver = (operation, body, fault) => {
    if (!WRITES.has(operation)) return;
    const text = body.toString('utf8');
    if (!text.includes(table)) return;
    // The DynamoDB JSON wire format, read loosely: only pk values are picked out.
    // biome-ignore lint/suspicious/noExplicitAny: an untyped wire document
    let request: any;
    try {
      request = JSON.parse(text);
    } catch {
      return;
    }
    const at = `+${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
    const label = (op: string) => `${at} ${op}${fault === 'none' ? '' : ` (${fault})`}`;
    if (operation === 'BatchWriteItem') {
      for (const write of request.RequestItems?.[table] ?? []) {
        if (write.DeleteRequest) note(write.DeleteRequest.Key?.pk?.S, label('BatchWriteItem delete'));
        if (write.PutRequest) note(write.PutRequest.Item?.pk?.S, label('BatchWriteItem put'));
      }
      return;
    }
    const pk = operation === 'PutItem' ? request.Item?.pk?.S : request.Key?.pk?.S;
    const detail =
      operation === 'UpdateItem' ? ` ${String(request.UpdateExpression ?? '').slice(0, 60)}` : '';
    note(pk, label(`${operation}${detail}`));
  };
  return { observer, of: (pk: string) => traces.get(pk) ?? [] };
}
