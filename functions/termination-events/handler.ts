import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { RecordNotFoundError } from '../../lib/errors.js';
import { validate } from '../../lib/http/body.js';
import { functionBase } from '../../lib/lambda/function-base.js';
import { terminateApp } from '../../lib/operations/terminate-app.js';
import { sdkAppIdSchema } from '../../lib/policy/identifiers.js';
import { createAppStore } from '../../lib/store/apps.js';

const { env, logger, doc } = functionBase('termination-events');
const appStore = createAppStore({ doc, tableName: env.tables.apps });

/** `detail` of the billing system's `AppTerminated` event; extra fields are ignored. */
export const appTerminatedDetailSchema = z.object({
  sdkAppId: z.union([z.string(), z.int().positive()]).transform(String).pipe(sdkAppIdSchema),
  terminatedAt: z.iso.datetime({ offset: true }).optional(),
});

export type AppTerminatedEvent = EventBridgeEvent<'AppTerminated', unknown>;

export type TerminationEventResult =
  | { status: 'terminated'; sdkAppId: string; terminatedAt: string; purgeAt: string; repeated: boolean }
  | { status: 'ignored'; sdkAppId: string; reason: 'unknownApp' };

/**
 * EventBridge `im.billing` / `AppTerminated`: the same termination as `POST /apps/{id}/termination`.
 * A malformed event throws (EventBridge retries, then the failure is visible); an unknown or already
 * purged app is logged and dropped, since retrying cannot help.
 */
export const handler = middy<AppTerminatedEvent, TerminationEventResult>().handler(async (event) => {
  const detail = validate(appTerminatedDetailSchema, event.detail);
  try {
    const answer = await terminateApp(appStore, detail.sdkAppId, detail.terminatedAt, new Date());
    logger.info('app terminated by event', {
      sdkAppId: detail.sdkAppId,
      eventId: event.id,
      purgeAt: answer.purgeAt,
      repeated: answer.alreadyTerminated,
    });
    return {
      status: 'terminated',
      sdkAppId: detail.sdkAppId,
      terminatedAt: answer.terminatedAt,
      purgeAt: answer.purgeAt,
      repeated: answer.alreadyTerminated,
    };
  } catch (error) {
    if (!(error instanceof RecordNotFoundError)) throw error;
    logger.warn('termination event for an unknown or purged app', {
      sdkAppId: detail.sdkAppId,
      eventId: event.id,
    });
    return { status: 'ignored', sdkAppId: detail.sdkAppId, reason: 'unknownApp' };
  }
});
