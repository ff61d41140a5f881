import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Names the first offending field of a zod error, e.g. `privacy.messages.retentionDays: ...`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const prefix = path ? `${path}.` : '';
    return `unknown field ${issue.keys.map((key) => `${prefix}${key}`).join(', ')}`;
  }
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Decodes the raw body, whatever the content type, and parses it as JSON. */
export function parseJson(
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError(`body exceeds ${maxBytes} bytes`);
  }
  if (text.trim() === '') throw new BadRequestError('body: a JSON body is required');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BadRequestError('body: not valid JSON', { cause });
  }
}

export function validate<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequestError(describeZodError(result.error));
  return result.data;
}

export type JsonEvent<T> = Omit<APIGatewayProxyEventV2, 'body'> & { body: T };

/** Middy middleware: replaces `event.body` with the typed, validated JSON body (400/413 otherwise). */
export function jsonBody<T extends z.ZodType>(schema: T, opts: { maxBytes?: number } = {}): MiddlewareObj {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const before: MiddlewareObj['before'] = async (request) => {
    const event = request.event as APIGatewayProxyEventV2;
    (request.event as { body: unknown }).body = validate(schema, parseJson(event, maxBytes));
  };
  return { before };
}
