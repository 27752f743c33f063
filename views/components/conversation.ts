import { escapeHtml, html } from '../html';
import { dateTime, fileSize } from '../format';

// The conversation on a document, the same markup on both sides and in live updates.

export interface CommentView {
  id: string;
  side: string;
  authorName: string;
  sideLabel: string;
  body: string;
  createdAt: number;
}
export interface FileView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  uploaderName: string;
  side: string;
  createdAt: number;
  canRemove: boolean;
  /** The requested file it fills (issue 20): "For W-9". */
  slot?: string;
}
export interface EventView {
  id: string;
  seq: number | null;
  action: string;
  side: string;
  actorName: string;
  text: string;
  detail?: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  /** A timeline entry's key: the same for every update of one collapsed line ("views-<n>-<contact>"). */
  entry?: string;
  /** How many events the line stands for: a recipient's views with nothing else in between are one line. */
  count?: number;
  /** The distinct "address · browser" of its events, shown behind "Details". */
  networks?: string[];
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

// A thread and a timeline are written as text (views/html.ts escapeHtml), the markup preact made of the
// components they replaced: test/node/conversation-rows.test.mjs renders those and compares.

/** Plain text with line breaks kept (by CSS) and web addresses made into links; everything else escaped. */
function linkifiedHtml(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index > last) out += escapeHtml(text.slice(last, m.index));
    const url = escapeHtml(m[0]);
    out += `<a href="${url}" rel="noopener noreferrer nofollow" target="_blank">${url}</a>`;
    last = m.index + m[0].length;
  }
  if (last < text.length) out += escapeHtml(text.slice(last));
  return `<p class="comment-body pre">${out}</p>`;
}

const timeHtml = (at: number, timeZone: string) =>
  `<time datetime="${new Date(at).toISOString()}">${escapeHtml(dateTime(at, timeZone))}</time>`;

/** One comment of a thread, on a page or in a live update. */
export function commentItemHtml(c: CommentView, timeZone: string): string {
  const id = escapeHtml(c.id);
  return (
    `<li class="comment ${escapeHtml(c.side)}" id="comment-${id}" data-id="${id}">` +
    `<div class="comment-meta"><strong>${escapeHtml(c.authorName)}</strong> ` +
    `<span class="muted">${escapeHtml(c.sideLabel)}</span> · ${timeHtml(c.createdAt, timeZone)}</div>` +
    `${linkifiedHtml(c.body)}</li>`
  );
}

/**
 * A form's refusal, inside the form: announced, its field pointing at it, and focused on load. With
 * scripts public/portal.js focuses and centres it. Without them the browser does: it focuses the
 * element the address's #anchor names when it can take focus (and then ignores `autofocus`), so a
 * refusal reached by an anchor carries that anchor as its id; otherwise `autofocus` does it.
 */
function FieldError({ id, message }: { id: string; message: string }) {
  return html`<p class="error" id=${id} role="alert" tabindex="-1" autofocus data-focus-error>${message}</p>`;
}

