import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Invocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
  readonly payload: Record<string, unknown>;
}

type Runner = (invocation: Invocation) => Promise<unknown>;

/**
 * A stand-in for the Lambda Invoke API (what serverless-offline serves locally): records each
 * invocation and, while `mode` is 'run', runs it in-process after answering 202 like Lambda's
 * asynchronous invoke. 'queue' answers 202 and runs nothing; 'fail' answers 500.
 */
export async function startLambdaEndpoint(run: Runner) {
  const invocations: Invocation[] = [];
  const running: Promise<unknown>[] = [];
  const state = { mode: 'run' as 'run' | 'queue' | 'fail' };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
      if (!match || state.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Message: 'injected failure' }));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const invocation: Invocation = {
        functionName: decodeURIComponent(match[1] ?? ''),
        invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
        payload: text ? JSON.parse(text) : {},
      };
      invocations.push(invocation);
      res.writeHead(202);
      res.end();
      if (state.mode === 'run') running.push(run(invocation).catch((error) => error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    state,
    /** Waits for every in-process run started so far. */
    settled: () => Promise.all(running),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
