import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * A counting HTTP proxy in front of DynamoDB Local: every request's operation (from `X-Amz-Target`)
 * is counted, so a benchmark can tell how many round trips a handler made without touching its code.
 * `fault` may answer a request itself (e.g. a throttling error) to inject faults at the wire.
 */
export interface DynamoProxy {
  readonly endpoint: string;
  readonly counts: Map<string, number>;
  reset(): void;
  total(operations?: readonly string[]): number;
  setFault(fault: ((operation: string) => { status: number; body: unknown } | undefined) | undefined): void;
  close(): Promise<void>;
}

export const WRITE_OPERATIONS = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
] as const;

export async function startDynamoProxy(upstreamPort: number): Promise<DynamoProxy> {
  const counts = new Map<string, number>();
  let fault: ((operation: string) => { status: number; body: unknown } | undefined) | undefined;
  const server: Server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() ?? 'unknown';
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const injected = fault?.(operation);
    if (injected) {
      req.resume();
      res.writeHead(injected.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(injected.body));
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    reset: () => counts.clear(),
    total: (operations) =>
      [...counts.entries()]
        .filter(([op]) => !operations || operations.includes(op))
        .reduce((sum, [, n]) => sum + n, 0),
    setFault: (next) => {
      fault = next;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
