import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetentionCut } from '../../lib/policy/retention-cuts.js';
import type { StoredMessage } from '../../lib/store/messages.js';
import { createPersonalExportStore } from '../../lib/store/personal-export.js';

/** Every message an account's export serves at `now`, page by page, oldest first: what an app admin would see. */
export async function exportedMessages(
  doc: DynamoDBDocumentClient,
  tableName: string,
  app: string,
  account: string,
  now: Date = new Date(),
  cuts?: readonly RetentionCut[],
): Promise<StoredMessage[]> {
  const store = createPersonalExportStore({ doc, tableName });
  const messages: StoredMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.messagesPage(app, account, now, { limit: 100, cursor, cuts });
    messages.push(...page.messages);
    cursor = page.nextCursor;
  } while (cursor);
  return messages;
}
