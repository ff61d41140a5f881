import { createHmac } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_USERSIG_LENGTH, signedContent } from '../../lib/auth/usersig.js';
import { adminQuery, operatorHeaders } from '../functions/apps/client.js';
import { encodeSigDocument, genUserSig } from '../lib/auth/tls-sig.js';
import { fullConfig, newSdkAppId, SECRETS } from '../lib/store/apps-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { httpEvent } from '../support/events.js';
import { expectProblem, invoke } from './harness.js';

/**
 * Attacks on app-admin UserSigs (TLS-Sig v2, HMAC-SHA256 with the app's secret key), through the apps
 * function's middy chain: `PATCH /apps/{id}/privacy` (app admin only) and `GET /apps/{id}`.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

let db: TestDatabase;
let handler: Handler;
const APP = newSdkAppId();
const OTHER = newSdkAppId();
const OTHER_KEY = 'sk-other-app-for-usersig-attacks-0123456789abcdef';
const ADMIN = 'administrator';

const patch = (query: Record<string, string>, sdkAppId = APP) =>
  invoke(
    handler,
    httpEvent('PATCH', `/apps/${sdkAppId}/privacy`, {
      routePath: '/apps/{sdkAppId}/privacy',
      pathParameters: { sdkAppId },
      query,
      body: { sensitiveData: 'off' },
    }),
  );

/** The decoded sig document of a real UserSig, to edit and re-encode. */
function docOf(userSig: string): Record<string, unknown> {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8')) as Record<string, unknown>;
}

function resign(doc: Record<string, unknown>, key: string, algorithm = 'sha256'): Record<string, unknown> {
  const claims = {
    identifier: String(doc['TLS.identifier']),
    sdkAppId: String(doc['TLS.sdkappid']),
    issuedAt: Number(doc['TLS.time']),
    expireSeconds: Number(doc['TLS.expire']),
  };
  const sig = createHmac(algorithm, key).update(signedContent(claims)).digest('base64');
  return { ...doc, 'TLS.sig': sig };
}

/** The same compressed document followed by three more bytes, re-encoded. */
function withTrailingBytes(userSig: string): string {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return Buffer.concat([Buffer.from(base64, 'base64'), Buffer.from([0, 0, 0])])
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}

const query = (usersig: string, overrides: Record<string, string> = {}) => ({
  sdkappid: APP,
  identifier: ADMIN,
  usersig,
  random: '12345',
  ...overrides,
});

beforeAll(async () => {
  db = await createTestDatabase();
  handler = (await import('../../functions/apps/handler.js')).handler as unknown as Handler;
  for (const [id, secretKey] of [
    [APP, SECRETS.secretKey],
    [OTHER, OTHER_KEY],
  ] as const) {
    const answer = await invoke(
      handler,
      httpEvent('PUT', `/apps/${id}`, {
        routePath: '/apps/{sdkAppId}',
        pathParameters: { sdkAppId: id },
        headers: operatorHeaders,
        body: fullConfig({ secretKey }),
      }),
    );
    expect(answer.status).toBe(200);
  }
});
afterAll(async () => db.drop());

describe('a genuine UserSig is the baseline', () => {
  it("the app's admin with a fresh UserSig may change the privacy settings", async () => {
    expect((await patch(adminQuery(APP, SECRETS.secretKey))).status).toBe(200);
  });
});

