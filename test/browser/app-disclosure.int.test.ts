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
 * GET /apps/{sdkAppId}/privacy in a real browser: the page an app's end users read must show the app's
 * settings as enforced, change when the app admin changes them through the real PATCH route, and exist
 * only while the app opts in. Screenshot: test-artifacts/app-privacy.png.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

const SCREENSHOT = resolve(import.meta.dirname, '../../test-artifacts/app-privacy.png');
const APP = String(1_400_730_000 + Math.floor(Math.random() * 90_000));
const SECRET = 'secret-key-for-callback-tests-0123456789';

if (!HAS_CHROMIUM) {
  console.warn(
    `skipping the app privacy page browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  );
}

describe.skipIf(!HAS_CHROMIUM)('GET /apps/{sdkAppId}/privacy in Chromium', () => {
  let database: TestDatabase;
  let server: Server;
  let base: string;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let apps: ReturnType<typeof appsClient>;

  const patch = async (body: unknown) => {
    const answer = await apps('PATCH', `/apps/${APP}/privacy`, { query: adminQuery(APP, SECRET), body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  /** The rows as a reader sees them: data-item → the handling cell's rendered text. */
  const handling = async (page: Page) => {
    const rows: Record<string, string> = {};
    for (const row of await page.locator('table#disclosure tbody tr').all()) {
      rows[String(await row.getAttribute('data-item'))] = (
        (await row.locator('td').nth(2).textContent()) ?? ''
      ).trim();
    }
    return rows;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ APP_CACHE_SECONDS: '0' });
    apps = appsClient((await import('../../functions/apps/handler.js')).handler as unknown as Handler);
    const { getAppDisclosure } = (await import('../../functions/policy/handler.js')) as unknown as {
      getAppDisclosure: Handler;
    };
    const put = await apps('PUT', `/apps/${APP}`, {
      headers: operatorHeaders,
      body: callbackAppConfig({
        appName: 'Demo chat',
        dataCenter: 'local',
        trtc: { sharingConsent: true, subscribed: false },
        privacy: { messages: { mode: 'stored', retentionDays: 30 }, sensitiveData: 'reject' },
      }),
    });
    expect(put.status).toBe(200);
    server = createServer(async (request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const sdkAppId = /^\/apps\/([^/]+)\/privacy$/.exec(path)?.[1];
      if (request.method !== 'GET' || sdkAppId === undefined) {
        response.writeHead(404).end();
        return;
      }
      const answer = (await getAppDisclosure(
        httpEvent('GET', path, {
          routePath: '/apps/{sdkAppId}/privacy',
          pathParameters: { sdkAppId: decodeURIComponent(sdkAppId) },
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

  it('answers 404, the same for an app that does not publish it and for an unknown app', async () => {
    const unpublished = await fetch(`${base}/apps/${APP}/privacy`);
    const unknown = await fetch(`${base}/apps/1400000009/privacy`);
    expect([unpublished.status, unknown.status]).toEqual([404, 404]);
    expect(unpublished.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('shows the settings in force, in Chinese and English, and follows a change at once', async () => {
    await patch({ publishDisclosure: true });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    expect((await page.goto(`${base}/apps/${APP}/privacy`))?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toContain('Demo chat');
    const before = await handling(page);
    expect(before.messages).toMatch(/保存 30 天/);
    expect(before.messages).toMatch(/kept for 30 days/);
    expect(before.userInfo).toMatch(/kept for 7 days/);
    expect(before.sensitiveData).toMatch(/refused/);
    expect(before.dataCenter).toContain('local');
    expect(before.sharing).toMatch(/not shared with TRTC/);
    expect(before.log).toMatch(/7 days/);
    expect(before.monitoring).toMatch(/2 days/);
    expect(before.backup).toMatch(/at most 7 days/);
    expect(before.consent).toMatch(/does not depend on a consent/);
    expect(await axeViolations(page), 'axe-core').toEqual([]);
    const html = await (await fetch(`${base}/apps/${APP}/privacy`)).text();
    expect(await nuCheckerMessages(html), 'W3C Nu HTML checker').toEqual([]);
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);

    await patch({ messages: { mode: 'notStored' }, sensitiveData: 'mask', consent: 'required' });
    await page.reload();
    const after = await handling(page);
    expect(after.messages).toMatch(/not stored/);
    expect(after.messages).toMatch(/不存储/);
    expect(after.sensitiveData).toMatch(/masked/);
    expect(after.consent).toMatch(/stored only while you consent/);
    expect(errors).toEqual([]);

    await patch({ publishDisclosure: false });
    expect((await page.reload())?.status()).toBe(404);
    await page.close();
  });
});
