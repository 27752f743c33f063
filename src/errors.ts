// Domain errors: what an action throws when it will not do what was asked. No HTTP here; the
// app's one onError maps each code to a status, and the room carries them across its RPC boundary.

export type ErrorCode = 'not_found' | 'conflict' | 'refused' | 'too_many' | 'unavailable';

export interface DomainErrorData {
  code: ErrorCode;
  message: string;
  /** The form field the message belongs to, when a page keeps its form. */
  field?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toJSON(): DomainErrorData {
    return this.field
      ? { code: this.code, message: this.message, field: this.field }
      : { code: this.code, message: this.message };
  }
}

export const NOT_FOUND_MESSAGE = 'We could not find that page. It may have been removed, or the link may be wrong.';

/** Absent, or not the caller's to see: the same answer either way. */
export class NotFound extends DomainError {
  constructor(message = NOT_FOUND_MESSAGE) {
    super('not_found', message);
  }
}

/** The document moved on (sent, signed, paid) since the caller looked: try again from its page. */
export class Conflict extends DomainError {
  constructor(message: string, field?: string) {
    super('conflict', message, field);
  }
}

/** The input breaks a rule of the product; the message says which, in the user's words. */
export class Refused extends DomainError {
  constructor(message: string, field?: string) {
    super('refused', message, field);
  }
}

/** Too many attempts in a window. */
export class TooMany extends DomainError {
  constructor(message: string) {
    super('too_many', message);
  }
}

/** A service outside the product (Stripe) did not answer: nothing was written; try again later. */
export class Unavailable extends DomainError {
  constructor(message: string, field?: string) {
    super('unavailable', message, field);
  }
}

const CLASSES = {
  not_found: NotFound,
  conflict: Conflict,
  refused: Refused,
  too_many: TooMany,
  unavailable: Unavailable,
} as const;

/** The error again on this side of an RPC call (a Durable Object's thrown class does not survive it). */
export function domainError(data: DomainErrorData): DomainError {
  const error = new DomainError(data.code, data.message, data.field);
  Object.setPrototypeOf(error, CLASSES[data.code].prototype);
  return error;
}

export const STATUS_OF: Record<ErrorCode, 404 | 409 | 422 | 429 | 503> = {
  not_found: 404,
  conflict: 409,
  refused: 422,
  too_many: 429,
  unavailable: 503,
};
