import type { APIGatewayProxyResultV2 } from 'aws-lambda';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  } satisfies APIGatewayProxyResultV2;
}

export function html(statusCode: number, body: string, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
    body,
  } satisfies APIGatewayProxyResultV2;
}
