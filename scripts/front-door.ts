import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { pipeline } from 'node:stream';
import { ROUTES } from '../lib/http/routes.js';

/**
 * Why the local stack bounds concurrency: serverless-offline starts one worker thread per concurrent
 * invocation of a function (a new "instance" whenever none is idle), and every new thread imports the
 * function's bundle afresh. Under 50 concurrent callbacks on a 2-core machine that is some 50 cold
 * starts at once: measured on `npm start`, 88 callbacks/s with p99 5.5 s and Lambda timeouts at
 * concurrency 50 against 394/s at 8 (bench/README.md, "Local stack under concurrency"). Lambda bounds an
 * instance to one invocation at a time too, but has the machines for it; here, at most `limit`
 * invocations of one route (or invoked function) run at once and the rest wait in line, as they would
 * for a function with reserved concurrency, so instances stay warm and the machine does work instead of
 * imports.
 */
export class ConcurrencyLimit {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  admitted = 0;
  /** Invocations that had to wait for a free slot, and how long they waited in total. */
  queued = 0;
  waitedMs = 0;
  longestQueue = 0;
  /** Most invocations that ever ran at once (never above `limit`). */
  peakActive = 0;

  constructor(readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      const since = performance.now();
      this.queued += 1;
      await new Promise<void>((resolveSlot) => {
        this.#waiting.push(resolveSlot);
        this.longestQueue = Math.max(this.longestQueue, this.#waiting.length);
      });
      this.waitedMs += performance.now() - since;
    } else {
      this.#active += 1;
    }
    this.peakActive = Math.max(this.peakActive, this.#active);
    this.admitted += 1;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}

/** What one limit saw: how often the line formed, and how long it kept invocations waiting. */
export interface LimitReport {
  readonly key: string;
  readonly limit: number;
  readonly admitted: number;
  readonly queued: number;
  readonly meanWaitMs: number;
  readonly longestQueue: number;
  readonly peakActive: number;
}

/** One ConcurrencyLimit per key (an HTTP route, or `invoke <function>`), made on first use. */
export class ConcurrencyLimits {
  readonly #limits = new Map<string, ConcurrencyLimit>();

  constructor(readonly perKey: number) {}

  of(key: string): ConcurrencyLimit {
    let limit = this.#limits.get(key);
    if (!limit) {
      limit = new ConcurrencyLimit(this.perKey);
      this.#limits.set(key, limit);
    }
    return limit;
  }

  report(): LimitReport[] {
    return [...this.#limits.entries()].map(([key, l]) => ({
      key,
      limit: l.limit,
      admitted: l.admitted,
      queued: l.queued,
      meanWaitMs: l.queued === 0 ? 0 : Math.round(l.waitedMs / l.queued),
      longestQueue: l.longestQueue,
      peakActive: l.peakActive,
    }));
  }
}

const ROUTE_PATTERNS = ROUTES.map((route) => ({
  key: `${route.method} ${route.path}`,
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The route a request is for (`POST /im/callback`, `GET /apps/{sdkAppId}`), or `other`. */
export function routeOf(method: string, url: string): string {
  const path = url.split('?')[0] ?? '/';
  return ROUTE_PATTERNS.find((r) => r.method === method && r.pattern.test(path))?.key ?? 'other';
}

/**
 * The stack's HTTP port: passes every request through to serverless-offline's own port unchanged, at
 * most `limits.perKey` at once per route.
 */
export function startFrontDoor(
  listenPort: number,
  upstreamPort: number,
  limits: ConcurrencyLimits,
): Promise<Server> {
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    // A client that hangs up (while waiting in line, or mid-answer) frees its slot and ends its upstream call.
    let abandon: (() => void) | undefined;
    let gone = false;
    res.once('close', () => {
      gone = true;
      abandon?.();
    });
    void limits.of(routeOf(method, path)).run(
      () =>
        new Promise<void>((done) => {
          if (gone) return done();
          const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = req.headers;
          const upstream = httpRequest(
            { host: '127.0.0.1', port: upstreamPort, path, method, headers, agent },
            (upstreamRes) => {
              const { connection: _c, 'keep-alive': _k, ...answerHeaders } = upstreamRes.headers;
              res.writeHead(upstreamRes.statusCode ?? 502, answerHeaders);
              pipeline(upstreamRes, res, () => done());
            },
          );
          abandon = () => {
            upstream.destroy();
            done();
          };
          upstream.once('error', () => {
            if (res.headersSent) res.destroy();
            else {
              res.writeHead(502, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ message: 'the local HTTP runtime is not answering' }));
            }
            done();
          });
          req.pipe(upstream);
        }),
    );
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolveServer(server));
  });
}
