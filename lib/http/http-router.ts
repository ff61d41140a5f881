import middy from '@middy/core';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { NotFoundError } from '../errors.js';
import { type HttpHandlerOptions, httpHandler } from './http-handler.js';
import { type RouteAuthOptions, requireRole } from './require-role.js';
import { routeByOperationId } from './route-table.js';

/** A route of an HTTP API function (payload 2.0); each route's handler is its own middy chain. */
export type HttpRoute = Route<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;

/** One operation's own chain (its body, keys and logic); the router puts its authentication in front. */
// biome-ignore lint/suspicious/noExplicitAny: each operation types its own event (authenticated, parsed body)
export type OperationHandler = (event: any, context: Context) => Promise<APIGatewayProxyResultV2>;

/** What an HTTP function's routes are made of: the common middlewares and the function's credentials. */
export interface HttpOperationOptions extends HttpHandlerOptions {
  /** Absent when every route of the function is public. */
  readonly auth?: RouteAuthOptions;
}

/**
 * An HTTP function serving several routes of the route table (lib/http/routes.ts), named by operationId:
 * each is routed at the table's method and path and let in by `requireRole` for the table's actors,
 * before its own middlewares; a method and path no route matches is a 404 problem.
 *
 * @example
 * export const handler = httpRouter({ logger, recorder, auth: { appStore, operator }, operations: { getApp } });
 */
export function httpRouter(
  opts: HttpOperationOptions & { readonly operations: Readonly<Record<string, OperationHandler>> },
) {
  const routes = Object.entries(opts.operations).map(([operationId, operation]): HttpRoute => {
    const route = routeByOperationId(operationId);
    const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(requireRole(route, opts.auth))
      .handler((event, context) => operation(event, context));
    return { method: route.method, path: route.path, handler };
  });
  return httpHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(opts).handler(
    httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
      routes,
      // The path may hold an end-user account: never echoed (the detail is also kept as P2 log data).
      notFoundResponse: () => {
        throw new NotFoundError('route: no such route');
      },
    }),
  );
}

/**
 * An HTTP function serving one route of the route table: `httpHandler`'s middlewares, then `requireRole`
 * for the table's actors of `operationId`; the function adds its own middlewares and handler.
 *
 * @example
 * export const handler = httpOperation({ logger, recorder, auth: { appStore } }, 'exportUserData').handler(main);
 */
export function httpOperation<TEvent = APIGatewayProxyEventV2, TResult = APIGatewayProxyResultV2>(
  opts: HttpOperationOptions,
  operationId: string,
) {
  return httpHandler<TEvent, TResult>(opts).use(requireRole(routeByOperationId(operationId), opts.auth));
}
