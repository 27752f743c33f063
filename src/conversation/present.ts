import { html } from '../../views/html';
import { renderToString } from 'preact-render-to-string';
import {
  CommentItem,
  FileItem,
  Files,
  Thread,
  Timeline,
  TimelineItem,
  type CommentView,
  type FileView,
} from '../../views/components/conversation';
import { mayRemoveFile } from './files';
import { relativeTime } from '../../views/format';
import { describeEvent } from './feed';

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

/** "Viewed by Dana Reyes · 3 times · last 2 h ago", one line per person who viewed it. */
export function viewSummaries(timeline: ActivityRow[], now = Date.now()): string[] {
  const byPerson = new Map<string, { name: string; count: number; last: number }>();
  for (const e of timeline) {
    if (e.action !== 'viewed') continue;
    const key = e.contactId ?? e.actorName;
    const v = byPerson.get(key) ?? { name: e.actorName, count: 0, last: 0 };
    v.count++;
    v.last = Math.max(v.last, e.createdAt);
    byPerson.set(key, v);
  }
  return [...byPerson.values()].map(
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
  files: FileRow[];
  timeline?: ActivityRow[];
  currency: string;
  errors?: { comment?: string; upload?: string; confirmRemove?: string; values?: Record<string, string> };
}

/** The conversation, files and (for the contractor) the full timeline of a sent document. */
export function conversationSections(s: Sections) {
  const live = `${s.base}/live`;
  // The recipient's comment form posts to the document's own address (a refusal comes back there, in the form).
  const portal = s.audience.side === 'recipient';
  return html`
    <${Thread}
      comments=${commentViews(s.comments, s.companyName, s.recipientRole)}
      timeZone=${s.timeZone}
      action=${portal ? `${s.base}#comment-form` : `${s.base}/comments`}
      intent=${portal ? 'comment' : undefined}
      csrf=${s.csrf}
      live=${live}
      error=${s.errors?.comment}
      value=${s.errors?.comment ? s.errors.values?.body : undefined}
    />
    <${Files}
      files=${fileViews(s.files, s.audience)}
      base=${`${s.base}/files`}
      csrf=${s.csrf}
      timeZone=${s.timeZone}
      maxMb=${s.maxMb}
      error=${s.errors?.upload}
      confirmRemove=${s.errors?.confirmRemove}
      page=${s.base}
    />
    ${
      s.timeline
        ? html`<${Timeline}
            events=${s.timeline.map((e) => describeEvent(e, s.currency))}
            timeZone=${s.timeZone}
            live=${true}
          />`
        : null
    }`;
}

/** A live update's markup: the same components the pages render. */
export function commentItemHtml(comment: CommentView, timeZone: string): string {
  return renderToString(html`<${CommentItem} c=${comment} timeZone=${timeZone} />` as never);
}

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

export function timelineItemHtml(row: ActivityRow, timeZone: string): string {
  return renderToString(
    html`<${TimelineItem} e=${describeEvent(row)} timeZone=${timeZone} showNetwork=${true} />` as never,
  );
}

/** A socket's tag as the side it speaks for. */
export function audienceOf(tag: string): Audience {
  return tag.startsWith('recipient:')
    ? { side: 'recipient', contactId: tag.slice('recipient:'.length) }
    : { side: 'contractor' };
}
