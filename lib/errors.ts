/**
 * One error family. Errors meant for clients carry an HTTP status and a `detail` that names the
 * offending field or reason; the store knows nothing of HTTP: it throws a StoreError (a failure, answered
 * like anything else as a 500 without internals) or a DomainError (a refusal), which the edges map to a
 * client error in one place (lib/http/domain-errors.ts).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly expose: boolean;
  readonly extra: Record<string, unknown>;

  constructor(
    status: number,
    title: string,
    detail: string,
    options: { cause?: unknown; expose?: boolean; extra?: Record<string, unknown> } = {},
  ) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.expose = options.expose ?? status < 500;
    this.extra = options.extra ?? {};
  }
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  constructor(detail: string, options: { cause?: unknown; extra?: Record<string, unknown> } = {}) {
    super(400, 'Bad Request', detail, options);
  }
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(401, 'Unauthorized', detail, options);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(403, 'Forbidden', detail, options);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(404, 'Not Found', detail, options);
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(409, 'Conflict', detail, options);
  }
}

/** A well-formed request the rules refuse (D4: a consent below the minimum age without parental consent). */
export class UnprocessableError extends AppError {
  override name = 'UnprocessableError';
  constructor(detail: string, options: { cause?: unknown; extra?: Record<string, unknown> } = {}) {
    super(422, 'Unprocessable Content', detail, options);
  }
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(413, 'Payload Too Large', detail, options);
  }
}

/** A storage failure, translated where the SDK is called (lib/store/sdk-errors.ts); never shown to clients. */
export class StoreError extends Error {
  override name = 'StoreError';
  /** What failed, for the logs. */
  readonly detail: string;

  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(detail, { cause: options.cause });
    this.detail = detail;
  }
}

/** A missing or invalid environment variable or parameter; the function cannot start (lib/config.ts). */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** The deletion worker no longer holds the request (its lease ran out and another took it, or it completed). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** A joining deletion request widened the categories: reload and start the pass again. */
export class GenerationChangedError extends Error {
  override name = 'GenerationChangedError';
}

/** A purge run could not process every due app; thrown so the failure is visible (a retry is safe). */
export class PurgeIncompleteError extends Error {
  override name = 'PurgeIncompleteError';
}

/** The callback's storage work ran past Tencent's answer budget (functions/callback/budget.ts). */
export class BudgetExceededError extends StoreError {
  override name = 'BudgetExceededError';
}

/**
 * What the domain (lib/store, lib/operations) refuses, with no HTTP status: the HTTP and Tencent edges map
 * each kind to a client error (lib/http/domain-errors.ts). `detail` names the field or reason.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly detail: string;

  constructor(detail: string, options: { cause?: unknown } = {}) {
    super(detail, { cause: options.cause });
    this.detail = detail;
  }
}

/** The record asked for does not exist (never stored, or purged). */
export class RecordNotFoundError extends DomainError {
  override name = 'RecordNotFoundError';
}

/** The change conflicts with the record's state: changed concurrently, awaiting a purge, a reused key. */
export class StateConflictError extends DomainError {
  override name = 'StateConflictError';
}

/** A page cursor this query did not hand out (forged, edited, or for another range or app). */
export class InvalidCursorError extends DomainError {
  override name = 'InvalidCursorError';
}

/** Whether `error` is one of the family's client errors (or a 5xx AppError), with a status and a detail. */
export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * What the logs keep of an error the client is not shown: the detail of the family's own errors (an
 * AppError or a StoreError), never the message of any other error (it may hold input or internals).
 */
export function loggedDetail(error: unknown): string | undefined {
  return isAppError(error) || error instanceof StoreError || error instanceof DomainError
    ? error.detail
    : undefined;
}
