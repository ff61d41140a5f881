import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

/**
 * A counting HTTP proxy in front of DynamoDB Local: every request's operation (from `X-Amz-Target`)
 * is counted, so a benchmark can tell how many round trips a handler made without touching its code.
 * `fault` may answer a request itself (e.g. a throttling error) to inject faults at the wire.
 *
 * With `captureCapacity`, it also asks DynamoDB for `ReturnConsumedCapacity: INDEXES` on every data
 * operation (rewriting the request body; DynamoDB Local does not check signatures) and sums the
 * `ConsumedCapacity` of each answer, per table and per index: the capacity a handler consumed,
 * metered by DynamoDB Local's own implementation of the documented rules.
 */
export interface CapacityTotals {
  /** Capacity units by operation (read units for reads, write units for writes). */
  readonly byOperation: Map<string, number>;
  /** Capacity units by `<table>` (base table) and `<table>/<index>`. */
  readonly byTarget: Map<string, number>;
}

export interface DynamoProxy {
  readonly endpoint: string;
  readonly counts: Map<string, number>;
  readonly capacity: CapacityTotals;
  reset(): void;
  total(operations?: readonly string[]): number;
  /** Summed capacity units, optionally of some operations only. */
  capacityUnits(operations?: readonly string[]): number;
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

export const READ_OPERATIONS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'] as const;

const METERED = new Set<string>([...WRITE_OPERATIONS, ...READ_OPERATIONS]);

interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const add = (map: Map<string, number>, key: string, value: number) =>
  map.set(key, (map.get(key) ?? 0) + value);

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startDynamoProxy(
  upstreamPort: number,
  options: { captureCapacity?: boolean } = {},
): Promise<DynamoProxy> {
  const counts = new Map<string, number>();
  const capacity: CapacityTotals = { byOperation: new Map(), byTarget: new Map() };
  let fault: ((operation: string) => { status: number; body: unknown } | undefined) | undefined;

  function meter(operation: string, body: Buffer) {
    let parsed: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    const consumed = parsed.ConsumedCapacity;
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const table = entry.TableName ?? 'unknown';
      add(capacity.byOperation, operation, entry.CapacityUnits ?? 0);
      add(capacity.byTarget, table, entry.Table?.CapacityUnits ?? 0);
      for (const [index, units] of Object.entries({
        ...entry.GlobalSecondaryIndexes,
        ...entry.LocalSecondaryIndexes,
      })) {
        add(capacity.byTarget, `${table}/${index}`, units.CapacityUnits ?? 0);
      }
    }
  }

  const server: Server = createServer(async (req, res) => {
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
    const metered = options.captureCapacity === true && METERED.has(operation);
    let body = await readBody(req);
    const headers = { ...req.headers };
    if (metered) {
      const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      body = Buffer.from(JSON.stringify(input), 'utf8');
      headers['content-length'] = String(body.length);
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers },
      async (upstreamRes) => {
        if (!metered) {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          return;
        }
        const answer = await readBody(upstreamRes);
        if (upstreamRes.statusCode === 200) meter(operation, answer);
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        res.end(answer);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    capacity,
    reset: () => {
      counts.clear();
      capacity.byOperation.clear();
      capacity.byTarget.clear();
    },
    total: (operations) =>
      [...counts.entries()]
        .filter(([op]) => !operations || operations.includes(op))
        .reduce((sum, [, n]) => sum + n, 0),
    capacityUnits: (operations) =>
      [...capacity.byOperation.entries()]
        .filter(([op]) => !operations || operations.includes(op))
        .reduce((sum, [, n]) => sum + n, 0),
    setFault: (next) => {
      fault = next;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
