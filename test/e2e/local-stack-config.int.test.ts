import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/errors.js';
import { startLocalStack } from '../../scripts/local-stack.js';
import { TEST_AUDIT_HMAC_KEY, TEST_OPERATOR_TOKEN } from '../support/database.js';

/**
 * `npm start` refuses an environment its functions would refuse at import, before anything starts,
 * saying what is wrong and how to fix it (instead of a stack whose routes answer with stack traces).
 */
const options = {
  port: 3990,
  lambdaPort: 3992,
  dynamodbPort: 8990,
  dataDir: undefined,
  operatorToken: TEST_OPERATOR_TOKEN,
  auditHmacKey: TEST_AUDIT_HMAC_KEY,
  dataCenter: 'local',
  quiet: true,
};

describe('the local stack checks its environment before it starts', () => {
  it('refuses a weak OPERATOR_TOKEN, naming it and the fix', async () => {
    const started = startLocalStack({ ...options, operatorToken: 'secret' });
    await expect(started).rejects.toBeInstanceOf(ConfigurationError);
    await expect(started).rejects.toThrow(/OPERATOR_TOKEN.*at least 16 characters/);
  });

  it('refuses a weak AUDIT_HMAC_KEY and a port that is not a number', async () => {
    await expect(startLocalStack({ ...options, auditHmacKey: 'short' })).rejects.toThrow(/AUDIT_HMAC_KEY/);
    await expect(startLocalStack({ ...options, port: Number('three thousand') })).rejects.toThrow(
      /^PORT must be/,
    );
  });

  it('refuses a port another process holds, naming it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(options.port, '127.0.0.1', () => resolve()));
    try {
      await expect(startLocalStack(options)).rejects.toThrow(/^PORT 3990 is already in use/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
