import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSigDocument, genUserSig } from '../../lib/auth/tls-sig.js';
import { fullConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { type Answer, adminQuery, appsClient, operatorHeaders } from './client.js';

const OTHER_KEY = 'sk-other-app-0123456789abcdef0123456789abcdef';

describe('apps function: authentication of the operator and app admins (docs/api.md "Who calls")', () => {
  let db: TestDatabase;
  let call: ReturnType<typeof appsClient>;
  const app = newSdkAppId();
  const other = newSdkAppId();

  beforeAll(async () => {
    db = await createTestDatabase();
    const { handler } = await import('../../../functions/apps/handler.js');
    call = appsClient(handler);
    for (const [id, secretKey] of [
      [app, SECRETS.secretKey],
      [other, OTHER_KEY],
    ] as const) {
      const answer = await call('PUT', `/apps/${id}`, {
        headers: operatorHeaders,
        body: fullConfig({ secretKey }),
      });
      expect(answer.status).toBe(200);
    }
  });
  afterAll(async () => db.drop());

  const ROUTES = [
    ['PUT', `/apps/${app}`, fullConfig()],
    ['GET', `/apps/${app}`, undefined],
    ['PATCH', `/apps/${app}/privacy`, { sensitiveData: 'off' }],
    ['POST', `/apps/${app}/termination`, undefined],
    ['DELETE', `/apps/${app}/termination`, undefined],
  ] as const;
  const OPERATOR_ROUTES = ROUTES.filter(([method]) => ['PUT', 'POST', 'DELETE'].includes(method));

  function expectProblem(answer: Answer, status: 401 | 403, detail?: RegExp) {
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status, title: status === 401 ? 'Unauthorized' : 'Forbidden' });
    if (detail) expect(answer.body.detail).toMatch(detail);
    for (const secret of [...Object.values(SECRETS), OTHER_KEY, TEST_OPERATOR_TOKEN]) {
      expect(answer.raw).not.toContain(secret);
    }
  }

  const validAdmin = () => adminQuery(app, SECRETS.secretKey);
  const badCredentials: Array<
    [string, () => { headers?: Record<string, string>; query?: Record<string, string> }]
  > = [
    ['no credentials at all', () => ({})],
    [
      'a wrong operator token',
      () => ({ headers: { authorization: 'Bearer not-the-operator-token-at-all' } }),
    ],
    ['an Authorization header without Bearer', () => ({ headers: { authorization: TEST_OPERATOR_TOKEN } })],
    ['a UserSig made with the wrong key', () => ({ query: adminQuery(app, OTHER_KEY) })],
    [
      'an expired UserSig',
      () => ({
        query: adminQuery(app, SECRETS.secretKey, 'administrator', {
          expireSeconds: 60,
          issuedAt: new Date(Date.now() - 120_000),
        }),
      }),
    ],
    [
      'a tampered UserSig (identifier edited after signing)',
      () => {
        const query = validAdmin();
        const base64 = (query.usersig as string).replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
        const doc = JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString());
        return {
          query: {
            ...query,
            identifier: 'intruder',
            usersig: encodeSigDocument({ ...doc, 'TLS.identifier': 'intruder' }),
          },
        };
      },
    ],
    [
      'a UserSig whose last characters were changed',
      () => {
        const query = validAdmin();
        const sig = query.usersig as string;
        return { query: { ...query, usersig: `${sig.slice(0, -8)}AAAAAAAA` } };
      },
    ],
    ['garbage in usersig', () => ({ query: { ...validAdmin(), usersig: 'not-a-usersig' } })],
    ['no usersig', () => ({ query: { ...validAdmin(), usersig: '' } })],
    ['no identifier', () => ({ query: { ...validAdmin(), identifier: '' } })],
    ['no sdkappid', () => ({ query: { ...validAdmin(), sdkappid: '' } })],
    ['a random that is not a number', () => ({ query: { ...validAdmin(), random: 'abc' } })],
    [
      'an identifier that differs from the one signed',
      () => ({
        query: adminQuery(app, SECRETS.secretKey, 'administrator', { queryIdentifier: 'administrator2' }),
      }),
    ],
    [
      'a UserSig for this app presented as another app',
      () => ({ query: adminQuery(app, SECRETS.secretKey, 'administrator', { querySdkAppId: other }) }),
    ],
    ['a UserSig for an unknown app', () => ({ query: adminQuery('1999999999', SECRETS.secretKey) })],
  ];

  describe('401: bad or missing credentials, on every route', () => {
    for (const [method, path, body] of ROUTES) {
      it.each(badCredentials)(`${method} ${path.replace(app, '{id}')}: %s`, async (_name, credentials) => {
        expectProblem(await call(method, path, { ...credentials(), body }), 401);
      });
    }
  });

  describe('403: valid credentials, wrong app or role', () => {
    it.each(OPERATOR_ROUTES)(
      '%s %s refuses a valid app admin (operator only)',
      async (method, path, body) => {
        expectProblem(await call(method, path, { query: validAdmin(), body }), 403, /for the operator/);
      },
    );

    it('PATCH privacy refuses the operator (app admin only)', async () => {
      const answer = await call('PATCH', `/apps/${app}/privacy`, {
        headers: operatorHeaders,
        body: { sensitiveData: 'off' },
      });
      expectProblem(answer, 403, /for the app admin/);
    });

    it.each([
      ['GET', `/apps/${app}`, undefined],
      ['PATCH', `/apps/${app}/privacy`, { sensitiveData: 'off' }],
    ] as const)(
      '%s %s refuses the admin of another app, revealing nothing of this one',
      async (method, path, body) => {
        const answer = await call(method, path, { query: adminQuery(other, OTHER_KEY), body });
        expectProblem(answer, 403, /^sdkappid: /);
        expect(answer.raw).not.toContain('Chat Demo');
        const unchanged = await call('GET', `/apps/${app}`, { headers: operatorHeaders });
        expect((unchanged.body.privacy as { sensitiveData: string }).sensitiveData).toBe('reject');
      },
    );

    it.each([
      ['GET', `/apps/${app}`, undefined],
      ['PATCH', `/apps/${app}/privacy`, { sensitiveData: 'off' }],
    ] as const)(
      '%s %s refuses a valid UserSig of a user who is not the admin account',
      async (method, path, body) => {
        const answer = await call(method, path, {
          query: adminQuery(app, SECRETS.secretKey, 'ordinary-user'),
          body,
        });
        expectProblem(answer, 403, /^identifier: /);
      },
    );

    it('an invalid operator token on an app-admin route is still 401, not 403', async () => {
      const answer = await call('PATCH', `/apps/${app}/privacy`, {
        headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' },
        body: { sensitiveData: 'off' },
      });
      expectProblem(answer, 401);
    });
  });

  describe('valid credentials pass', () => {
    it('the app admin reads its own app; the operator reads any app', async () => {
      expect((await call('GET', `/apps/${app}`, { query: validAdmin() })).status).toBe(200);
      expect((await call('GET', `/apps/${other}`, { headers: operatorHeaders })).status).toBe(200);
    });

    it('a UserSig of the app admin made by the reference library at any supported lifetime', async () => {
      for (const expireSeconds of [60, 86_400, 86_400 * 180]) {
        const query = {
          ...validAdmin(),
          usersig: genUserSig(app, SECRETS.secretKey, 'administrator', expireSeconds),
        };
        expect((await call('GET', `/apps/${app}`, { query })).status).toBe(200);
      }
    });

    it('authenticates before validating: a bad body without credentials is 401, not 400', async () => {
      expectProblem(await call('PUT', `/apps/${app}`, { body: { nonsense: true } }), 401);
      expectProblem(await call('PUT', '/apps/not-a-number', { body: {} }), 401);
    });
  });

  describe('after the purge', () => {
    it.each([
      ['over-long', '1'.repeat(40)],
      ['past DynamoDB’s key size', '1'.repeat(3000)],
      ['malformed', '14000abc'],
    ])('an %s sdkappid in the query is 401, never a 5xx', async (_, sdkappid) => {
      const query = { ...validAdmin(), sdkappid };
      expectProblem(await call('GET', `/apps/${app}`, { query }), 401);
      expectProblem(await call('GET', `/apps/${sdkappid}`, { query }), 401);
    });

    it("a purged app's admin credentials are no longer valid (401)", async () => {
      const gone = newSdkAppId();
      await call('PUT', `/apps/${gone}`, { headers: operatorHeaders, body: fullConfig() });
      const query = adminQuery(gone, SECRETS.secretKey);
      expect((await call('GET', `/apps/${gone}`, { query })).status).toBe(200);
      await call('POST', `/apps/${gone}/termination`, {
        headers: operatorHeaders,
        body: { terminatedAt: '2020-01-01T00:00:00Z' },
      });
      expectProblem(await call('GET', `/apps/${gone}`, { query }), 401);
    });
  });
});
