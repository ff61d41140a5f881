import middy from '@middy/core';
import { problemJson } from '../../lib/http/problem.js';
import { html, json } from '../../lib/http/response.js';
import { createLogger } from '../../lib/log.js';
import { policyDocument } from '../../lib/policy/policy-document.js';
import { renderPrivacyPage } from './privacy-page.js';

const logger = createLogger('policy');
const policyBody = policyDocument();
const privacyBody = renderPrivacyPage();

/** `GET /policy`: the retention schedule as JSON, for anyone. */
export const getPolicy = middy()
  .use(problemJson({ logger }))
  .handler(async () => json(200, policyBody, { 'cache-control': 'public, max-age=300' }));

/** `GET /privacy`: the same schedule as an HTML page in Chinese and English. */
export const getPrivacyPage = middy()
  .use(problemJson({ logger }))
  .handler(async () => html(200, privacyBody));
