import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import { loadEnvironment, tableEnvironment } from '../lib/config.js';
import { ConfigurationError } from '../lib/errors.js';
import { generateReceiptSigningKey, receiptSigningKey } from '../lib/evidence/receipt-signature.js';
import { createDynamoClient } from '../lib/store/dynamo.js';
import { createMissingTables, TABLE_KEYS } from '../lib/store/tables.js';
import { freePort, type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { ConcurrencyLimits, type LimitReport, startFrontDoor } from './front-door.js';

export const SERVICE = 'im-retention';
export const STAGE = 'local';
const FUNCTION_NAME_PREFIX = `${SERVICE}-${STAGE}-`;

export interface LocalStackOptions {
  readonly port: number;
  readonly lambdaPort: number;
  readonly dynamodbPort: number;
  /** Where DynamoDB Local keeps its data; undefined keeps it in memory. */
  readonly dataDir: string | undefined;
  readonly operatorToken: string;
  readonly auditHmacKey: string;
  /** Ed25519 PKCS#8 DER, base64url (lib/evidence/receipt-signature.ts); default: a new one per start. */
  readonly receiptSigningKey?: string;
  readonly dataCenter: string;
  readonly extraEnv?: Record<string, string>;
  readonly log?: (line: string) => void;
  readonly quiet?: boolean;
  /** At most this many invocations of one route or function at once (front-door.ts); default LOCAL_CONCURRENCY or 2 per core. */
  readonly concurrency?: number;
}

export interface LocalStack {
  readonly httpUrl: string;
  readonly lambdaUrl: string;
  readonly dynamodbEndpoint: string;
  readonly tables: Record<string, string>;
  /** Per route and invoked function: how often invocations waited for a free slot, and how long. */
  concurrencyReport(): LimitReport[];
  /** serverless-offline's process group (its worker threads, esbuild): for the soak's CPU account. */
  readonly runtimeProcessGroup: number | undefined;
  stop(): Promise<void>;
}

export const localTableNames = () =>
  Object.fromEntries(TABLE_KEYS.map((key) => [key, `${SERVICE}-${STAGE}-${key}`])) as Record<
    (typeof TABLE_KEYS)[number],
    string
  >;

/**
 * The Lambda Invoke API on `lambdaPort`, by serverless.yml key (`purge`) or deployed name
 * (`im-retention-local-purge`): a thin proxy in front of serverless-offline's own invoke port,
 * which only knows deployed names.
 *
 * serverless-offline starts an asynchronous (`Event`) invocation without awaiting it, so a handler
 * that throws there ends the whole process and every route with it. On AWS that is one failed
 * invocation; so here too: the proxy accepts an `Event` invocation at once (202, as Lambda does), runs it
 * synchronously upstream, and writes one line to `onFailure` when it fails. A failure is never answered
 * with a stack trace: the error payload keeps only `errorType` and `errorMessage`.
 */
function startInvokeProxy(
  listenPort: number,
  offlinePort: number,
  limits: ConcurrencyLimits,
  onFailure: (line: string) => void,
): Promise<Server> {
  const server = createServer((req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '/');
    const name = match?.[1] ?? '';
    const deployedName = name.startsWith(FUNCTION_NAME_PREFIX) ? name : FUNCTION_NAME_PREFIX + name;
    const path = match
      ? (req.url ?? '/').replace(match[0], `/2015-03-31/functions/${deployedName}/invocations`)
      : req.url;
    const asynchronous = req.headers['x-amz-invocation-type'] === 'Event';
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (asynchronous) {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('');
      }
      void limits.of(`invoke ${name}`).run(() => forward());
    });
    const forward = () =>
      new Promise<void>((done) => {
        const headers = { ...req.headers, 'x-amz-invocation-type': 'RequestResponse' };
        delete headers['content-length'];
        const upstream = httpRequest(
          { host: '127.0.0.1', port: offlinePort, path, method: req.method, headers },
          (upstreamRes) => {
            const body: Buffer[] = [];
            upstreamRes.on('data', (chunk: Buffer) => body.push(chunk));
            upstreamRes.once('error', () => done());
            upstreamRes.once('close', () => done());
            upstreamRes.on('end', () => {
              done();
              const failed = upstreamRes.headers['x-amz-function-error'] !== undefined;
              const payload = failed ? functionError(Buffer.concat(body).toString()) : Buffer.concat(body);
              if (failed) {
                // functionError always answers JSON with both fields.
                const { errorType, errorMessage } = JSON.parse(payload.toString()) as Record<string, string>;
                onFailure(
                  `${name}: ${asynchronous ? 'asynchronous ' : ''}invocation failed: ${errorType}: ${errorMessage}`,
                );
              }
              if (asynchronous) return;
              const { 'transfer-encoding': _chunked, ...responseHeaders } = upstreamRes.headers;
              responseHeaders['content-length'] = String(payload.length);
              res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
              res.end(payload);
            });
          },
        );
        upstream.on('error', () => {
          done();
          if (asynchronous) {
            onFailure(`${name}: asynchronous invocation failed: the local Lambda runtime is not answering`);
            return;
          }
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ Message: 'the local Lambda runtime is not answering' }));
        });
        upstream.end(Buffer.concat(chunks));
      });
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolveServer(server));
  });
}