describe('forged, edited and confused UserSigs get 401', () => {
  const genuine = () => genUserSig(APP, SECRETS.secretKey, ADMIN, 3600);
  it.each([
    ['signed with another app’s key', () => genUserSig(APP, OTHER_KEY, ADMIN)],
    ['signed with an empty key', () => encodeSigDocument(resign(docOf(genuine()), ''))],
    [
      'HMAC-SHA1 instead of SHA-256 (algorithm confusion)',
      () => encodeSigDocument(resign(docOf(genuine()), SECRETS.secretKey, 'sha1')),
    ],
    [
      'HMAC-SHA512 instead of SHA-256',
      () => encodeSigDocument(resign(docOf(genuine()), SECRETS.secretKey, 'sha512')),
    ],
    [
      '"alg": "none" with an empty signature',
      () => encodeSigDocument({ ...docOf(genuine()), alg: 'none', 'TLS.sig': '' }),
    ],
    [
      'the signature removed',
      () => {
        const d = docOf(genuine());
        delete d['TLS.sig'];
        return encodeSigDocument(d);
      },
    ],
    [
      'TLS.ver 1.0 (the older, ECDSA format)',
      () => encodeSigDocument({ ...docOf(genuine()), 'TLS.ver': '1.0' }),
    ],
    [
      'the lifetime extended after signing',
      () => encodeSigDocument({ ...docOf(genuine()), 'TLS.expire': 999_999_999 }),
    ],
    [
      'the issue time moved after signing',
      () => encodeSigDocument({ ...docOf(genuine()), 'TLS.time': Math.floor(Date.now() / 1000) + 100 }),
    ],
    [
      'the identifier edited after signing',
      () => encodeSigDocument({ ...docOf(genuine()), 'TLS.identifier': 'root' }),
    ],
    ['the sdkappid as a string', () => encodeSigDocument({ ...docOf(genuine()), 'TLS.sdkappid': APP })],
    [
      'a userbuf added after signing',
      () => encodeSigDocument({ ...docOf(genuine()), 'TLS.userbuf': 'AAAA' }),
    ],
    [
      'expired a second ago',
      () => genUserSig(APP, SECRETS.secretKey, ADMIN, 60, new Date(Date.now() - 61_000)),
    ],
    [
      'issued an hour in the future',
      () => genUserSig(APP, SECRETS.secretKey, ADMIN, 86_400, new Date(Date.now() + 3_600_000)),
    ],
    ['truncated', () => genuine().slice(0, -8)],
    ['with bytes after the zlib stream', () => withTrailingBytes(genuine())],
    ['not base64 at all', () => '!!!not base64!!!'],
    ['a JWT', () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbmlzdHJhdG9yIn0.'],
    ['over the length limit', () => 'A'.repeat(MAX_USERSIG_LENGTH + 1)],
  ])('%s', async (_name, make) => {
    const answer = await patch(query(make()));
    expectProblem(answer, [401]);
    expect(answer.body.detail).toMatch(/usersig/);
  });

  it('random strings as usersig never authenticate and never fail with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
          fc.base64String({ minLength: 4, maxLength: 400 }),
        ),
        async (usersig) => {
          expectProblem(await patch(query(usersig)), [401]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('decompression bombs are bounded', () => {
  it.each([
    ['1 MB of zeros', Buffer.alloc(1024 * 1024)],
    ['a 1 MB JSON string', Buffer.from(JSON.stringify({ 'TLS.ver': '2.0', pad: 'x'.repeat(1024 * 1024) }))],
  ])('a UserSig that inflates to %s is refused quickly with 401', async (_name, payload) => {
    const usersig = deflateSync(payload, { level: 9 })
      .toString('base64')
      .replace(/\+/g, '*')
      .replace(/\//g, '-')
      .replace(/=/g, '_');
    expect(usersig.length).toBeLessThanOrEqual(MAX_USERSIG_LENGTH);
    const started = performance.now();
    const answer = await patch(query(usersig));
    expectProblem(answer, [401]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('valid credentials in the wrong place get 403', () => {
  it("a genuine UserSig of another app's admin, for this app's path", async () => {
    const answer = await patch(adminQuery(OTHER, OTHER_KEY), APP);
    expectProblem(answer, [403]);
  });

  it('a genuine UserSig of a user who is not the admin account', async () => {
    const answer = await patch(adminQuery(APP, SECRETS.secretKey, 'ordinary-user'));
    expectProblem(answer, [403]);
  });

  it('the query identifier or sdkappid changed from what the UserSig names', async () => {
    expectProblem(
      await patch(adminQuery(APP, SECRETS.secretKey, ADMIN, { queryIdentifier: 'someone' })),
      [401, 403],
    );
    expectProblem(
      await patch(adminQuery(APP, SECRETS.secretKey, ADMIN, { querySdkAppId: OTHER })),
      [401, 403],
    );
  });

  it.each([
    ['a random that is not a number', { random: 'abc' }],
    ['a random over 32 bits', { random: '99999999999' }],
  ])('%s is refused', async (_name, overrides) => {
    expectProblem(await patch({ ...adminQuery(APP, SECRETS.secretKey), ...overrides }), [401]);
  });
});
