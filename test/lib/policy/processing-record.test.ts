import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayShareWithTrtc, type SensitiveDataMode } from '../../../lib/policy/app-config.js';
import { BACKUP_RESTORABLE_DAYS, CATEGORY_IDS, type CategoryId } from '../../../lib/policy/categories.js';
import {
  processingRecord,
  type RecordedApp,
  sensitiveDataHandling,
  TRTC_RECIPIENT,
} from '../../../lib/policy/processing-record.js';

const NOW = new Date('2027-03-01T08:00:00.000Z');
const HERE = 'ap-guangzhou';

const app = (
  overrides: Partial<RecordedApp> = {},
  config: Partial<RecordedApp['config']> = {},
): RecordedApp => ({
  sdkAppId: '1400000123',
  status: 'active',
  ...overrides,
  config: { appName: 'Demo chat', dataCenter: HERE, ...config },
});

const recordOf = (recorded: RecordedApp) =>
  processingRecord(recorded, { now: NOW, deploymentDataCenter: HERE });
const activityOf = (recorded: RecordedApp, id: CategoryId) => {
  const found = recordOf(recorded).categories.find((category) => category.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

describe('processingRecord', () => {
  it('lists every policy category once, in the policy order, with its purpose and legal basis', () => {
    const record = recordOf(app());
    expect(record.categories.map((c) => c.id)).toEqual([...CATEGORY_IDS]);
    expect(record.controller).toEqual({ sdkAppId: '1400000123', appName: 'Demo chat' });
    expect(record.generatedAt).toBe(NOW.toISOString());
    expect(activityOf(app(), 'messages')).toMatchObject({
      clause: 'D2',
      legalBasis: 'customerInstruction',
      dataSubjects: 'endUsers',
      purpose: { en: 'Provide the IM feature to the customer' },
    });
    expect(activityOf(app(), 'log')).toMatchObject({
      legalBasis: 'performanceOfContract',
      dataSubjects: 'customer',
    });
  });

  it.each([
    ['log', { kind: 'days', days: 7 }],
    ['monitoring', { kind: 'days', days: 2 }],
    ['config', { kind: 'monthsAfterTermination', months: 2, purgeAt: null }],
    ['userInfo', { kind: 'customerSet', days: 7, isDefault: true }],
    ['messages', { kind: 'customerSet', days: 7, isDefault: true }],
  ] as const)('gives %s its retention under the defaults', (id, retention) => {
    expect(activityOf(app(), id).retention).toEqual(retention);
  });

  it('states the retention the app configured, and notStored where it chose so', () => {
    const configured = app(
      {},
      { privacy: { messages: { mode: 'stored', retentionDays: 30 }, userInfo: { mode: 'notStored' } } },
    );
    expect(activityOf(configured, 'messages')).toMatchObject({
      retention: { kind: 'customerSet', days: 30, isDefault: false },
      storage: { mode: 'stored', reason: 'setting' },
    });
    expect(activityOf(configured, 'userInfo')).toMatchObject({
      retention: { kind: 'notStored' },
      storage: { mode: 'notStored', reason: 'setting' },
    });
  });

  it('says nothing personal is stored here for an app of another data centre (P1), wherever it is', () => {
    const elsewhere = app({}, { dataCenter: 'eu-frankfurt' });
    const record = recordOf(elsewhere);
    expect(record.app).toMatchObject({
      dataCenter: 'eu-frankfurt',
      deploymentDataCenter: HERE,
      residentHere: false,
    });
    expect(activityOf(elsewhere, 'messages')).toMatchObject({
      storage: { mode: 'notStored', reason: 'dataCentre' },
      location: { dataCenter: 'eu-frankfurt' },
    });
    expect(activityOf(elsewhere, 'log').location).toEqual({ dataCenter: HERE });
  });

  it('states the termination and the purge date of a terminated app', () => {
    const terminated = app({
      status: 'terminated',
      terminatedAt: '2026-12-31T10:00:00.000Z',
      purgeAt: '2027-02-28T10:00:00.000Z',
    });
    expect(recordOf(terminated).app).toMatchObject({
      status: 'terminated',
      terminatedAt: '2026-12-31T10:00:00.000Z',
      purgeAt: '2027-02-28T10:00:00.000Z',
    });
    expect(activityOf(terminated, 'config').retention).toEqual({
      kind: 'monthsAfterTermination',
      months: 2,
      purgeAt: '2027-02-28T10:00:00.000Z',
    });
  });

  it.each([
    ['messages', 'off', 'notChecked'],
    ['messages', 'flag', 'flagged'],
    ['messages', 'mask', 'masked'],
    ['messages', 'reject', 'rejected'],
    ['userInfo', 'off', 'notChecked'],
    ['userInfo', 'flag', 'notChecked'],
    ['userInfo', 'mask', 'masked'],
    ['userInfo', 'reject', 'masked'],
    ['log', 'reject', 'notApplicable'],
    ['config', 'mask', 'notApplicable'],
  ] as const)('handles sensitive data in %s under %s as %s (D5)', (id, mode, handling) => {
    expect(sensitiveDataHandling(id, mode)).toBe(handling);
    const activity = activityOf(app({}, { privacy: { sensitiveData: mode } }), id);
    expect(activity.sensitiveData).toEqual({
      mode: id === 'messages' || id === 'userInfo' ? mode : null,
      handling,
    });
  });

  it('requires no consent unless the app sets privacy.consent to required (D6)', () => {
    expect(activityOf(app(), 'messages').consent).toBe('notRequired');
    expect(activityOf(app(), 'log').consent).toBe('notApplicable');
    const requiring = app({}, { privacy: { consent: 'required' } });
    expect(activityOf(requiring, 'userInfo').consent).toBe('required');
    expect(activityOf(requiring, 'config').consent).toBe('notApplicable');
  });

  it('gives every category KMS encryption at rest and the backups window of the policy (P6)', () => {
    for (const activity of recordOf(app()).categories) {
      expect(activity.technicalMeasures).toMatchObject({
        encryptionAtRest: { sseType: 'KMS' },
        encryptionInTransit: 'TLS',
        backups: { restorableDays: BACKUP_RESTORABLE_DAYS },
      });
    }
  });

  const modes: fc.Arbitrary<SensitiveDataMode> = fc.constantFrom('off', 'flag', 'mask', 'reject');
  const personalSetting = fc.option(
    fc.record(
      {
        mode: fc.constantFrom('stored' as const, 'notStored' as const),
        retentionDays: fc.integer({ min: 1, max: 3650 }),
      },
      { requiredKeys: ['mode'] },
    ),
    { nil: undefined },
  );
  const anyApp: fc.Arbitrary<RecordedApp> = fc.record({
    sdkAppId: fc.integer({ min: 1, max: 2 ** 31 }).map(String),
    status: fc.constantFrom('active' as const, 'terminated' as const),
    config: fc.record(
      {
        appName: fc.string({ minLength: 1, maxLength: 20 }),
        dataCenter: fc.constantFrom(HERE, 'eu-frankfurt'),
        trtc: fc.record({ sharingConsent: fc.boolean(), subscribed: fc.boolean() }),
        privacy: fc.record(
          { userInfo: personalSetting, messages: personalSetting, sensitiveData: modes },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['appName', 'dataCenter'] },
    ),
  });

  it('names TRTC as a recipient of app information only, and only when P5 allows', () => {
    fc.assert(
      fc.property(anyApp, (recorded) => {
        const record = recordOf(recorded);
        for (const activity of record.categories) {
          const expected =
            activity.id === 'config' && mayShareWithTrtc(recorded.config) ? [TRTC_RECIPIENT] : [];
          expect(activity.recipients).toEqual(expected);
        }
        expect(record.app.sharesWithTrtc).toBe(mayShareWithTrtc(recorded.config));
      }),
    );
  });

  it('stores a personal category here exactly when the app chose so and its data centre is this one', () => {
    fc.assert(
      fc.property(anyApp, (recorded) => {
        for (const id of ['userInfo', 'messages'] as const) {
          const chosen = recorded.config.privacy?.[id];
          const activity = activityOf(recorded, id);
          const stored = (chosen?.mode ?? 'stored') === 'stored' && recorded.config.dataCenter === HERE;
          expect(activity.storage.mode).toBe(stored ? 'stored' : 'notStored');
          if (chosen?.mode !== 'notStored') {
            expect(activity.retention).toEqual({
              kind: 'customerSet',
              days: chosen?.retentionDays ?? 7,
              isDefault: chosen?.retentionDays === undefined,
            });
          }
        }
      }),
    );
  });

  it('carries no field of the configuration beyond the app name, data centre and privacy choices', () => {
    const withSecrets = {
      ...app(),
      config: {
        ...app().config,
        secretKey: 'the-secret-key-0123456789',
        adminAccount: 'the-admin-account',
        callback: { enabled: true, url: 'https://cb.example.com/im', token: 'the-callback-token' },
      },
    };
    const text = JSON.stringify(recordOf(withSecrets));
    for (const secret of ['the-secret-key', 'the-admin-account', 'cb.example.com', 'the-callback-token']) {
      expect(text).not.toContain(secret);
    }
  });
});
