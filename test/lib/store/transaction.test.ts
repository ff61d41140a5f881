import { describe, expect, it } from 'vitest';
import { failedConditions } from '../../../lib/store/sdk-errors.js';
import { namedTransaction, type TransactItem } from '../../../lib/store/transaction.js';

const put = (pk: string): TransactItem => ({ Put: { TableName: 't', Item: { pk } } });
const cancelled = (...codes: string[]) =>
  Object.assign(new Error('cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('named transactions', () => {
  it('sends the named items in the order written, leaving out the undefined ones', () => {
    const tx = namedTransaction({ request: put('r'), lock: undefined, audit: put('a') });
    expect(tx.names).toEqual(['request', 'audit']);
    expect(tx.items).toEqual([put('r'), put('a')]);
  });

  it('names the items whose condition failed, by their position in what was sent', () => {
    const tx = namedTransaction({
      request: put('r'),
      lock: undefined,
      audit: put('a'),
      idempotency: put('i'),
    });
    const failed = failedConditions(cancelled('None', 'None', 'ConditionalCheckFailed'), tx);
    expect([...(failed ?? [])]).toEqual(['idempotency']);
    expect(failedConditions(cancelled('ConditionalCheckFailed', 'None', 'None'), tx)?.has('request')).toBe(
      true,
    );
  });

  it('is undefined for an error that is not a cancelled transaction', () => {
    const tx = namedTransaction({ request: put('r') });
    expect(
      failedConditions(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }), tx),
    ).toBe(undefined);
  });
});
