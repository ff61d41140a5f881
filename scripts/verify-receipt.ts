import { readFileSync } from 'node:fs';
import { type PublishedKey, type SignedReceipt, verifyReceipt } from '../lib/evidence/receipt-signature.js';

/**
 * `npm run verify-receipt -- <receipt.json> [--keys <keys.json>]`: checks a signed receipt offline.
 * `<receipt.json>` is a `receipt` of `GET …/deletion-requests/{id}`, the answer of
 * `GET /apps/{id}/purge-receipt`, or a whole deletion-request answer (its `receipt` is taken);
 * `<keys.json>` is the saved answer of `GET /receipts/keys`: with it, the key must also be one of ours.
 * Exits 0 when valid and (with --keys) signed by a published key, 3 when the signature holds but its key
 * was not checked against the published keys (anyone can sign with a key of their own), 1 when invalid,
 * 2 on bad usage.
 */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`verify-receipt: cannot read ${path}: ${(error as Error).message}`);
    process.exit(2);
  }
}

const args = process.argv.slice(2);
const keysAt = args.indexOf('--keys');
const keysPath = keysAt >= 0 ? args[keysAt + 1] : undefined;
const receiptPath = args.find((arg, i) => !arg.startsWith('--') && (keysAt < 0 || i !== keysAt + 1));
if (!receiptPath || (keysAt >= 0 && !keysPath)) {
  console.error('usage: npm run verify-receipt -- <receipt.json> [--keys <keys.json>]');
  process.exit(2);
}
const given = readJson(receiptPath) as (SignedReceipt<unknown> & { receipt?: SignedReceipt<unknown> }) | null;
const receipt = (given?.receipt ?? given) as SignedReceipt<unknown>;
const keys = keysPath ? (readJson(keysPath) as { keys?: PublishedKey[] }).keys : undefined;
const verdict = verifyReceipt(receipt, keys);
if (verdict.valid) {
  const body = receipt.body as { type?: string };
  console.log(
    `valid: ${body.type ?? 'receipt'} signed by key ${verdict.keyId}${verdict.keyStatus ? ` (${verdict.keyStatus}, published)` : ' (not checked against GET /receipts/keys: pass --keys)'}`,
  );
  if (!verdict.keyStatus) process.exitCode = 3;
} else {
  console.log(`INVALID: ${verdict.reason}`);
  process.exitCode = 1;
}
