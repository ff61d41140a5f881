import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { resolve } from 'node:path';
import { TABLE_ENV_NAMES } from '../lib/config.js';
import { createDynamoClient } from '../lib/store/dynamo.js';
import { createMissingTables, TABLE_KEYS } from '../lib/store/tables.js';
import { freePort, type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';

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
  readonly dataCenter: string;
  readonly extraEnv?: Record<string, string>;
  readonly log?: (line: string) => void;
  readonly quiet?: boolean;
}

export interface LocalStack {
  readonly httpUrl: string;
  readonly lambdaUrl: string;
  readonly dynamodbEndpoint: string;
  readonly tables: Record<string, string>;
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
 */
function startInvokeProxy(listenPort: number, offlinePort: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(
      /^\/2015-03-31\/functions\/([^/]+)\/invocations/,
      (_match, name: string) =>
        `/2015-03-31/functions/${name.startsWith(FUNCTION_NAME_PREFIX) ? name : FUNCTION_NAME_PREFIX + name}/invocations`,
    );
    const upstream = httpRequest(
      { host: '127.0.0.1', port: offlinePort, path, method: req.method, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: 'the local Lambda runtime is not answering' }));
    });
    req.pipe(upstream);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolveServer(server));
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serverless offline exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
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
 * The whole bundle on one machine: DynamoDB Local, the tables, every HTTP route and scheduled
 * function through serverless-offline, and the Lambda Invoke API. `stop()` ends every child.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  let db: RunningDynamoDbLocal | undefined;
  let offline: ChildProcess | undefined;
  let proxy: Server | undefined;

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
    const env = {
      ...process.env,
      PORT: String(options.port),
      OFFLINE_LAMBDA_PORT: String(offlineLambdaPort),
      LAMBDA_PORT: String(options.lambdaPort),
      DYNAMODB_PORT: String(options.dynamodbPort),
      DATA_CENTER: options.dataCenter,
      OPERATOR_TOKEN: options.operatorToken,
      AUDIT_HMAC_KEY: options.auditHmacKey,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...Object.fromEntries(TABLE_KEYS.map((key) => [TABLE_ENV_NAMES[key], tables[key]])),
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
    proxy = await startInvokeProxy(options.lambdaPort, offlineLambdaPort);
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
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
