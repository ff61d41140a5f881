import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullConfig, newSdkAppId, SECRETS } from '../../lib/store/apps-fixtures.js';
import { createTestDatabase, TEST_OPERATOR_TOKEN, type TestDatabase } from '../../support/database.js';
import { lambdaContext } from '../../support/events.js';
import { adminQuery, appsClient, operatorHeaders } from './client.js';

/** Everything written to stdout/stderr (where Powertools Logger and console write) while `run` runs. */
async function captureOutput(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  try {
    await run();
  } finally {
    streams.forEach((stream, index) => {
      stream.write = originals[index] as typeof stream.write;
    });
  }
  return chunks.join('');
}

describe('no credential or secret ever reaches a log line', () => {
  let db: TestDatabase;
  let call: ReturnType<typeof appsClient>;
  let purge: (event: unknown, context: unknown) => Promise<unknown>;
  let onEvent: (event: unknown, context: unknown) => Promise<unknown>;

  beforeAll(async () => {
    db = await createTestDatabase({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    call = appsClient((await import('../../../functions/apps/handler.js')).handler);
    purge = (await import('../../../functions/purge/handler.js')).handler as typeof purge;
    onEvent = (await import('../../../functions/termination-events/handler.js')).handler as typeof onEvent;
  });
  afterAll(async () => db.drop());

  it('through registration, reads, privacy changes, auth failures, validation errors, termination and purge', async () => {
    const id = newSdkAppId();
    const other = newSdkAppId();
    const usedSigs: string[] = [];
    const admin = () => {
      const query = adminQuery(id, SECRETS.secretKey);
      usedSigs.push(query.usersig as string);
      return query;
    };
    const output = await captureOutput(async () => {
      expect(
        (await call('PUT', `/apps/${id}`, { headers: operatorHeaders, body: fullConfig() })).status,
      ).toBe(200);
      expect(
        (await call('PUT', `/apps/${other}`, { headers: operatorHeaders, body: fullConfig() })).status,
      ).toBe(200);
      expect((await call('GET', `/apps/${id}`, { query: admin() })).status).toBe(200);
      expect(
        (await call('PATCH', `/apps/${id}/privacy`, { query: admin(), body: { sensitiveData: 'flag' } }))
          .status,
      ).toBe(200);
      // Failures: wrong token, forged and foreign UserSigs, secrets inside invalid bodies.
      await call('GET', `/apps/${id}`, { headers: { authorization: `Bearer ${SECRETS.secretKey}` } });
      await call('GET', `/apps/${id}`, { query: { ...admin(), usersig: `${SECRETS.callbackToken}x` } });
      await call('GET', `/apps/${other}`, { query: admin() });
      await call('PUT', `/apps/${id}`, {
        headers: operatorHeaders,
        body: { ...fullConfig(), secretKey: 42, x: SECRETS.pushSecret },
      });
      await call('PUT', `/apps/${id}`, {
        headers: operatorHeaders,
        body: `{"secretKey":"${SECRETS.secretKey}"`,
      });
      await call('PATCH', `/apps/${id}/privacy`, {
        headers: operatorHeaders,
        body: { sensitiveData: SECRETS.secretKey },
      });
      await call('POST', `/apps/${id}/termination`, {
        headers: operatorHeaders,
        body: { terminatedAt: '2020-01-01T00:00:00Z' },
      });
      await onEvent(
        { 'detail-type': 'AppTerminated', source: 'im.billing', id: 'e1', detail: { sdkAppId: other } },
        lambdaContext(),
      );
      await purge({}, lambdaContext());
    });

    // The capture saw the functions' log lines, so an absent secret is a real absence.
    expect(output).toContain('app registered');
    expect(output).toContain('app configuration purged');
    expect(output).toContain('app terminated by event');
    for (const secret of [...Object.values(SECRETS), TEST_OPERATOR_TOKEN, ...usedSigs]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/Bearer /i);
  });
});
