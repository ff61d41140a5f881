import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Header lookup by name, case-insensitive (API Gateway lowercases; other callers may not). */
export function headerOf(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A query parameter by exact name; empty counts as absent. */
export function queryOf(
  event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>,
  name: string,
): string | undefined {
  const value = event.queryStringParameters?.[name];
  return value === undefined || value === '' ? undefined : value;
}

export function pathParameterOf(
  event: Pick<APIGatewayProxyEventV2, 'pathParameters'>,
  name: string,
): string | undefined {
  const value = event.pathParameters?.[name];
  return value === undefined || value === '' ? undefined : value;
}
