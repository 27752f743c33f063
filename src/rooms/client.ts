import type { BatchItem } from 'drizzle-orm/batch';
import { commitMade } from '../db/client';
import type { Env } from '../env';
import { domainError, type DomainError, type DomainErrorData } from '../errors';

// The room's contract with the capabilities: what a write hands it, what it answers. Kept apart
// from the Durable Object class so actions depend on these types, not on the room.

/** Where a write happens; the room keeps it to send comment digests later. */
export interface RoomContext {
  orgId: string;
  documentId: string;
  jobId: string;
  timeZone: string;
  origin: string;
}

/** Whose page a socket is: the contractor's, or one recipient contact's. */
export type SocketAudience = 'contractor' | `recipient:${string}`;

/** What open pages of the document hear after a write; `html` is rendered per audience. */
export interface RoomEvent {
  type: string;
  fileId?: string;
  html?: (audience: SocketAudience) => string;
  /** Why a recipient's page that may no longer see the document is closed (4403), in their words. */
  ends?: string;
  /**
   * What changed, in a sentence an open portal page announces: it fetches itself again and shows the
   * new outcome or status (public/live.js). Events without one change nothing a recipient sees.
   */
  say?: string;
}

/**
 * What an action hands the room to commit: its D1 rows for one db.batch(), then what open pages
 * hear. Plans are built inside the queue, from state read inside the queue, so two writes to one
 * document always see each other.
 */
export interface RoomWrite<R> {
  statements: BatchItem<'sqlite'>[];
  result: R;
  /**
   * The activity row this write adds (with activityInsert, or a prepared insert returning `activityReturned`):
   * its insert answers the position it took, and its line goes to the contractor's pages.
   */
  activityId?: string;
  event?: RoomEvent;
  /** A comment was written: email this side a digest (at most one per 10 minutes). */
  notify?: 'contractor' | 'recipient';
  /**
   * A batch that a condition in its own SQL stopped (activity.ts `onlyIf`): the refusal it stands for, answered
   * as the write's domain error (nothing was committed), not thrown out of the room. Null: the error is thrown.
   */
  refused?: (err: unknown) => DomainError | null;
}

/**
 * What every room write answers: its value, or the domain error its plan threw (classes do not cross RPC).
 * `bookmark` is the D1 position its commit reached (issue 19), when it committed anything.
 */
export type RoomResult<R> =
  | { ok: true; value: R; seq: number | null; bookmark?: string }
  | { ok: false; error: DomainErrorData };

/** What is not a room write on the stub: passed through as it is. */
const NOT_WRITES = new Set<PropertyKey>(['fetch', 'connect', 'then', 'id', 'name', 'closeRecipients']);

/**
 * The room of one document: every write to it (once sent) runs there, one at a time. Each write's answer
 * that carries a commit's bookmark is reported to the request's D1 session on the way back (issue 19,
 * db/client.ts commitMade), whoever called it: the request's later reads, and the bookmark cookie its
 * response sets (http/replicas.ts), are at least as new as what it wrote through the room.
 */
export function documentRoom(env: Pick<Env, 'DOCUMENT_ROOM'>, documentId: string) {
  const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      // Reflect.apply, on the stub itself: on an RPC method `.apply` or `.bind` would be a remote property.
      if (NOT_WRITES.has(prop)) return (...args: unknown[]) => Reflect.apply(value, target, args);
      return (...args: unknown[]) =>
        Promise.resolve(Reflect.apply(value, target, args)).then((result) => {
          if (result && typeof result === 'object' && 'bookmark' in result)
            commitMade((result as { bookmark?: string }).bookmark);
          return result;
        });
    },
  });
}

/** The value of a room write, or its domain error thrown again on this side. */
export async function throughRoom<R>(call: Promise<RoomResult<R>>): Promise<R> {
  const result = (await call) as RoomResult<R>;
  if (!result.ok) throw domainError(result.error);
  return result.value;
}
