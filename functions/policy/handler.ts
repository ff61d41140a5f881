import { NotFoundError } from '../../lib/errors.js';
import { httpOperation } from '../../lib/http/http-router.js';
import { sdkAppIdOf } from '../../lib/http/path-parameters.js';
import { html, json } from '../../lib/http/response.js';
import { createTelemetryRecorder } from '../../lib/http/telemetry.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { policyDocument } from '../../lib/policy/policy-document.js';
import { createAppStore } from '../../lib/store/apps.js';
import { renderAppDisclosure } from './app-disclosure-page.js';
import { renderPrivacyPage } from './privacy-page.js';

const { env, logger, doc } = functionBase('policy');
const recorder = createTelemetryRecorder({ doc, tableName: env.tables.telemetry, logger });
const policyBody = policyDocument();
const privacyBody = renderPrivacyPage();

/** `GET /policy`: the retention schedule as JSON, for anyone. */
export const getPolicy = httpOperation({ logger, recorder }, 'getPolicy').handler(async () =>
  json(200, policyBody, { 'cache-control': 'public, max-age=300' }),
);

/** `GET /privacy`: the same schedule as an HTML page in Chinese and English. */
export const getPrivacyPage = httpOperation({ logger, recorder }, 'getPrivacyPage').handler(async () =>
  html(200, privacyBody),
);

const appStore = createAppStore({ doc, tableName: env.tables.apps });

/**
 * `GET /apps/{sdkAppId}/privacy`: the app's own disclosure page, for its end users, rendered from the
 * configuration in force at this request (never cached). An app that does not publish it, an unknown and
 * a purged app all answer the same 404, so the page reveals nothing of an app that did not opt in.
 */
export const getAppDisclosure = httpOperation({ logger, recorder }, 'getAppDisclosurePage').handler(
  async (event) => {
    const sdkAppId = sdkAppIdOf(event);
    const app = await appStore.get(sdkAppId, new Date());
    if (app?.config.privacy?.publishDisclosure !== true) {
      throw new NotFoundError(`sdkAppId: app ${sdkAppId} publishes no privacy page`);
    }
    return html(200, renderAppDisclosure(app), { 'cache-control': 'no-store' });
  },
);
