import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * The two independent checks every public page passes: the W3C Nu HTML Checker (`vnu-jar`, run on the
 * HTML the handler answered) and axe-core (run in Chromium on the page as rendered).
 */
const require = createRequire(import.meta.url);
const VNU_JAR = String(require('vnu-jar'));
const AXE = require.resolve('axe-core/axe.min.js');

/** Every error and warning the Nu checker reports on `html`, as `type: message (line)`. */
export function nuCheckerMessages(html: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'java',
      ['-jar', VNU_JAR, '--format', 'json', '--stdout', '-'],
      { maxBuffer: 8 * 1024 * 1024 },
      (error, stdout) => {
        try {
          const { messages } = JSON.parse(stdout) as {
            messages: Array<{ type: string; message: string; lastLine?: number }>;
          };
          resolve(messages.map((m) => `${m.type}: ${m.message} (line ${m.lastLine ?? '?'})`));
        } catch {
          reject(error ?? new Error(`vnu answered no JSON: ${stdout.slice(0, 200)}`));
        }
      },
    );
    child.stdin?.end(html);
  });
}

/** Every axe-core violation on the page as rendered, as `rule: help (n nodes)`. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, not added as a <script>: a page's strict CSP cannot refuse it.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as Array<{ id: string; help: string; nodes: unknown[] }>;
  });
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`);
}

/** Debian's Chromium (or CHROMIUM_PATH), headless, in a throw-away profile. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

export async function openChromium(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
