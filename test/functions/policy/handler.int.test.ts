import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_IDS } from '../../../lib/policy/categories.js';
import { MINIMUM_AGES } from '../../../lib/policy/minimum-ages.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { httpEvent, lambdaContext } from '../../support/events.js';

type PolicyModule = typeof import('../../../functions/policy/handler.js');
let db: TestDatabase;
let getPolicy: PolicyModule['getPolicy'];
let getPrivacyPage: PolicyModule['getPrivacyPage'];

beforeAll(async () => {
  db = await createTestDatabase();
  ({ getPolicy, getPrivacyPage } = await import('../../../functions/policy/handler.js'));
});
afterAll(async () => db.drop());

const CONTRACT_CATEGORIES = [
  { id: 'log', clause: 'P2', retention: { days: 7 } },
  { id: 'monitoring', clause: 'P3', retention: { days: 2 } },
  { id: 'config', clause: 'P4', retention: { monthsAfterTermination: 2 } },
  { id: 'userInfo', clause: 'D1', retention: { defaultDays: 7, customerSet: true, notStoredOption: true } },
  { id: 'messages', clause: 'D2', retention: { defaultDays: 7, customerSet: true, notStoredOption: true } },
];

describe('GET /policy', () => {
  it('answers the five categories exactly as docs/api.md (Policy) lists them', async () => {
    const response = (await getPolicy(
      httpEvent('GET', '/policy'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body ?? '');
    expect(typeof body.version).toBe('string');
    expect(body.categories).toHaveLength(5);
    CONTRACT_CATEGORIES.forEach((expected, index) => {
      expect(body.categories[index]).toMatchObject({ id: expected.id, clause: expected.clause });
      expect(body.categories[index].retention).toMatchObject(expected.retention);
      // P6: point-in-time recovery keeps deleted data restorable for up to 7 days, and the answer says so.
      expect(body.categories[index].backup).toEqual({ restorableDays: 7 });
    });
  });
});

describe('GET /privacy', () => {
  it('renders every category in Chinese and English from lib/policy', async () => {
    const response = (await getPrivacyPage(
      httpEvent('GET', '/privacy'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    for (const id of CATEGORY_IDS) {
      const category = CATEGORIES[id];
      expect(response.body).toContain(`data-category="${id}"`);
      expect(response.body).toContain(category.name.zh);
      expect(response.body).toContain(category.name.en);
    }
    expect(response.body).toContain('7 天');
    expect(response.body).toContain('restorable from backups for up to 7 days after deletion');
    expect(response.body).toContain('2 days');
  });
});

describe('minimum ages of digital consent (D4)', () => {
  it.each([
    ['CN', 14],
    ['DE', 16],
    ['FR', 15],
    ['US', 13],
    ['IN', 18],
  ])('GET /policy answers %s: %i, with the law that sets it', async (code, age) => {
    const response = (await getPolicy(
      httpEvent('GET', '/policy'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const body = JSON.parse(response.body ?? '');
    expect(body.minimumAges[code]).toEqual({ age, source: expect.any(String) });
    expect(body.minimumAges[code].source.length).toBeGreaterThan(5);
    expect(body.defaultMinimumAge.age).toBe(16);
  });

  it('GET /privacy shows every jurisdiction of the table with its age and source', async () => {
    const response = (await getPrivacyPage(
      httpEvent('GET', '/privacy'),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    for (const [code, entry] of Object.entries(MINIMUM_AGES)) {
      expect(response.body).toContain(
        `<tr data-jurisdiction="${code}"><td>${code}</td><td class="age">${entry.age}</td>`,
      );
    }
    expect(response.body).toContain('GDPR art. 8(1)');
  });
});
