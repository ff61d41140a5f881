import { ROUTES, type RouteDoc } from './routes.js';

/** The route table's entry for an operation; an id the table does not have fails at cold start. */
export function routeByOperationId(operationId: string): RouteDoc {
  const route = ROUTES.find((candidate) => candidate.operationId === operationId);
  if (!route) throw new Error(`${operationId}: no such operation in lib/http/routes.ts`);
  return route;
}
