import { html } from '../../views/html';
import { renderToString } from 'preact-render-to-string';
import {
  FileItem,
  Files,
  Thread,
  Timeline,
  commentItemHtml,
  timelineEntryHtml,
  type CommentView,
  type FileView,
} from '../../views/components/conversation';
import { mayRemoveFile } from './files';
import { relativeTime } from '../../views/format';
import type { Db } from '../db/client';
import { eq } from 'drizzle-orm';
import { orgs } from '../db/schema';
import { describeEvent } from './feed';
import { timelineStatement } from './feed-queries';

interface CommentRow {
  id: string;
  side: string;
  authorName: string;
  body: string;
  createdAt: number;
}
interface FileRow {
  id: string;
  name: string;
  size: number;
  contentType: string;
  uploaderName: string;
  side: string;
  contactId: string | null;
  createdAt: number;
  /** The requested file it fills (issue 20). */
  slot?: string;
}
interface ActivityRow {
  id: string;
  seq: number | null;
  action: string;
  side: string;
  actorName: string;
  contactId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: string | null;
  createdAt: number;
  entry?: string;
  count?: number;
  networks?: string | null;
}

export type Audience = { side: 'contractor' } | { side: 'recipient'; contactId: string };

export function sideLabelOf(side: string, companyName: string, recipientRole: 'customer' | 'vendor') {
  return side === 'contractor' ? companyName : recipientRole;
}

export function commentViews(
  rows: CommentRow[],
  companyName: string,
  recipientRole: 'customer' | 'vendor',
): CommentView[] {
  return rows.map((c) => ({ ...c, sideLabel: sideLabelOf(c.side, companyName, recipientRole) }));
}

export function fileViews(rows: FileRow[], audience: Audience): FileView[] {
  return rows.map((f) => ({ ...f, canRemove: mayRemoveFile(audience, f) }));
}

/** "Viewed by Dana Reyes · 3 times · last 2 h ago", one line per person who viewed it (every view, every page). */
export function viewSummaries(views: { name: string; count: number; last: number }[], now = Date.now()): string[] {
  return views.map(
    (v) => `Viewed by ${v.name} · ${v.count === 1 ? 'once' : `${v.count} times`} · last ${relativeTime(v.last, now)}`,
  );
}

interface Sections {
  documentId: string;
  base: string; // "/documents/:id" or "/portal/documents/:id"
  audience: Audience;
  csrf: string;
  timeZone: string;
  companyName: string;
  recipientRole: 'customer' | 'vendor';
  maxMb: number;
  comments: CommentRow[];
  /** The comments' paging: the cursor the earlier ones end at, and whether this is an earlier page. */
  earlierComments?: string | null;
  newerComments?: boolean;
  files: FileRow[];
  /** Issue 20: the requested files' slots by the id of the file filling each, to label those files. */
  slots?: { fileId: string | null; name: string }[];
  timeline?: ActivityRow[];
  /** The timeline's paging: the position older entries start before, and whether this is an older page. */
  older?: number | null;
  newer?: boolean;
  currency: string;
  errors?: { comment?: string; upload?: string; confirmRemove?: string; values?: Record<string, string> };
}

const withSlots = (rows: FileRow[], slots: Sections['slots'] = []) =>
  rows.map((f) => ({ ...f, slot: slots.find((s) => s.fileId === f.id)?.name }));

/** The conversation, files and (for the contractor) the timeline of a sent document, in that order. */
export function conversationSections(s: Sections) {
  const { thread, files, timeline } = conversationParts(s);
  return html`${thread}${files}${timeline}`;
}

/** The same three sections apart, for a page that places them itself (the contractor's document page). */
export function conversationParts(s: Sections) {
  const live = `${s.base}/live`;
  // The recipient's comment form posts to the document's own address (a refusal comes back there, in the form).
  const portal = s.audience.side === 'recipient';
  const thread = html`
    <${Thread}
      comments=${commentViews(s.comments, s.companyName, s.recipientRole)}
      timeZone=${s.timeZone}
      action=${portal ? `${s.base}#comment-form` : `${s.base}/comments`}
      intent=${portal ? 'comment' : undefined}
      csrf=${s.csrf}
      live=${live}
      error=${s.errors?.comment}
      value=${s.errors?.comment ? s.errors.values?.body : undefined}
      base=${s.base}
      earlier=${s.earlierComments}
      newer=${s.newerComments}
    />`;
  const files = html`
    <${Files}
      files=${fileViews(withSlots(s.files, s.slots), s.audience)}
      base=${`${s.base}/files`}
      csrf=${s.csrf}
      timeZone=${s.timeZone}
      maxMb=${s.maxMb}
      error=${s.errors?.upload}
      confirmRemove=${s.errors?.confirmRemove}
      page=${s.base}
    />`;
  const timeline = s.timeline
    ? html`<${Timeline}
        events=${s.timeline.map((e) => describeEvent(e, s.currency))}
        timeZone=${s.timeZone}
        live=${true}
        base=${s.base}
        older=${s.older}
        newer=${s.newer}
      />`
    : null;
  return { thread, files, timeline };
}

/** A live update's markup for a new comment: the same text a page's thread is written with. */
export { commentItemHtml };

export function filesBase(audience: Audience | 'contractor' | `recipient:${string}`, documentId: string) {
  const side = typeof audience === 'string' ? (audience === 'contractor' ? 'contractor' : 'recipient') : audience.side;
  return side === 'contractor' ? `/documents/${documentId}/files` : `/portal/documents/${documentId}/files`;
}

/** One shared file as an open page of `audience` shows it (the remove button only where they may). */
export function fileItemHtml(
  file: FileRow,
  audience: `recipient:${string}` | 'contractor',
  documentId: string,
  timeZone: string,
): string {
  const who = audienceOf(audience);
  const [view] = fileViews([file], who);
  return renderToString(
    html`<${FileItem} f=${view} base=${filesBase(who, documentId)} csrf="" timeZone=${timeZone} />` as never,
  );
}

function timelineItemHtml(row: ActivityRow, timeZone: string, currency = 'USD'): string {
  return timelineEntryHtml(describeEvent(row, currency), timeZone);
}

/**
 * The timeline line an open contractor's page adds for one new activity row: its whole entry, so a
 * view that extends a collapsed line comes as that line again ("viewed it 3 times"), same key.
 */
export async function liveTimelineHtml(
  db: Db,
  room: { orgId: string; documentId: string; timeZone: string },
  activityId: string,
): Promise<string | null> {
  const [[row], [org]] = await db.batch([
    timelineStatement(db, room.orgId, room.documentId, { containing: activityId }, 0),
    db.select({ currency: orgs.currency }).from(orgs).where(eq(orgs.id, room.orgId)),
  ]);
  return row ? timelineItemHtml(row, room.timeZone, org?.currency) : null;
}

/** A socket's tag as the side it speaks for. */
export function audienceOf(tag: string): Audience {
  return tag.startsWith('recipient:')
    ? { side: 'recipient', contactId: tag.slice('recipient:'.length) }
    : { side: 'contractor' };
}