export function Thread({
  comments,
  timeZone,
  action,
  csrf,
  live,
  intent,
  error,
  value,
  base,
  earlier = null,
  newer = false,
}: {
  comments: CommentView[];
  timeZone: string;
  action: string | null;
  csrf: string;
  live: string;
  /** The form's hidden intent, when it posts to the document's own address (the portal). */
  intent?: string;
  /** A refused comment: the message inside the form, and the text kept. */
  error?: string;
  value?: string;
  /** The document's page, which the paging links address. */
  base?: string;
  /** The cursor the earlier comments end at ("?comments="), when there are earlier ones. */
  earlier?: string | null;
  /** This is an earlier page: offer the way back to the newest (where new comments arrive). */
  newer?: boolean;
}) {
  return html`<section class="card stack conversation" id="conversation" aria-labelledby="thread-h" data-live=${live}>
    <h2 id="thread-h">Conversation</h2>
    ${
      base && earlier
        ? html`<nav class="pages" aria-label="Earlier comments">
            <a class="btn small" href=${`${base}?comments=${earlier}#conversation`}>Earlier comments</a>
          </nav>`
        : null
    }
    <ol
      class="thread"
      data-thread=${newer ? undefined : ''}
      aria-live=${newer ? undefined : 'polite'}
      dangerouslySetInnerHTML=${{ __html: comments.map((c) => commentItemHtml(c, timeZone)).join('') }}
    ></ol>
    ${
      base && newer
        ? html`<nav class="pages" aria-label="Newest comments">
            <a class="btn small" href=${`${base}#conversation`}>Newest comments</a>
          </nav>`
        : null
    }
    ${
      comments.length === 0 && !newer
        ? html`<p class="muted" data-thread-empty>No comments yet. Questions about this document? Ask here.</p>`
        : null
    }
    ${
      action
        ? html`<form
            id=${error ? undefined : 'comment-form'}
            method="post"
            action=${action}
            class="stack comment-form"
            data-comment-form
            novalidate
          >
          <input type="hidden" name="_csrf" value=${csrf} />
          ${intent ? html`<input type="hidden" name="intent" value=${intent} />` : null}
          <label for="comment-body">Add a comment</label>
          ${error ? html`<${FieldError} id="comment-form" message=${error} />` : null}
          <textarea
            id="comment-body"
            name="body"
            rows="3"
            maxlength="5000"
            required
            aria-invalid=${error ? 'true' : undefined}
            aria-describedby=${error ? 'comment-form' : undefined}
          >${value ?? ''}</textarea>
          <p class="error" data-comment-error role="alert" hidden></p>
          <div><button class="btn primary" type="submit">Post comment</button></div>
        </form>`
        : null
    }
  </section>`;
}

export function FileItem({ f, base, csrf, timeZone }: { f: FileView; base: string; csrf: string; timeZone: string }) {
  const image = /^image\/(png|jpeg|gif|webp)$/.test(f.contentType);
  const ext = (f.name.split('.').pop() ?? '').slice(0, 4).toUpperCase();
  return html`<li class="file" id=${`file-${f.id}`} data-id=${f.id}>
    ${
      image
        ? html`<img
            class="file-preview"
            src=${`${base}/${f.id}/preview`}
            alt=""
            loading="lazy"
            width="64"
            height="64"
          />`
        : html`<span class="file-icon" aria-hidden="true">${ext}</span>`
    }
    <div class="file-main">
      <a href=${`${base}/${f.id}`} download>${f.name}</a>
      <div class="muted small">
        ${f.slot ? `For ${f.slot} · ` : ''}${fileSize(f.size)} · ${f.uploaderName} · ${dateTime(f.createdAt, timeZone)}
      </div>
    </div>
    ${
      f.canRemove
        ? html`<form method="post" action=${`${base}/${f.id}/remove#files`} class="inline-form">
            <input type="hidden" name="_csrf" value=${csrf} />
            <button class="btn small danger" type="submit" aria-label=${`Remove ${f.name}`}>Remove</button>
          </form>`
        : null
    }
  </li>`;
}

/** "Remove plan.pdf?" before a file goes (either side's question): plain forms, no script needed. */
function RemoveConfirm({ f, base, csrf, back }: { f: FileView; base: string; csrf: string; back: string }) {
  return html`<div class="confirm-box" role="group" aria-labelledby="remove-q" tabindex="-1" autofocus data-focus-error>
    <p id="remove-q"><strong>Remove ${f.name}?</strong> Everyone on this document will stop seeing it.</p>
    <form method="post" action=${`${base}/${f.id}/remove`} class="confirm-actions">
      <input type="hidden" name="_csrf" value=${csrf} />
      <input type="hidden" name="confirm" value="yes" />
      <button class="btn danger" type="submit">Remove</button>
      <a class="btn" href=${back}>Keep</a>
    </form>
  </div>`;
}

