import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES, parseJson, validate } from '../../lib/http/body.js';

/** Like jsonBody, but an absent or empty body validates as `{}` (for routes whose fields are all optional). */
export function optionalJsonBody<T extends z.ZodType>(schema: T): MiddlewareObj {
  const optionalJsonBodyBefore: MiddlewareObj['before'] = async (request) => {
    const event = request.event as APIGatewayProxyEventV2;
    const raw = event.body ?? '';
    const empty = (event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw).trim() === '';
    const value = empty ? {} : parseJson(event, DEFAULT_MAX_BODY_BYTES);
    (request.event as { body: unknown }).body = validate(schema, value);
  };
  return { before: optionalJsonBodyBefore };
}
