import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryEvidence, RunEvidence } from '../../lib/policy/evidence.js';
import { createAppStore } from '../../lib/store/apps.js';
import type { DeletionRequest } from '../../lib/store/deletion-requests.js';
import { createLegalHoldStore } from '../../lib/store/legal-holds.js';
import { createRunEvidenceStore } from '../../lib/store/run-evidence.js';
import { accountRequest, requestStore } from '../functions/deletion-worker/deps.js';
import { writeItems } from '../functions/expire/items.js';
import { minimalConfig } from '../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../support/database.js';
import { httpEvent, lambdaContext } from '../support/events.js';
import { axeViolations, CHROMIUM, HAS_CHROMIUM, nuCheckerMessages, openChromium } from './page-checks.js';

/**
 * GET /conformance/dashboard in a real browser: the real conformance and legal-holds handlers behind a
 * real HTTP server on DynamoDB Local; the operator types the token, and every figure the page shows must
 * be what the routes answer, first with nothing overdue, then with overdue items and an overdue D3
 * request. Screenshots: docs/screenshots/dashboard-clean.png and dashboard-overdue.png.
 */
type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/screenshots');
const HELD_APP = '1400000801';
const OTHER_APP = '1400000802';
const DAY = 86_400_000;
const HOUR = 3_600_000;

