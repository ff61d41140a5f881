import type { MiddlewareObj } from '@middy/core';
import { type ReceiptSigningKey, receiptSigningKey } from '../evidence/receipt-signature.js';
import { secretOf, secretParameter } from './secret-parameter.js';

/**
 * The receipt signing key (Ed25519) for the handler: RECEIPT_SIGNING_KEY locally, the SSM SecureString
 * named by RECEIPT_SIGNING_KEY_PARAMETER in AWS. Never logged, never answered: only its public half is.
 */
const RECEIPT_KEY_CONTEXT = 'receiptSigningKey';

export function receiptKey(opts: {
  key?: string | undefined;
  parameter?: string | undefined;
  ssmOptions?: Record<string, unknown>;
}): MiddlewareObj {
  return secretParameter({
    contextKey: RECEIPT_KEY_CONTEXT,
    what: 'RECEIPT_SIGNING_KEY',
    value: opts.key,
    parameter: opts.parameter,
    parse: receiptSigningKey,
    ...(opts.ssmOptions ? { ssmOptions: opts.ssmOptions } : {}),
  });
}

export function receiptKeyOf(context: unknown): ReceiptSigningKey {
  return secretOf<ReceiptSigningKey>(context, RECEIPT_KEY_CONTEXT);
}
