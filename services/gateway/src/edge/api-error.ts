/** One field that failed validation: where it is and which rule it broke. */
export interface FieldViolation {
  field: string;
  rule: string;
}

/** The body of every failed response: `{error: {code, message, details}}` (docs/api/rest.md, "Errors"). */
export interface ErrorEnvelope {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * A failure the gateway answers with a status and a stable code (`CONTEXT.REASON`, never reworded). Everything the
 * edge refuses, and every upstream gRPC error, becomes one of these before it reaches the client.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  envelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }

  static validation(fields: FieldViolation[], where = 'body'): ApiError {
    const first = fields[0];
    const summary = first ? `${first.field || where}: ${first.rule}` : 'invalid request';
    return new ApiError(400, 'REQUEST.VALIDATION_FAILED', `Invalid request ${where}: ${summary}`, { fields });
  }

  static unauthenticated(message = 'Send an access token or API key in `Authorization: Bearer ...`.'): ApiError {
    return new ApiError(401, 'AUTH.UNAUTHENTICATED', message, {}, { 'www-authenticate': 'Bearer' });
  }
}
