import { describe, expect, it } from 'vitest';
import { describeZodError } from '../../../lib/http/body.js';
import {
  appConfigSchema,
  isResidentHere,
  mayShareWithTrtc,
  redactAppConfig,
} from '../../../lib/policy/app-config.js';

const valid = {
  appName: 'Chat',
  secretKey: 'very-secret-key',
  adminAccount: 'administrator',
  dataCenter: 'local',
  callback: { enabled: true, url: 'https://example.com/cb', token: 'callback-token' },
  offlinePush: [{ platform: 'android', packageName: 'com.example', appId: 'x', appSecret: 'push-secret' }],
  recentContactsPull: 100,
};

const detailOf = (body: unknown) => {
  const result = appConfigSchema.safeParse(body);
  return result.success ? 'ok' : describeZodError(result.error);
};

describe('P4 config schema', () => {
  it('accepts the full field list', () => {
    expect(
      detailOf({
        ...valid,
        intro: 'i',
        appType: 'social',
        description: 'd',
        appId: '1400000000',
        plan: 'pro',
        status: 'online',
        c2cRequireFriendship: true,
        checkBlocklist: true,
        multiPlatformLoginInstances: 2,
        tags: ['a'],
        avGroupHistoryForNewMembers: false,
        recall: { timeLimitSeconds: 120 },
        recentContactsPull: 500,
        addFriendDefaultVerification: 'NeedPermission',
        customFields: { friend: ['Tag_SNS_Custom_A'], user: [], groupMember: [], group: [] },
        trtc: { sharingConsent: true, subscribed: false },
        privacy: {
          userInfo: { mode: 'notStored' },
          messages: { mode: 'stored', retentionDays: 30 },
          sensitiveData: 'reject',
        },
      }),
    ).toBe('ok');
  });

  it.each([
    [{ ...valid, recentContactsPull: 99 }, 'recentContactsPull'],
    [{ ...valid, recentContactsPull: 501 }, 'recentContactsPull'],
    [{ ...valid, appName: undefined }, 'appName'],
    [{ ...valid, secretKey: undefined }, 'secretKey'],
    [{ ...valid, dataCenter: '' }, 'dataCenter'],
    [
      { ...valid, privacy: { messages: { mode: 'stored', retentionDays: 3651 } } },
      'privacy.messages.retentionDays',
    ],
    [{ ...valid, privacy: { messages: { mode: 'forever' } } }, 'privacy.messages.mode'],
    [{ ...valid, addFriendDefaultVerification: 'Maybe' }, 'addFriendDefaultVerification'],
    [{ ...valid, surprise: 1 }, 'surprise'],
  ])('rejects %o naming %s', (body, field) => {
    expect(detailOf(body)).toContain(field);
  });
});

describe('write-only secrets', () => {
  it('never returns secretKey, callback.token or offlinePush[].appSecret', () => {
    const redacted = redactAppConfig(appConfigSchema.parse(valid));
    const text = JSON.stringify(redacted);
    for (const secret of ['very-secret-key', 'callback-token', 'push-secret'])
      expect(text).not.toContain(secret);
    expect(redacted).toMatchObject({
      secretKeySet: true,
      callback: { tokenSet: true },
      offlinePush: [{ appSecretSet: true }],
    });
  });
});

describe('P5 and P1 gates', () => {
  it.each([
    [undefined, false],
    [{ sharingConsent: true, subscribed: false }, false],
    [{ sharingConsent: false, subscribed: true }, false],
    [{ sharingConsent: true, subscribed: true }, true],
  ])('shares with TRTC for %o: %s', (trtc, expected) => {
    expect(mayShareWithTrtc({ trtc })).toBe(expected);
  });

  it('treats only the same data centre as resident', () => {
    expect(isResidentHere({ dataCenter: 'local' }, 'local')).toBe(true);
    expect(isResidentHere({ dataCenter: 'eu-frankfurt' }, 'local')).toBe(false);
  });
});
