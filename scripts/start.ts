import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../lib/errors.js';
import { generateReceiptSigningKey } from '../lib/evidence/receipt-signature.js';
import { JavaMissingError } from './dynamodb-local.js';
import { startLocalStack } from './local-stack.js';

/** `npm start`: the whole bundle on this machine (README "Run it"). */
const DATA_DIR = '.data';

/** A secret kept under .data/ between runs (receipts signed today must verify tomorrow), made on first start. */
function persistentSecret(file: string, make = () => randomBytes(32).toString('hex')): string {
  const path = join(DATA_DIR, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = make();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  mkdirSync(join(DATA_DIR, 'dynamodb'), { recursive: true });
  const generatedToken = !process.env.OPERATOR_TOKEN;
  const operatorToken = process.env.OPERATOR_TOKEN || randomBytes(24).toString('hex');
  const stack = await startLocalStack({
    port: Number(process.env.PORT ?? 3000),
    lambdaPort: Number(process.env.LAMBDA_PORT ?? 3002),
    dynamodbPort: Number(process.env.DYNAMODB_PORT ?? 8000),
    dataDir: join(DATA_DIR, 'dynamodb'),
    operatorToken,
    auditHmacKey: process.env.AUDIT_HMAC_KEY || persistentSecret('audit-hmac-key'),
    receiptSigningKey:
      process.env.RECEIPT_SIGNING_KEY || persistentSecret('receipt-signing-key', generateReceiptSigningKey),
    dataCenter: process.env.DATA_CENTER || 'local',
    log: (line) => console.log(line),
  });
  console.log(`data centre         ${process.env.DATA_CENTER || 'local'}`);
  console.log(
    generatedToken
      ? `operator token      ${operatorToken}   (generated for this run; set OPERATOR_TOKEN to choose one)`
      : 'operator token      from OPERATOR_TOKEN',
  );
  // `npm run tour` (another terminal) finds the generated token here; the file lives as long as this run.
  const tokenFile = join(DATA_DIR, 'operator-token');
  if (generatedToken) writeFileSync(tokenFile, `${operatorToken}\n`, { mode: 0o600 });
  console.log('ready. Ctrl-C stops everything. Next: `npm run tour` in another terminal.');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    await stack.stop();
    if (generatedToken) rmSync(tokenFile, { force: true });
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError || error instanceof ConfigurationError) {
    console.error(`npm start: ${error.message}`);
  } else {
    console.error('npm start failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