if (!HAS_CHROMIUM) {
  console.warn(`skipping the dashboard browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

/** API Gateway's routing, for the routes the page reads: the route key template and path parameters. */
function eventOf(request: IncomingMessage) {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const holds = /^\/apps\/([^/]+)\/legal-holds$/.exec(url.pathname);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (typeof value === 'string') headers[name] = value;
  return {
    target: holds ? 'holds' : 'conformance',
    event: httpEvent(request.method ?? 'GET', url.pathname, {
      routePath: holds ? '/apps/{sdkAppId}/legal-holds' : url.pathname,
      ...(holds ? { pathParameters: { sdkAppId: decodeURIComponent(holds[1] as string) } } : {}),
      query: Object.fromEntries(url.searchParams),
      headers,
      sourceIp: '127.0.0.1',
    }),
  };
}

const evidenceOf = (startedAt: number, oldestAfter: number): RunEvidence => {
  const category = (oldest: number): CategoryEvidence => ({
    due: oldest > 0 ? 3 : 1,
    deleted: oldest > 0 ? 1 : 1,
    held: 0,
    withinGrace: 0,
    overdueBefore: oldest > 0 ? 3 : 1,
    overdueAfter: oldest > 0 ? 2 : 0,
    oldestOverdueSecondsBefore: oldest + 600,
    oldestOverdueSecondsAfter: oldest,
    errors: oldest > 0 ? 2 : 0,
  });
  return {
    run: 'expire',
    startedAt: new Date(startedAt).toISOString(),
    completed: true,
    categories: { messages: category(oldestAfter), log: category(0) },
  };
};

describe.skipIf(!HAS_CHROMIUM)(`GET /conformance/dashboard in Chromium (${CHROMIUM})`, () => {
  let db: TestDatabase;
  let server: Server;
  let origin: string;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let holdId: string;
  const served: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ EXPIRY_GRACE_SECONDS: '0', POWERTOOLS_METRICS_DISABLED: 'true' });
    const handlers: Record<string, Handler> = {
      conformance: (
        (await import('../../functions/conformance/handler.js')) as unknown as { handler: Handler }
      ).handler,
      holds: ((await import('../../functions/legal-holds/handler.js')) as unknown as { handler: Handler })
        .handler,
    };
    server = createServer(async (request, response) => {
      const { target, event } = eventOf(request);
      served.push(`${request.method} ${request.url} ${event.headers.authorization ? 'token' : 'none'}`);
      const answer = await (handlers[target] as Handler)(event, lambdaContext());
      if ((answer.statusCode ?? 500) >= 500)
        console.warn(`dashboard test server: ${event.rawPath} answered ${answer.statusCode}`);
      response.writeHead(answer.statusCode ?? 500, answer.headers as Record<string, string>).end(answer.body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Nothing overdue: stored items within their retention, a fresh D3 request, a completed one, clean runs.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const apps = createAppStore({ doc: db.doc, tableName: db.tables.apps });
    for (const app of [HELD_APP, OTHER_APP]) await apps.put(app, minimalConfig(), new Date());
    await writeItems(db.doc, db.tables, [
      { category: 'messages', app: HELD_APP, account: 'alice-dash', expiresAt: now / 1000 + 5 * 86_400 },
      { category: 'messages', app: OTHER_APP, account: 'bob-dash', expiresAt: now / 1000 + 9 * 86_400 },
      { category: 'userInfo', app: OTHER_APP, account: 'bob-dash', expiresAt: now / 1000 + 30 * 86_400 },
      { category: 'log', app: OTHER_APP, expiresAt: now / 1000 + 86_400 },
    ]);
    const requests = requestStore(db.doc, db.tables.governance);
    await requests.create(accountRequest(OTHER_APP, 'carol-dash'), new Date(now - 2 * DAY));
    const done = (await requests.create(accountRequest(HELD_APP, 'dave-dash'), new Date(now - 5 * DAY)))
      .request;
    const leased = (await requests.acquire(
      HELD_APP,
      done.id,
      'dash',
      new Date(now - 4 * DAY),
      60_000,
    )) as DeletionRequest;
    await requests.finishPass(leased, 'dash', { status: 'completed', at: new Date(now - 4 * DAY) });
    const holds = createLegalHoldStore({ doc: db.doc, tableName: db.tables.governance });
    holdId = (
      await holds.create({ app: HELD_APP, categories: ['messages'], reason: 'case 2026-17' }, new Date())
    ).id;
    const released = await holds.create(
      { app: HELD_APP, categories: ['log'], reason: 'old case' },
      new Date(),
    );
    await holds.release(HELD_APP, released.id, new Date());
    const evidence = createRunEvidenceStore({ doc: db.doc, tableName: db.tables.governance });
    for (const daysAgo of [4, 3, 2, 1]) await evidence.record(evidenceOf(now - daysAgo * DAY, 0));

    ({ browser, close: closeBrowser } = await openChromium());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((done) => server?.close(done));
    await db?.drop();
  });

  async function signIn(page: Page, token = TEST_OPERATOR_TOKEN) {
    await page.getByLabel('Operator token').fill(token);
    await page.getByRole('button', { name: 'Show evidence' }).click();
  }

  /**
   * Signs in and waits for every section. GET /conformance issues hundreds of index Queries; on a loaded
   * machine DynamoDB Local can exceed the function's 5 s request timeout (a 500), so a 5xx is retried
   * with the page's own Refresh button, a few times at most.
   */
  async function signInAndLoad(page: Page) {
    await signIn(page);
    for (let attempt = 0; ; attempt++) {
      const status = page.locator('#status');
      await expect
        .poll(() => status.textContent(), { timeout: 30_000 })
        .toMatch(/^(Loaded |The service answered 5)/);
      if (/^Loaded /.test(String(await status.textContent()))) return;
      expect(attempt, String(await status.textContent())).toBeLessThan(5);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
  }

  /** What the page's own requests were answered, by path: the figures it shows must be these. */
  type Answers = Map<string, Promise<Record<string, unknown>>[]>;
  const answersOf = async (answers: Answers, path: string) => Promise.all(answers.get(path) ?? []);

  /** Every figure on the page against what the routes answered the page. */
  async function expectFiguresOfRoutes(page: Page, answers: Answers) {
    const [conformanceAnswer] = await answersOf(answers, '/conformance');
    const conformance = (conformanceAnswer as Record<string, unknown>).categories as Record<
      string,
      { stored: number; overdue: number; oldestOverdueSeconds: number }
    >;
    const rows = page.locator('#categories tr');
    expect(await rows.count()).toBe(Object.keys(conformance).length);
    for (const [category, figures] of Object.entries(conformance)) {
      const row = page.locator(`#categories tr[data-category="${category}"]`);
      expect(await row.locator('[data-figure="stored"]').textContent(), category).toBe(
        figures.stored.toLocaleString('en-US'),
      );
      expect(await row.locator('[data-figure="overdue"]').textContent(), category).toMatch(
        new RegExp(`^${figures.overdue.toLocaleString('en-US')}\\b`),
      );
      expect(
        Number(await row.locator('[data-figure="oldestOverdueSeconds"]').getAttribute('data-seconds')),
      ).toBe(figures.oldestOverdueSeconds);
      expect(await row.getAttribute('class'), category).toBe(figures.overdue > 0 ? 'overdue' : null);
    }

    const listed = (await answersOf(answers, '/deletion-requests')).flatMap((a) => a.requests) as Array<{
      id: string;
      status: string;
      overdue: boolean;
      ageSeconds: number;
    }>;
    expect(
      await page
        .locator('#requests tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-request'))),
    ).toEqual(listed.map((r) => r.id));
    for (const request of listed) {
      const row = page.locator(`#requests tr[data-request="${request.id}"]`);
      expect(await row.getAttribute('class')).toBe(request.overdue ? 'overdue' : null);
      expect(await row.locator('[data-figure="deadline"]').textContent()).toMatch(
        request.overdue ? /^Overdue by / : /^(Due in|Completed) /,
      );
      const age = Number(await row.locator('[data-seconds]').getAttribute('data-seconds'));
      expect(Math.abs(age - request.ageSeconds)).toBeLessThanOrEqual(5);
    }
    for (const status of ['received', 'processing', 'withheld', 'completed']) {
      const row = page.locator(`#by-status tr[data-status="${status}"]`);
      const ofStatus = listed.filter((r) => r.status === status);
      expect(await row.locator('[data-figure="count"]').textContent(), status).toBe(String(ofStatus.length));
      expect(await row.locator('[data-figure="overdue"]').textContent(), status).toBe(
        String(ofStatus.filter((r) => r.overdue).length),
      );
    }

    const runs = (await answersOf(answers, '/conformance/history'))
      .flatMap((a) => a.runs as RunEvidence[])
      .filter((r) => r.run === 'expire');
    const latest = runs.at(-1) as Extract<RunEvidence, { run: 'expire' }>;
    const summary = page.locator('#history-summary');
    expect(await summary.getAttribute('data-runs')).toBe(String(runs.length));
    expect(Number(await summary.getAttribute('data-latest-seconds'))).toBe(
      Math.max(...Object.values(latest.categories).map((c) => c.oldestOverdueSecondsAfter)),
    );
    expect(await page.locator('#chart circle').count()).toBe(runs.length);
  }

  async function showHolds(page: Page) {
    await page.getByLabel('SdkAppid').fill(HELD_APP);
    await page.getByRole('button', { name: 'Show holds' }).click();
    await expect.poll(() => page.locator('#holds tr').count()).toBe(1);
    expect(await page.locator('#holds tr').getAttribute('data-hold')).toBe(holdId);
    expect(await page.locator('#holds-summary').textContent()).toBe(
      `1 active legal hold for app ${HELD_APP}.`,
    );
  }

  async function openDashboard(): Promise<{ page: Page; errors: string[]; answers: Answers }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const answers: Answers = new Map();
    // Each load starts with GET /conformance: only the answers of the latest load count.
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/conformance') answers.clear();
    });
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path === '/conformance/dashboard' || !response.ok()) return;
      const body = response.json() as Promise<Record<string, unknown>>;
      // A test that closes the page before reading every answer leaves its body unread: not an error.
      body.catch(() => undefined);
      answers.set(path, [...(answers.get(path) ?? []), body]);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // Script errors and CSP refusals; an answer's status (the favicon's 404, a 5xx under load) is not one.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        errors.push(message.text());
      }
    });
    const response = await page.goto(`${origin}/conformance/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    return { page, errors, answers };
  }

  it('shows the routes’ figures with nothing overdue, keeps the token out of storage and URLs, and passes axe', {
    timeout: 240_000,
  }, async () => {
    const { page, errors, answers } = await openDashboard();
    served.length = 0;
    await signInAndLoad(page);
    expect(await page.locator('#conformance-summary').textContent()).toMatch(/^Nothing is overdue/);
    await expectFiguresOfRoutes(page, answers);
    expect(await page.locator('#requests tr.overdue').count()).toBe(0);
    expect(await page.locator('#history-summary').textContent()).toMatch(/\) nothing was overdue\.$/);
    await showHolds(page);

    // The token: sent only as a header, never in a URL, storage or cookie.
    const apiCalls = served.filter((line) => !line.startsWith('GET /favicon.ico '));
    expect(apiCalls.length).toBeGreaterThanOrEqual(4);
    expect(apiCalls.every((line) => line.endsWith(' token') && !line.includes(TEST_OPERATOR_TOKEN))).toBe(
      true,
    );
    expect(page.url()).not.toContain(TEST_OPERATOR_TOKEN);
    const stored = String(
      await page.evaluate('JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie])'),
    );
    expect(stored).not.toContain(TEST_OPERATOR_TOKEN);
    expect(await page.getByLabel('Operator token').inputValue()).toBe('');

    expect(await axeViolations(page), 'axe-core').toEqual([]);
    expect(errors).toEqual([]);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: resolve(SCREENSHOTS, 'dashboard-clean.png'), fullPage: true });
    await page.close();
  });

  it('highlights overdue items and an overdue deletion request, with the figures the routes answer', {
    timeout: 240_000,
  }, async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    await writeItems(db.doc, db.tables, [
      { category: 'messages', app: OTHER_APP, account: 'erin-dash', expiresAt: now / 1000 - 2 * 86_400 },
      { category: 'messages', app: OTHER_APP, account: 'erin-dash', expiresAt: now / 1000 - 3600 },
      { category: 'log', app: OTHER_APP, expiresAt: now / 1000 - 7200 },
    ]);
    // Filed 40 days ago: its one-month deadline has passed and it is still open.
    const requests = requestStore(db.doc, db.tables.governance);
    await requests.create(accountRequest(OTHER_APP, 'frank-dash'), new Date(now - 40 * DAY));
    const evidence = createRunEvidenceStore({ doc: db.doc, tableName: db.tables.governance });
    for (const [ago, lingering] of [
      [12, 2],
      [6, 26],
      [1, 47],
    ] as const) {
      await evidence.record(evidenceOf(now - ago * HOUR, lingering * 3600));
    }

    const { page, errors, answers } = await openDashboard();
    await signInAndLoad(page);
    expect(await page.locator('#conformance-summary').textContent()).toMatch(/^3 items are overdue/);
    await expectFiguresOfRoutes(page, answers);
    expect(await page.locator('#requests tr.overdue').count()).toBe(1);
    expect(
      await page.locator('#by-status tr[data-status="received"] [data-figure="overdue"]').textContent(),
    ).toBe('1');
    expect(await page.locator('#history-summary').textContent()).toMatch(
      /oldest lingering item was 1 d 23 h overdue/,
    );
    await showHolds(page);

    expect(await axeViolations(page), 'axe-core').toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'dashboard-overdue.png'), fullPage: true });
    const png = readFileSync(resolve(SCREENSHOTS, 'dashboard-overdue.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });

  it('says so on a refused token (401) and on a network error', async () => {
    const { page } = await openDashboard();
    await signIn(page, 'wrong-token-0123456789abcdef');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/refused \(401 Unauthorized\)/);
    expect(await page.locator('#evidence').isHidden()).toBe(true);

    await page.route('**/conformance', (route) => route.abort('connectionrefused'));
    await signIn(page);
    await expect
      .poll(() => page.locator('#status').textContent())
      .toMatch(/could not be reached \(network error\)/);
    await page.close();
  });

  it('is valid HTML with a strict CSP and no external asset', async () => {
    const response = await fetch(`${origin}/conformance/dashboard`);
    const csp = String(response.headers.get('content-security-policy'));
    expect(csp).toMatch(/script-src 'sha256-[^']+'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await response.text();
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect(await nuCheckerMessages(html), 'W3C Nu HTML checker').toEqual([]);
  });
});
