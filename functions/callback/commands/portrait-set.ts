import { tencentOk } from '../../../lib/http/tencent-answer.js';
import { retentionStart } from '../../../lib/policy/event-time.js';
import { decidePersonalStorage } from '../../../lib/policy/retention.js';
import { guardProfileValue } from '../../../lib/policy/sensitive-data.js';
import type { UserInfoField, UserInfoValues } from '../../../lib/store/user-info.js';
import { portraitSetSchema } from '../schemas.js';
import { consentGiven, cutsFor } from './consent.js';
import { registerCoveringHolds } from './holds.js';
import { defineCommand } from './types.js';

/**
 * D1: Profile.CallbackPortraitSet stores the nickname, avatar URL and signature (and nothing else of the
 * profile) when the app stores userInfo and is resident here, until the event time + the app's
 * retention. Under D5 mask or reject, a detected value is masked before it is stored. For an account a
 * legal hold covers, the values the write supersedes are kept first (a held snapshot): nothing held is
 * overwritten or removed. D6: under `privacy.consent: "required"` only an account with an active consent
 * for userInfo is stored.
 */
export const PROFILE_TAGS: Readonly<Record<string, UserInfoField>> = {
  Tag_Profile_IM_Nick: 'nickname',
  Tag_Profile_IM_Image: 'avatarUrl',
  Tag_Profile_IM_SelfSignature: 'signature',
};

const MAX_VALUE_LENGTH = 4096;

export const portraitSet = defineCommand({
  name: 'Profile.CallbackPortraitSet',
  phase: 'after',
  schema: portraitSetSchema,
  run: async (body, context) => {
    const { app, settings, now, deps } = context;
    const log = (outcome: string) =>
      deps.logger.info('profile callback', {
        command: 'Profile.CallbackPortraitSet',
        app: app.sdkAppId,
        outcome,
      });
    const values: UserInfoValues = {};
    for (const { Tag, Value } of body.ProfileItem) {
      const field = PROFILE_TAGS[Tag];
      if (field === undefined || typeof Value !== 'string') continue;
      values[field] = guardProfileValue(Value.slice(0, MAX_VALUE_LENGTH), settings.sensitiveData);
    }
    if (Object.keys(values).length === 0) {
      log('noProfileFields');
      return tencentOk();
    }
    if (!context.resident) {
      log('notResident');
      return tencentOk();
    }
    const setAt = retentionStart(now, body.EventTime);
    const cuts = await cutsFor(context, 'userInfo', body.From_Account, setAt);
    const decision = decidePersonalStorage('userInfo', settings, setAt, now, cuts);
    if (!decision.store) {
      log(decision.reason);
      return tencentOk();
    }
    if (!(await consentGiven(context, 'userInfo', body.From_Account))) {
      log('noConsent');
      return tencentOk();
    }
    const held = (await registerCoveringHolds(context, 'userInfo', body.From_Account)).length > 0;
    const outcome = await deps.userInfo.put(
      {
        app: app.sdkAppId,
        account: body.From_Account,
        values,
        setAt,
        expiresAt: decision.expiresAt,
        now,
        held,
      },
      { signal: context.signal },
    );
    log(outcome);
    return tencentOk();
  },
});
