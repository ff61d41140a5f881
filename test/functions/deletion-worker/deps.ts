import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { WorkerDeps } from '../../../functions/deletion-worker/run.js';
import { accountPseudonym } from '../../../lib/policy/pseudonym.js';
import { createAuditStore } from '../../../lib/store/audit.js';
import {
  createDeletionRequestStore,
  type DeletionRequestStore,
} from '../../../lib/store/deletion-requests.js';
import { createDocumentClient, createDynamoClient } from '../../../lib/store/dynamo.js';
import { createExpiryStateStore } from '../../../lib/store/expiry-state.js';
import { createLegalHoldStore } from '../../../lib/store/legal-holds.js';
import { createPersonalErasureStore } from '../../../lib/store/personal-erasure.js';
import { TEST_AUDIT_HMAC_KEY } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';

type Tables = { personal: string; governance: string };

/** The worker's stores on a given client, as the handler builds them. */
export function workerDeps(
  doc: DynamoDBDocumentClient,
  tables: Tables,
  options: { now?: () => Date; owner?: string; pageSize?: number; started?: Record<string, unknown>[] } = {},
): WorkerDeps {
  const audit = createAuditStore({ doc, tableName: tables.governance });
  return {
    requests: createDeletionRequestStore({ doc, tableName: tables.governance, audit }),
    erasure: createPersonalErasureStore({
      doc,
      tableName: tables.personal,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    }),
    holds: createLegalHoldStore({ doc, tableName: tables.governance }),
    expiryState: createExpiryStateStore({ doc, tableName: tables.governance }),
    now: options.now ?? (() => new Date()),
    owner: options.owner ?? `test-${Math.random().toString(36).slice(2)}`,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    self: {
      async start(payload) {
        options.started?.push(payload);
        return true;
      },
    },
  };
}

export function requestStore(doc: DynamoDBDocumentClient, governance: string): DeletionRequestStore {
  return createDeletionRequestStore({
    doc,
    tableName: governance,
    audit: createAuditStore({ doc, tableName: governance }),
  });
}

export function accountRequest(
  app: string,
  account: string,
  categories: ('userInfo' | 'messages')[] = ['userInfo', 'messages'],
) {
  return {
    app,
    subject: 'account' as const,
    account,
    accountHash: accountPseudonym(TEST_AUDIT_HMAC_KEY, app, account),
    categories,
    requestedBy: 'appAdmin',
  };
}

/** A context with plenty of time, or one whose clock runs out after `calls` checks. */
export function contextWithBudget(calls = Number.POSITIVE_INFINITY): Context {
  let left = calls;
  return lambdaContext({
    getRemainingTimeInMillis: () => {
      left -= 1;
      return left >= 0 ? 60_000 : 1000;
    },
  });
}

/**
 * A document client on its own connection whose `nth` call of `command` fails, and every call after it:
 * the worker's process is gone from that point on (nothing it would do next, not even a release, happens).
 */
export function crashingDoc(endpoint: string, fault: { command: string; nth: number }) {
  const client = createDynamoClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    requestTimeoutMs: 5000,
  });
  let seen = 0;
  let crashed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (crashed) throw new Error('injected: the worker is gone');
      if (context.commandName === fault.command) {
        seen += 1;
        if (seen === fault.nth) {
          crashed = true;
          throw new Error(`injected crash on ${fault.command} #${fault.nth}`);
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'crashInjector' },
  );
  return { doc: createDocumentClient(client), crashed: () => crashed, destroy: () => client.destroy() };
}
