import { html } from '../html';
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
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Plain text with line breaks kept and web addresses made into links; everything else escaped by rendering. */
export function Linkified({ text }: { text: string }) {
  const parts: unknown[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(html`<a href=${m[0]} rel="noopener noreferrer nofollow" target="_blank">${m[0]}</a>`);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return html`<p class="comment-body pre">${parts}</p>`;
}

export function CommentItem({ c, timeZone }: { c: CommentView; timeZone: string }) {
  const time = html`<time datetime=${new Date(c.createdAt).toISOString()}>${dateTime(c.createdAt, timeZone)}</time>`;
  return html`<li class=${`comment ${c.side}`} id=${`comment-${c.id}`} data-id=${c.id}>
    <div class="comment-meta"><strong>${c.authorName}</strong> <span class="muted">${c.sideLabel}</span> · ${time}</div>
    <${Linkified} text=${c.body} />
  </li>`;
}

export function Thread({
  comments,
  timeZone,
  action,
  csrf,
  live,
}: {
  comments: CommentView[];
  timeZone: string;
  action: string | null;
  csrf: string;
  live: string;
}) {
  return html`<section class="card stack conversation" aria-labelledby="thread-h" data-live=${live}>
    <h2 id="thread-h">Conversation</h2>
    <ol class="thread" data-thread aria-live="polite">
      ${comments.map((c) => html`<${CommentItem} c=${c} timeZone=${timeZone} />`)}
    </ol>
    ${
      comments.length === 0
        ? html`<p class="muted" data-thread-empty>No comments yet. Questions about this document? Ask here.</p>`
        : null
    }
    ${
      action
        ? html`<form method="post" action=${action} class="stack comment-form" data-comment-form novalidate>
          <input type="hidden" name="_csrf" value=${csrf} />
          <label for="comment-body">Add a comment</label>
          <textarea id="comment-body" name="body" rows="3" maxlength="5000" required></textarea>
          <p class="error" data-comment-error hidden></p>
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
      <div class="muted small">${fileSize(f.size)} · ${f.uploaderName} · ${dateTime(f.createdAt, timeZone)}</div>
    </div>
    ${
      f.canRemove
        ? html`<form method="post" action=${`${base}/${f.id}/remove`} class="inline-form">
            <input type="hidden" name="_csrf" value=${csrf} />
            <button class="btn small danger" type="submit" aria-label=${`Remove ${f.name}`}>Remove</button>
          </form>`
        : null
    }
  </li>`;
}

export function Files({
  files,
  base,
  csrf,
  timeZone,
  maxMb,
  error,
}: {
  files: FileView[];
  base: string;
  csrf: string;
  timeZone: string;
  maxMb: number;
  error?: string;
}) {
  const accepted = `(PDF, images, Office documents, plans and CAD, zip · up to ${maxMb} MB each)`;
  return html`<section class="card stack files" aria-labelledby="files-h">
    <h2 id="files-h">Files</h2>
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
      <input
        id="upload-files"
        name="files"
        type="file"
        multiple
        required
        aria-describedby=${error ? 'upload-error' : undefined}
      />
      ${error ? html`<p class="error" id="upload-error" role="alert">${error}</p>` : null}
      <div><button class="btn" type="submit">Upload</button></div>
    </form>
  </section>`;
}

export function TimelineItem({ e, timeZone, showNetwork }: { e: EventView; timeZone: string; showNetwork: boolean }) {
  const network = showNetwork && e.side === 'recipient' && (e.ip || e.userAgent);
  return html`<li class=${`event ${e.side} ${e.action}`} data-seq=${e.seq ?? ''}>
    <time datetime=${new Date(e.createdAt).toISOString()}>${dateTime(e.createdAt, timeZone)}</time>
    <span><strong>${e.actorName}</strong> ${e.text}</span>
    ${e.detail ? html`<span class="muted small pre">${e.detail}</span>` : null}
    ${network ? html`<span class="muted small">${[e.ip, e.userAgent].filter(Boolean).join(' · ')}</span>` : null}
  </li>`;
}

export function Timeline({ events, timeZone, live }: { events: EventView[]; timeZone: string; live?: boolean }) {
  return html`<section class="card stack" aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <ol class="timeline" data-timeline=${live ? '' : undefined}>
      ${events.map((e) => html`<${TimelineItem} e=${e} timeZone=${timeZone} showNetwork=${true} />`)}
    </ol>
  </section>`;
}
