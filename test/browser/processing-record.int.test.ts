import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, appsClient, operatorHeaders } from '../functions/apps/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import { callbackAppConfig } from '../support/tencent.js';
import { axeViolations, CHROMIUM, HAS_CHROMIUM, nuCheckerMessages, openChromium } from './page-checks.js';

/**
 * GET /apps/{sdkAppId}/processing-record as a DPO opens it: the app admin's link (UserSig in the query)
 * in Chromium, which asks for text/html. The page must state the settings in force, pass axe-core and
 * the W3C Nu checker, and follow a settings change. Screenshot: test-artifacts/processing-record.png.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const SCREENSHOT = resolve(import.meta.dirname, '../../test-artifacts/processing-record.png');
const APP = String(1_400_750_000 + Math.floor(Math.random() * 90_000));
const SECRET = 'secret-key-for-callback-tests-0123456789';

if (!HAS_CHROMIUM) {
  console.warn(
    `skipping the processing record browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  );
}

describe.skipIf(!HAS_CHROMIUM)('GET /apps/{sdkAppId}/processing-record in Chromium', () => {
  let database: TestDatabase;
  let server: Server;
  let base: string;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let apps: ReturnType<typeof appsClient>;

  const link = () => `${base}/apps/${APP}/processing-record?${new URLSearchParams(adminQuery(APP, SECRET))}`;
  /** One category's rows as a reader sees them: data-field → the value cell's rendered text. */
  const rowsOf = async (page: Page, category: string) => {
    const rows: Record<string, string> = {};
    for (const row of await page.locator(`section[data-category="${category}"] tbody tr`).all()) {
      rows[String(await row.getAttribute('data-field'))] = (
        (await row.locator('td').textContent()) ?? ''
      ).trim();
    }
    return rows;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ APP_CACHE_SECONDS: '0' });
    apps = appsClient((await import('../../functions/apps/handler.js')).handler as unknown as Handler);
    const getRecord = (await import('../../functions/processing-record/handler.js'))
      .handler as unknown as Handler;
    const put = await apps('PUT', `/apps/${APP}`, {
      headers: operatorHeaders,
      body: callbackAppConfig({
        appName: 'Demo chat',
        trtc: { sharingConsent: true, subscribed: true },
        privacy: { messages: { mode: 'stored', retentionDays: 30 }, sensitiveData: 'flag' },
      }),
    });
    expect(put.status).toBe(200);
    server = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const sdkAppId = /^\/apps\/([^/]+)\/processing-record$/.exec(url.pathname)?.[1];
      if (request.method !== 'GET' || sdkAppId === undefined) {
        response.writeHead(404).end();
        return;
      }
      const answer = (await getRecord(
        httpEvent('GET', url.pathname, {
          routePath: '/apps/{sdkAppId}/processing-record',
          pathParameters: { sdkAppId: decodeURIComponent(sdkAppId) },
          query: Object.fromEntries(url.searchParams),
          headers: { accept: String(request.headers.accept ?? '') },
          sourceIp: '127.0.0.1',
        }),
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2;
      response.writeHead(answer.statusCode ?? 500, answer.headers as Record<string, string>).end(answer.body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ browser, close: closeBrowser } = await openChromium());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((done) => server?.close(done));
    await database?.drop();
  });

  it('shows the record in Chinese and English, valid and accessible, and follows a change', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const answer = await page.goto(link());
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.locator('h1').textContent()).toContain('Demo chat');
    expect(await page.locator('section[data-category]').count()).toBe(5);
    const messages = await rowsOf(page, 'messages');
    expect(messages.retention).toMatch(/30 天（客户设置）/);
    expect(messages.retention).toMatch(/30 days \(set by the customer\)/);
    expect(messages.sensitiveData).toMatch(/stored marked when detected/);
    expect(messages.location).toContain('local');
    expect(messages.recipients).toMatch(/no third-party recipient/);
    expect((await rowsOf(page, 'config')).recipients).toMatch(/TRTC/);
    expect((await rowsOf(page, 'log')).retention).toMatch(/7 days/);
    expect(await axeViolations(page), 'axe-core').toEqual([]);
    const html = await (await fetch(link(), { headers: { accept: 'text/html' } })).text();
    expect(await nuCheckerMessages(html), 'W3C Nu HTML checker').toEqual([]);
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);

    const patched = await apps('PATCH', `/apps/${APP}/privacy`, {
      query: adminQuery(APP, SECRET),
      body: { messages: { mode: 'notStored' } },
    });
    expect(patched.status).toBe(200);
    await page.goto(link());
    expect((await rowsOf(page, 'messages')).storage).toMatch(/not stored/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
