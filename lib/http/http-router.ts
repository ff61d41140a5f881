import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { NotFoundError } from '../errors.js';
import { type HttpHandlerOptions, httpHandler } from './http-handler.js';

/** A route of an HTTP API function (payload 2.0); each route's handler is its own middy chain. */
export type HttpRoute = Route<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;

/**
 * An HTTP function serving several routes: `httpHandler`'s middlewares around middy's router, so each
 * route adds only its own authentication and body; a method and path no route matches is a 404 problem.
 *
 * @example
 * export const handler = httpRouter({ logger, recorder, routes: [{ method: 'GET', path: '/x', handler: getX }] });
 */
export function httpRouter(opts: HttpHandlerOptions & { readonly routes: HttpRoute[] }) {
  return httpHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(opts).handler(
    httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2>({
      routes: opts.routes,
      // The path may hold an end-user account: never echoed (the detail is also kept as P2 log data).
      notFoundResponse: () => {
        throw new NotFoundError('route: no such route');
      },
    }),
  );
}
