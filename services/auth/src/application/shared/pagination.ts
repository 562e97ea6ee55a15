import { DomainError } from '@neuroforge/events';
import { AuthErrorCode } from '../../domain/auth-errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Page tokens are opaque to clients; here they carry an offset. */
export function readPage(pageSize: number, pageToken: string): { offset: number; limit: number } {
  const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
  if (pageToken === '') return { offset: 0, limit };
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(pageToken, 'base64url').toString());
  if (!match) {
    throw new DomainError(AuthErrorCode.InvalidArgument, 'page_token is not a token this server issued', {
      fieldViolations: [{ field: 'page_token', description: 'not a token from a previous response' }],
    });
  }
  return { offset: Number(match[1]), limit };
}

/** The token for the page after one that returned `returned` rows (empty when it was the last page). */
export function nextPageToken(offset: number, limit: number, returned: number): string {
  return returned < limit ? '' : Buffer.from(`o:${offset + returned}`).toString('base64url');
}
