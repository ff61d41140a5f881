import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoClient } from '../../lib/store/dynamo.js';
import { createMissingTables } from '../../lib/store/tables.js';
import { type DynamoProxy, startDynamoProxy } from '../dynamo-proxy.js';
import { freePort, type RunningDynamoDbLocal, startDynamoDbLocal } from '../dynamodb-local.js';
import { type LocalStack, localTableNames, startScratchStack } from '../local-stack.js';

/**
 * The soak's stack: the local stack (startLocalStack, random ports) whose functions reach DynamoDB
 * through a fault proxy, in front of a second DynamoDB Local that keeps its data under a temp folder so
 * it can be killed and restarted mid-run. startLocalStack's own in-memory DynamoDB Local stays unused:
 * its `extraEnv` overrides DYNAMODB_PORT, which serverless.yml's `local` stage turns into
 * DYNAMODB_ENDPOINT for every function.
 */
export interface SoakStack {
  readonly stack: LocalStack;
  readonly proxy: DynamoProxy;
  /** The database as the soak's own checks see it (no proxy, no faults). */
  readonly dbEndpoint: string;
  readonly tables: ReturnType<typeof localTableNames>;
  readonly operatorToken: string;
  /** Kills DynamoDB Local (SIGKILL: no clean shutdown), waits `downMs`, starts it again on the same port and data. */
  restartDatabase(downMs: number): Promise<void>;
  /** The DynamoDB Local process the soak's stack uses now (it changes with a restart). */
  databasePid(): number | undefined;
  stop(): Promise<void>;
}

export async function startSoakStack(opts: {
  dataDir: string;
  log: (line: string) => void;
}): Promise<SoakStack> {
  const dbDir = join(opts.dataDir, 'dynamodb');
  mkdirSync(dbDir, { recursive: true });
  const dbPort = await freePort();
  let db: RunningDynamoDbLocal = await startDynamoDbLocal({ port: dbPort, dataDir: dbDir });
  const tables = localTableNames();
  const client = createDynamoClient({ endpoint: db.endpoint, region: 'us-east-1' });
  await createMissingTables(client, tables);
  client.destroy();
  const proxy = await startDynamoProxy(dbPort);
  opts.log(`DynamoDB Local ${db.endpoint} (data in ${dbDir}), fault proxy ${proxy.endpoint}`);
  // startScratchStack's own in-memory DynamoDB Local stays unused: DYNAMODB_PORT points the functions at the proxy.
  const { stack, operatorToken } = await startScratchStack({
    workDir: opts.dataDir,
    quiet: process.env.SOAK_VERBOSE !== '1',
    extraEnv: { DYNAMODB_PORT: String(proxy.port), EXPIRY_GRACE_SECONDS: '0' },
  });
  opts.log(`local stack ${stack.httpUrl}, Lambda Invoke API ${stack.lambdaUrl}`);
  return {
    stack,
    proxy,
    dbEndpoint: db.endpoint,
    tables,
    operatorToken,
    databasePid: () => db.process.pid,
    async restartDatabase(downMs) {
      const exited = new Promise<void>((r) => db.process.once('exit', () => r()));
      db.process.kill('SIGKILL');
      await exited;
      await new Promise((r) => setTimeout(r, downMs));
      db = await startDynamoDbLocal({ port: dbPort, dataDir: dbDir, timeoutMs: 60_000 });
    },
    async stop() {
      await stack.stop();
      await proxy.close();
      await db.stop();
    },
  };
}
