import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy between the functions and DynamoDB Local. Every request's operation
 * (from `X-Amz-Target`) goes through `decide`, which may let it pass, answer it with a DynamoDB error
 * (throttling, 5xx) without forwarding, forward it and then answer an error anyway (the write landed but
 * the caller cannot know: an ambiguous write), or hold it for a while first (a hung connection).
 * While the upstream is down (a DynamoDB Local restart) requests get 502, as a load balancer would answer.
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

export interface FaultProxy {
  readonly endpoint: string;
  readonly port: number;
  /** Faults injected so far, by kind (`error:ThrottlingException`, `delay`, `upstreamDown`, ...). */
  readonly injected: Map<string, number>;
  readonly forwarded: () => number;
  setDecider(decider: FaultDecider | undefined): void;
  setObserver(observer: RequestObserver | undefined): void;
  close(): Promise<void>;
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

export async function startFaultProxy(upstreamPort: number, listenPort = 0): Promise<FaultProxy> {
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

  const server: Server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() || 'unknown';
    const fault = decider?.(operation);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      observer?.(operation, body, fault?.kind ?? 'none');
      if (fault?.kind === 'error') {
        count(`error:${fault.type.split('#')[1]}`);
        answerError(res, fault);
        return;
      }
      const forward = () => {
        forwarded += 1;
        const upstream = httpRequest(
          { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
          (upstreamRes) => {
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
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
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
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
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