export function Files({
  files,
  base,
  csrf,
  timeZone,
  maxMb,
  error,
  confirmRemove,
  page,
}: {
  files: FileView[];
  base: string;
  csrf: string;
  timeZone: string;
  maxMb: number;
  error?: string;
  /** The file whose removal waits for "Remove" (the confirmation, on either side). */
  confirmRemove?: string;
  /** The document's own address, for "Keep". */
  page: string;
}) {
  const accepted = `(PDF, images, Office documents, plans and CAD, zip · up to ${maxMb} MB each)`;
  const removing = confirmRemove ? files.find((f) => f.id === confirmRemove && f.canRemove) : undefined;
  return html`<section class="card stack files" id=${error ? undefined : 'files'} aria-labelledby="files-h">
    <h2 id="files-h">Files</h2>
    ${removing ? html`<${RemoveConfirm} f=${removing} base=${base} csrf=${csrf} back=${`${page}#files`} />` : null}
    <ul class="file-list" data-files>
      ${files.map((f) => html`<${FileItem} f=${f} base=${base} csrf=${csrf} timeZone=${timeZone} />`)}
    </ul>
    ${files.length === 0 ? html`<p class="muted" data-files-empty>No files shared yet.</p>` : null}
    <form
      method="post"
      action=${`${base}?_csrf=${encodeURIComponent(csrf)}`}
      enctype="multipart/form-data"
      class="stack upload-form"
      novalidate
    >
      <label for="upload-files">Share files <span class="muted small">${accepted}</span></label>
      ${error ? html`<${FieldError} id="files" message=${error} />` : null}
      <input
        id="upload-files"
        name="files"
        type="file"
        multiple
        required
        aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${error ? 'files' : undefined}
      />
      <div><button class="btn" type="submit">Upload</button></div>
    </form>
  </section>`;
}

/** At most this many addresses behind one "Details"; the rest are counted. */
const NETWORKS_SHOWN = 5;

/** One timeline entry, on the contractor's page or in a live update; a recipient's addresses behind "Details". */
export function timelineEntryHtml(e: EventView, timeZone: string): string {
  const count = e.count ?? 1;
  const text =
    e.action === 'viewed' && count > 1 ? `viewed it ${count} times, last ${dateTime(e.createdAt, timeZone)}` : e.text;
  const networks = e.side === 'recipient' ? (e.networks ?? []) : [];
  const more = networks.length - NETWORKS_SHOWN;
  let out =
    `<li class="event ${escapeHtml(e.side)} ${escapeHtml(e.action)}" data-seq${e.seq === null ? '' : `="${e.seq}"`} ` +
    `data-entry="${escapeHtml(e.entry ?? e.id)}">${timeHtml(e.createdAt, timeZone)}` +
    `<span><strong>${escapeHtml(e.actorName)}</strong> ${escapeHtml(text)}</span>`;
  if (e.detail) out += `<span class="muted small pre">${escapeHtml(e.detail)}</span>`;
  if (networks.length) {
    out += '<details class="event-network small"><summary>Details</summary>';
    for (const n of networks.slice(0, NETWORKS_SHOWN)) out += `<span class="muted">${escapeHtml(n)}</span>`;
    if (more > 0) out += `<span class="muted">and ${more} more</span>`;
    out += '</details>';
  }
  return `${out}</li>`;
}

/** The document's timeline, newest first, a page at a time: "Older activity" and back to the newest. */
export function Timeline({
  events,
  timeZone,
  live,
  base,
  older = null,
  newer = false,
}: {
  events: EventView[];
  timeZone: string;
  live?: boolean;
  /** The document's page, which the paging links address. */
  base?: string;
  /** The position to page on from ("?before="), when older entries exist. */
  older?: number | null;
  /** This is an older page: offer the way back to the newest. */
  newer?: boolean;
}) {
  return html`<section class="card stack" id="timeline" aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <ol
      class="timeline"
      data-timeline=${live && !newer ? '' : undefined}
      dangerouslySetInnerHTML=${{ __html: events.map((e) => timelineEntryHtml(e, timeZone)).join('') }}
    ></ol>
    ${
      base && (older || newer)
        ? html`<nav class="timeline-pages" aria-label="Timeline pages">
            ${newer ? html`<a class="btn small" href=${`${base}#timeline`}>Newest activity</a>` : null}
            ${older ? html`<a class="btn small" href=${`${base}?before=${older}#timeline`}>Older activity</a>` : null}
          </nav>`
        : null
    }
  </section>`;
}
