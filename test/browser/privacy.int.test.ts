import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_IDS, type Category } from '../../lib/policy/categories.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import { axeViolations, CHROMIUM, HAS_CHROMIUM, nuCheckerMessages, openChromium } from './page-checks.js';

/**
 * GET /privacy in a real browser: Debian's Chromium driven by playwright-core renders the page the real
 * handler answers, and the table a reader sees must be lib/policy's schedule. Screenshot: test-artifacts/privacy.png.
 */

const SCREENSHOT = resolve(import.meta.dirname, '../../test-artifacts/privacy.png');

if (!HAS_CHROMIUM) {
  console.warn(`skipping the /privacy browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

/** What the retention cell must say, derived from the policy data, not from the page's renderer. */
function expectedRetention(category: Category): { en: RegExp[]; zh: RegExp[] } {
  const retention = category.retention;
  switch (retention.kind) {
    case 'days':
      return {
        en: [new RegExp(`\\b${retention.days} days\\b`)],
        zh: [new RegExp(`${retention.days}\\s*天`)],
      };
    case 'monthsAfterTermination':
      return {
        en: [new RegExp(`\\b${retention.months} calendar months after termination\\b`)],
        zh: [new RegExp(`终止服务后\\s*${retention.months}\\s*个月`)],
      };
    case 'customerSet':
      return {
        en: [
          /not stored/,
          new RegExp(`${retention.minDays}\\s*[–-]\\s*${retention.maxDays} days`),
          new RegExp(`${retention.defaultDays} days by default`),
        ],
        zh: [/不存储/, new RegExp(`默认\\s*${retention.defaultDays}\\s*天`)],
      };
  }
}

describe.skipIf(!HAS_CHROMIUM)(`GET /privacy in Chromium (${CHROMIUM})`, () => {
  let database: TestDatabase;
  let server: Server;
  let url: string;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { getPrivacyPage } = await import('../../functions/policy/handler.js');
    server = createServer(async (request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      if (request.method !== 'GET' || path !== '/privacy') {
        response.writeHead(404).end();
        return;
      }
      const answer = (await getPrivacyPage(
        httpEvent('GET', '/privacy', { sourceIp: '127.0.0.1' }),
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2;
      response.writeHead(answer.statusCode ?? 500, answer.headers as Record<string, string>).end(answer.body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy`;
    ({ browser, close: closeBrowser } = await openChromium());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((done) => server?.close(done));
    await database?.drop();
  });

  it('shows one row per lib/policy category: clause, names and retention', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('table#retention').isVisible()).toBe(true);

    // innerText: the text as rendered for a reader, not the DOM source.
    const rows = [];
    for (const row of await page.locator('table#retention tbody tr').all()) {
      rows.push({
        category: await row.getAttribute('data-category'),
        cells: await row.locator('td').allInnerTexts(),
      });
    }
    expect(rows.map((row) => row.category)).toEqual([...CATEGORY_IDS]);
    for (const [index, id] of CATEGORY_IDS.entries()) {
      const category = CATEGORIES[id];
      const [clause = '', names = '', , retention = ''] = rows[index]?.cells ?? [];
      expect(clause.trim(), id).toBe(category.clause);
      expect(names, id).toContain(category.name.zh);
      expect(names, id).toContain(category.name.en);
      const expected = expectedRetention(category);
      for (const pattern of [...expected.en, ...expected.zh]) expect(retention, id).toMatch(pattern);
    }
    expect(await page.locator('html').getAttribute('lang')).toMatch(/^zh/);
    expect(errors).toEqual([]);

    expect(await axeViolations(page), 'axe-core').toEqual([]);
    expect(await nuCheckerMessages(await (await fetch(url)).text()), 'W3C Nu HTML checker').toEqual([]);

    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
    await page.close();
  });
});
