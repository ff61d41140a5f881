import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateReceiptSigningKey,
  publishedKeys,
  receiptSigningKey,
  signReceipt,
} from '../../lib/evidence/receipt-signature.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'verify-receipt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = receiptSigningKey(generateReceiptSigningKey());
const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

async function verify(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('npx', ['tsx', 'scripts/verify-receipt.ts', ...args]);
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: `${failed.stdout}${failed.stderr}` };
  }
}

describe('npm run verify-receipt', () => {
  const receipt = signReceipt({ type: 'deletionReceipt', requestId: 'r-9', deleted: { messages: 4 } }, key);

  it('says valid, and published, for a receipt of a published key (a whole deletion-request answer too)', async () => {
    const keys = write('keys.json', { keys: publishedKeys(key, []) });
    const answer = write('answer.json', { id: 'r-9', status: 'completed', receipt });
    expect(await verify(answer, '--keys', keys)).toEqual({
      code: 0,
      out: `valid: deletionReceipt signed by key ${key.keyId} (current, published)\n`,
    });
  });

  it('exits 1 for a changed count or no receipt, 3 when the key was not checked, and 2 without a file', async () => {
    const tampered = write('tampered.json', {
      ...receipt,
      body: { ...receipt.body, deleted: { messages: 3 } },
    });
    expect(await verify(tampered)).toMatchObject({ code: 1, out: expect.stringContaining('INVALID') });
    expect((await verify(write('alone.json', receipt))).code).toBe(3);
    expect((await verify(write('null.json', null))).code).toBe(1);
    expect((await verify()).code).toBe(2);
  }, 30_000);
});
