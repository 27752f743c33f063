import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db, Param } from '../db/client';
import { comments } from '../db/schema';

/** Comments a document page shows at once, newest last; "Earlier comments" pages past them. */
export const COMMENTS_PAGE = 50;

/** Where a page of comments ends: the (time, id) of the oldest comment shown; before it are the earlier ones. */
export interface CommentCursor {
  at: Param<number>;
  id: Param;
}

/** The first page's cursor: after every comment. */
export const NEWEST_COMMENTS = { at: Number.MAX_SAFE_INTEGER, id: '' } as const;

/**
 * A document's comments before `before`, newest first, one more than a page (that one tells whether
 * there are earlier ones): the (created_at, id) order the comments_doc_time index keeps, never OFFSET,
 * so a page costs the same on the 600th comment as on the first. `also` narrows it (the portal's
 * visibility rule). One statement, for a page's batch.
 */
export function commentsStatement(
  db: Db,
  orgId: Param | SQL,
  documentId: Param,
  before: CommentCursor = NEWEST_COMMENTS,
  also?: SQL,
) {
  return db
    .select()
    .from(comments)
    .where(
      and(
        eq(comments.orgId, orgId),
        eq(comments.documentId, documentId),
        // A row value: SQLite seeks the index to it (a range), where an OR of the two cases cannot.
        sql`(${comments.createdAt}, ${comments.id}) < (${before.at}, ${before.id})`,
        also,
      ),
    )
    .orderBy(desc(comments.createdAt), desc(comments.id))
    .limit(COMMENTS_PAGE + 1);
}

/** `?comments=` as a cursor: `<time>_<id>`; anything else (garbage, huge, negative) is the newest page. */
export function commentsBefore(value: string | undefined): { at: number; id: string } | undefined {
  const m = /^(\d{1,15})_([a-z0-9]{8,40})$/.exec(value ?? '');
  return m ? { at: Number(m[1]), id: m[2] } : undefined;
}

/**
 * One page of comments as a page shows them, oldest first, with the cursor the earlier comments end
 * at (null when these are the first) and whether a newer page exists (this one was asked for by a cursor).
 */
export function commentPaging<T extends { createdAt: number; id: string }>(rows: T[], asked: boolean) {
  const comments = rows.slice(0, COMMENTS_PAGE).reverse();
  const earlierComments = rows.length > COMMENTS_PAGE ? `${comments[0].createdAt}_${comments[0].id}` : null;
  return { comments, earlierComments, newerComments: asked };
}
