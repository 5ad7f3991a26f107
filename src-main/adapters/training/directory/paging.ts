import { randomBytes } from 'node:crypto';
import type { Entry } from './entries';

// Paged results (RFC 2696): a per-connection table of cursors keyed by opaque cookies.

export interface Cursor {
  entries: Entry[];
  position: number;
  sent: number;
  sizeLimit: number;
}

/** The paged results control (RFC 2696). */
export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

export const MAX_CURSORS_PER_CONNECTION = 16;

export class CursorTable {
  private readonly cursors = new Map<string, Cursor>();

  /** Keeps a cursor and returns its new cookie. */
  put(cursor: Cursor): Buffer {
    const cookie = randomBytes(12);
    this.cursors.set(cookie.toString('hex'), cursor);
    if (this.cursors.size > MAX_CURSORS_PER_CONNECTION) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
    return cookie;
  }

  /** Removes and returns the cursor of a cookie (a cookie is good for one page). */
  take(cookie: Buffer): Cursor | undefined {
    const key = cookie.toString('hex');
    const cursor = this.cursors.get(key);
    this.cursors.delete(key);
    return cursor;
  }

  clear(): void {
    this.cursors.clear();
  }
}
