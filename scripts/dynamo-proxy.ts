import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The one HTTP proxy in front of DynamoDB Local, for the soak, the crash test and the benchmarks. It
 * counts every request by operation (from `X-Amz-Target`), so a benchmark can tell how many round trips
 * a handler made without touching its code. Each request goes through `decide`, which may let it pass,
 * answer it with a DynamoDB error (throttling, 5xx) without forwarding, forward it and then answer an
 * error anyway (the write landed but the caller cannot know: an ambiguous write), or hold it for a while
 * first (a hung connection). While the upstream is down (a DynamoDB Local restart) requests get 502, as a
 * load balancer would answer.
 *
 * With `captureCapacity`, it asks DynamoDB for `ReturnConsumedCapacity: INDEXES` on every data
 * operation (rewriting the request body; DynamoDB Local does not check signatures) and sums the
 * `ConsumedCapacity` of each answer, per table and per index: the capacity a handler consumed, metered
 * by DynamoDB Local's own implementation of the documented rules.
 */
export type Fault =
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  | {
      readonly kind: 'errorAfterForward';
      readonly status: number;
      readonly type: string;
      readonly message: string;
    }
  | { readonly kind: 'delay'; readonly ms: number };

export type FaultDecider = (operation: string) => Fault | undefined;

/** Sees every request (its operation, body and the fault it got, if any): for tracing what touched an item. */
export type RequestObserver = (operation: string, body: Buffer, fault: Fault['kind'] | 'none') => void;

export interface CapacityTotals {
  /** Capacity units by operation (read units for reads, write units for writes). */
  readonly byOperation: Map<string, number>;
  /** Capacity units by `<table>` (base table) and `<table>/<index>`. */
  readonly byTarget: Map<string, number>;
}

export interface DynamoProxy {
  readonly endpoint: string;
  readonly port: number;
  /** Requests by operation since the start (or the last `reset()`). */
  readonly counts: Map<string, number>;
  readonly capacity: CapacityTotals;
  reset(): void;
  /** Requests counted, optionally of some operations only. */
  total(operations?: readonly string[]): number;
  /** Summed capacity units (with `captureCapacity`), optionally of some operations only. */
  capacityUnits(operations?: readonly string[]): number;
  /** Faults injected so far, by kind (`error:ThrottlingException`, `delay`, `upstreamDown`, ...). */
  readonly injected: Map<string, number>;
  readonly forwarded: () => number;
  setDecider(decider: FaultDecider | undefined): void;
  setObserver(observer: RequestObserver | undefined): void;
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

const sumOf = (map: Map<string, number>, operations?: readonly string[]) =>
  [...map.entries()]
    .filter(([op]) => !operations || operations.includes(op))
    .reduce((sum, [, n]) => sum + n, 0);

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function meter(capacity: CapacityTotals, operation: string, answer: Buffer): void {
  let parsed: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
  try {
    parsed = JSON.parse(answer.toString('utf8'));
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

const AMZ_JSON = 'application/x-amz-json-1.0';

export const THROTTLING: Omit<Fault & { kind: 'error' }, 'kind'> = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
};
export const PROVISIONED_EXCEEDED: Omit<Fault & { kind: 'error' }, 'kind'> = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded.',
};
export const INTERNAL_ERROR: Omit<Fault & { kind: 'error' }, 'kind'> = {
  status: 500,
  type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'Internal server error',
};
export const SERVICE_UNAVAILABLE: Omit<Fault & { kind: 'error' }, 'kind'> = {
  status: 503,
  type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable',
  message: 'Service unavailable',
};

export async function startDynamoProxy(
  upstreamPort: number,
  options: { listenPort?: number; captureCapacity?: boolean } = {},
): Promise<DynamoProxy> {
  const counts = new Map<string, number>();
  const capacity: CapacityTotals = { byOperation: new Map(), byTarget: new Map() };
  const injected = new Map<string, number>();
  let forwarded = 0;
  let decider: FaultDecider | undefined;
  let observer: RequestObserver | undefined;
  const count = (key: string) => injected.set(key, (injected.get(key) ?? 0) + 1);
  const sockets = new Set<Socket>();

  const answerError = (
    res: import('node:http').ServerResponse,
    fault: { status: number; type: string; message: string },
  ) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(fault.status, {
      'content-type': AMZ_JSON,
      'x-amzn-errortype': fault.type.split('#')[1] ?? '',
    });
    res.end(JSON.stringify({ __type: fault.type, message: fault.message }));
  };

  const server: Server = createServer(async (req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() || 'unknown';
    add(counts, operation, 1);
    const fault = decider?.(operation);
    let body = await readBody(req);
    observer?.(operation, body, fault?.kind ?? 'none');
    if (fault?.kind === 'error') {
      count(`error:${fault.type.split('#')[1]}`);
      answerError(res, fault);
      return;
    }
    const metered = options.captureCapacity === true && METERED.has(operation);
    const headers = { ...req.headers };
    if (metered) {
      const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      body = Buffer.from(JSON.stringify(input), 'utf8');
      headers['content-length'] = String(body.length);
    }
    const forward = () => {
      forwarded += 1;
      const upstream = httpRequest(
        { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers },
        async (upstreamRes) => {
          if (fault?.kind === 'errorAfterForward') {
            upstreamRes.resume();
            upstreamRes.on('end', () => {
              count(`errorAfterForward:${fault.type.split('#')[1]}`);
              answerError(res, fault);
            });
            return;
          }
          if (res.destroyed) {
            upstreamRes.resume();
            return;
          }
          if (!metered) {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
            return;
          }
          const answer = await readBody(upstreamRes);
          if (upstreamRes.statusCode === 200) meter(capacity, operation, answer);
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          res.end(answer);
        },
      );
      upstream.on('error', () => {
        count('upstreamDown');
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('upstream unavailable');
        }
      });
      upstream.end(body);
    };
    if (fault?.kind === 'delay') {
      count('delay');
      setTimeout(forward, fault.ms);
    } else {
      forward();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(options.listenPort ?? 0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    counts,
    capacity,
    reset: () => {
      counts.clear();
      capacity.byOperation.clear();
      capacity.byTarget.clear();
    },
    total: (operations) => sumOf(counts, operations),
    capacityUnits: (operations) => sumOf(capacity.byOperation, operations),
    injected,
    forwarded: () => forwarded,
    setDecider: (next) => {
      decider = next;
    },
    setObserver: (next) => {
      observer = next;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
}
