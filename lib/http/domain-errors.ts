import type { MiddlewareObj } from '@middy/core';
import {
  type AppError,
  BadRequestError,
  ConflictError,
  DomainError,
  InvalidCursorError,
  NotFoundError,
  RecordNotFoundError,
  StateConflictError,
} from '../errors.js';

/** The client error each kind of domain refusal is answered as (same detail, the domain error as cause). */
export function clientErrorOf(error: DomainError): AppError {
  const options = { cause: error };
  if (error instanceof RecordNotFoundError) return new NotFoundError(error.detail, options);
  if (error instanceof StateConflictError) return new ConflictError(error.detail, options);
  if (error instanceof InvalidCursorError) return new BadRequestError(error.detail, options);
  return new BadRequestError(error.detail, options);
}

/**
 * The one place a domain refusal becomes an HTTP status: used innermost, so the answer (problem+json or
 * Tencent's format) and the P2/P3 telemetry see the client error, exactly as if the store had thrown it.
 *
 * @example
 * middy().use(telemetry(...)).use(problemJson()).use(domainErrors()).handler(main);
 */
export function domainErrors(): MiddlewareObj {
  const domainErrorsOnError: MiddlewareObj['onError'] = async (request) => {
    if (request.error instanceof DomainError) request.error = clientErrorOf(request.error);
  };
  return { onError: domainErrorsOnError };
}