/** LOCAL_CONCURRENCY: a whole number of at least 1 (default 2 per core); anything else refuses to start. */
function localConcurrency(value: string | undefined): number {
  if (value === undefined || value === '') return 2 * availableParallelism();
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new ConfigurationError(`LOCAL_CONCURRENCY must be a whole number of at least 1 (got ${value})`);
  }
  return parsed;
}

/** serverless-offline's error payload without its stack trace: `{errorType, errorMessage}`, as Lambda answers. */
function functionError(raw: string): Buffer {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    // not JSON: keep nothing of it but the fact that it failed
  }
  const errorMessage =
    typeof parsed.errorMessage === 'string' ? parsed.errorMessage.split('\n')[0] : 'the function failed';
  const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : 'Error';
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serverless offline exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Refuses to start a stack whose functions would fail at import: every function checks the same
 * environment (lib/config.ts) at cold start, so it is checked here once, before anything starts, with
 * what to do about it.
 */
function checkLocalEnvironment(options: LocalStackOptions): void {
  for (const [name, port] of [
    ['PORT', options.port],
    ['LAMBDA_PORT', options.lambdaPort],
    ['DYNAMODB_PORT', options.dynamodbPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new ConfigurationError(`${name} must be a port number from 1 to 65535 (got ${String(port)})`);
    }
  }
  const tables = localTableNames();
  try {
    loadEnvironment({
      DATA_CENTER: options.dataCenter,
      OPERATOR_TOKEN: options.operatorToken,
      AUDIT_HMAC_KEY: options.auditHmacKey,
      RECEIPT_SIGNING_KEY: options.receiptSigningKey,
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${options.dynamodbPort}`,
      LAMBDA_ENDPOINT: `http://127.0.0.1:${options.lambdaPort}`,
      // serverless.yml's local stage takes these from the shell.
      EXPIRY_INDEX_SHARDS: process.env.EXPIRY_INDEX_SHARDS,
      OWNER_INDEX_SHARDS: process.env.OWNER_INDEX_SHARDS,
      ...tableEnvironment(tables),
      ...options.extraEnv,
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(
      `${error.message}. OPERATOR_TOKEN and AUDIT_HMAC_KEY need at least 16 characters (e.g. \`openssl rand -hex 24\`); unset, npm start generates them.`,
    );
  }
  if (options.receiptSigningKey !== undefined) {
    try {
      receiptSigningKey(options.receiptSigningKey);
    } catch (error) {
      throw new ConfigurationError(
        `RECEIPT_SIGNING_KEY: ${(error as Error).message}; unset, npm start generates one (kept in .data/receipt-signing-key)`,
      );
    }
  }
}

/** A port another process holds would leave the stack half-started: refuse at once, naming it. */
async function assertPortsFree(options: LocalStackOptions): Promise<void> {
  for (const [name, port] of [
    ['PORT', options.port],
    ['LAMBDA_PORT', options.lambdaPort],
    ['DYNAMODB_PORT', options.dynamodbPort],
  ] as const) {
    const free = await new Promise<boolean>((resolveFree) => {
      const probe = createNetServer();
      probe.once('error', () => resolveFree(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
    });
    if (!free) {
      throw new ConfigurationError(
        `${name} ${port} is already in use (another npm start?): stop that process, or choose another port with ${name}=<port>`,
      );
    }
  }
}

/**
 * The whole bundle on one machine: DynamoDB Local, the tables, every HTTP route and scheduled
 * function through serverless-offline, and the Lambda Invoke API. `stop()` ends every child.
 */
export async function startLocalStack(given: LocalStackOptions): Promise<LocalStack> {
  const options = { ...given, receiptSigningKey: given.receiptSigningKey ?? generateReceiptSigningKey() };
  checkLocalEnvironment(options);
  await assertPortsFree(options);
  const log = options.log ?? (() => undefined);
  let db: RunningDynamoDbLocal | undefined;
  let offline: ChildProcess | undefined;
  let proxy: Server | undefined;
  let frontDoor: Server | undefined;
  const limits = new ConcurrencyLimits(
    options.concurrency ?? localConcurrency(process.env.LOCAL_CONCURRENCY),
  );

  const stop = async () => {
    if (offline) {
      const child = offline;
      const exited = new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r();
        else child.once('exit', () => r());
      });
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (proxy) await new Promise<void>((r) => proxy?.close(() => r()));
    if (frontDoor) {
      frontDoor.closeAllConnections();
      await new Promise<void>((r) => frontDoor?.close(() => r()));
    }
    if (db) await db.stop();
  };

  try {
    db = await startDynamoDbLocal({ port: options.dynamodbPort, dataDir: options.dataDir });
    log(
      `DynamoDB Local      ${db.endpoint}${options.dataDir ? ` (data in ${options.dataDir})` : ' (in memory)'}`,
    );
    const tables = localTableNames();
    const client = createDynamoClient({ endpoint: db.endpoint, region: 'us-east-1' });
    const created = await createMissingTables(client, tables);
    client.destroy();
    log(
      `tables              ${Object.values(tables).join(', ')}${created.length ? ` (created ${created.length})` : ''}`,
    );

    const offlineLambdaPort = await freePort();
    const offlineHttpPort = await freePort();
    const env = {
      ...process.env,
      OFFLINE_HTTP_PORT: String(offlineHttpPort),
      OFFLINE_LAMBDA_PORT: String(offlineLambdaPort),
      LAMBDA_PORT: String(options.lambdaPort),
      DYNAMODB_PORT: String(options.dynamodbPort),
      DATA_CENTER: options.dataCenter,
      OPERATOR_TOKEN: options.operatorToken,
      AUDIT_HMAC_KEY: options.auditHmacKey,
      RECEIPT_SIGNING_KEY: options.receiptSigningKey ?? '',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...tableEnvironment(tables),
      ...options.extraEnv,
    };
    offline = spawn(
      resolve('node_modules/.bin/serverless'),
      ['offline', 'start', '--stage', STAGE, '--noSponsor'],
      {
        env,
        detached: true,
        stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
      },
    );
    const stderr: string[] = [];
    offline.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (stderr.length > 200) stderr.shift();
    });
    frontDoor = await startFrontDoor(options.port, offlineHttpPort, limits);
    proxy = await startInvokeProxy(options.lambdaPort, offlineLambdaPort, limits, (line) =>
      process.stderr.write(`function failed      ${line}\n`),
    );
    const httpUrl = `http://127.0.0.1:${options.port}`;
    try {
      await waitForHttp(`${httpUrl}/policy`, offline, 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${stderr.join('')}`);
    }
    log(`HTTP routes         ${httpUrl}  (GET /policy, GET /privacy, POST /im/callback, /apps/...)`);
    log(
      `Lambda Invoke API   http://127.0.0.1:${options.lambdaPort}  (by serverless.yml key, e.g. expire, purge)`,
    );
    return {
      httpUrl,
      lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`,
      dynamodbEndpoint: db.endpoint,
      tables,
      concurrencyReport: () => limits.report(),
      runtimeProcessGroup: offline.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A throwaway stack for the soak and the benchmarks: random free ports, random operator token and audit
 * key, DynamoDB Local in memory, quiet, errors-only logging, and its own bundle folder under `workDir`
 * (so another `serverless offline` or `package` run cannot rebuild the bundles under it).
 */
export async function startScratchStack(opts: {
  workDir: string;
  extraEnv?: Record<string, string>;
  concurrency?: number;
  quiet?: boolean;
}): Promise<{ stack: LocalStack; operatorToken: string }> {
  const operatorToken = randomBytes(24).toString('hex');
  const stack = await startLocalStack({
    port: await freePort(),
    lambdaPort: await freePort(),
    dynamodbPort: await freePort(),
    dataDir: undefined,
    operatorToken,
    auditHmacKey: randomBytes(24).toString('hex'),
    dataCenter: 'local',
    quiet: opts.quiet ?? true,
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    extraEnv: {
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      // serverless-esbuild resolves this against the service folder: a relative path keeps it in workDir.
      ESBUILD_WORK_FOLDER: relative(process.cwd(), resolve(opts.workDir, 'esbuild')),
      ...opts.extraEnv,
    },
  });
  return { stack, operatorToken };
}
