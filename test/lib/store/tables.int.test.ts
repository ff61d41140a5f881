import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMissingTables, TABLE_KEYS, tableDefinition } from '../../../lib/store/tables.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('table definitions on DynamoDB Local', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({}, { ttl: true });
  });
  afterAll(async () => db.drop());

  it.each(TABLE_KEYS)('%s exists with its keys, indexes and TTL on ttlDeleteAt', async (key) => {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tables[key] }));
    expect(Table?.KeySchema).toEqual(tableDefinition(key).KeySchema);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      tableDefinition(key)
        .GlobalSecondaryIndexes?.map((index) => index.IndexName)
        .sort(),
    );
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: db.tables[key] }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('ttlDeleteAt');
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
  });

  it('creates nothing when every table exists', async () => {
    expect(await createMissingTables(db.client, db.tables)).toEqual([]);
  });
});
