import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { MAX_EXPORT_PAGE } from '../store/personal-export.js';
import { validate } from './body.js';

const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_PAGE).default(MAX_EXPORT_PAGE),
  cursor: z.string().min(1).max(4096).optional(),
});

/** The `limit` (default and at most 100) and `cursor` query parameters of the paginated export routes; 400 when bad. */
export function exportPageOf(event: APIGatewayProxyEventV2): z.infer<typeof pageSchema> {
  const query = event.queryStringParameters ?? {};
  return validate(pageSchema, { limit: query.limit, cursor: query.cursor });
}
