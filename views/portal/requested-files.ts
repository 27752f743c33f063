import { html } from '../html';
import { dateTime } from '../format';
import type { Slot } from '../../src/documents/file-requests';

// Issue 20, part D, the recipient's side: the files the contractor asks for, as a checklist placed
// before the decision (#requested-files), with an upload form for each one still needed; and the
// note the sign panel shows instead of its form while a required one is missing.

export interface RequestedFilesProps {
  slots: Slot[];
  companyName: string;
  timeZone: string;
  /** The upload's address ("/portal/documents/:id/files?_csrf=…"): the shared files' own. */
  action: string;
  /** "/portal/documents/:id/files": where an uploaded file is downloaded. */
  filesBase: string;
  /** The viewer is someone the document is sent to: only they upload (another contact of the account reads). */
  canUpload: boolean;
  maxMb: number;
  /** A refused upload's message, by slot id (a one-time flash after the redirect). */
  errors: Record<string, string>;
}

function state(s: Slot, p: RequestedFilesProps) {
  if (s.fileId)
    return html`Uploaded by ${s.filledByName} on ${dateTime(s.filledAt ?? 0, p.timeZone)}:${' '}
      <a href=${`${p.filesBase}/${s.fileId}`} download>${s.fileName}</a>`;
  if (s.waivedAt) return `Not needed any more (waived by ${p.companyName})`;
  return s.required ? 'Needed before you can sign' : 'Optional';
}

function UploadForm({ s, p }: { s: Slot; p: RequestedFilesProps }) {
  const id = `slot-file-${s.id}`;
  const error = p.errors[s.id];
  return html`<form method="post" action=${p.action} enctype="multipart/form-data" class="stack slot-upload" novalidate>
    <input type="hidden" name="slot" value=${s.id} />
    ${
      error
        ? html`<p class="form-summary" id=${`${id}-error`} role="alert" tabindex="-1" data-focus-error>${error}</p>`
        : null
    }
    <label for=${id}
      >File for ${s.name} <span class="muted small">(PDF, photo or document, up to ${p.maxMb} MB)</span></label
    >
    <input
      id=${id}
      name="files"
      type="file"
      required
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${error ? `${id}-error` : undefined}
    />
    <div><button class="btn" type="submit">Upload ${s.name}</button></div>
  </form>`;
}

export function RequestedFiles(p: RequestedFilesProps) {
  const done = p.slots.filter((s) => s.fileId || s.waivedAt).length;
  return html`<section id="requested-files" class="card stack requested-files" aria-labelledby="requested-files-h">
    <h2 id="requested-files-h">Files ${p.companyName} needs from you</h2>
    <p class="muted">${done} of ${p.slots.length} done.</p>
    <ul class="file-list">
      ${p.slots.map((s) => {
        const mark = s.fileId ? 'filled' : s.waivedAt ? 'waived' : s.required ? 'needed' : 'optional';
        return html`<li class=${`file slot ${mark}`} id=${`slot-${s.id}`}>
          <span class="file-icon" aria-hidden="true">${s.fileId || s.waivedAt ? '✓' : '○'}</span>
          <div class="file-main stack">
            <p><strong>${s.name}</strong>${s.required ? null : html` <span class="muted small">(optional)</span>`}</p>
            <p class="small">${state(s, p)}</p>
            ${!s.fileId && !s.waivedAt && p.canUpload ? html`<${UploadForm} s=${s} p=${p} />` : null}
          </div>
        </li>`;
      })}
    </ul>
    ${
      p.canUpload
        ? null
        : html`<p class="muted small">Only the people this document was sent to can upload these files.</p>`
    }
  </section>`;
}

/** Instead of the sign form while a required file is missing: what to do first, and the button, not yet usable. */
export function FilesFirst({ sentence, button }: { sentence: string; button: string }) {
  return html`<div class="files-first stack">
    <p><strong>${sentence}</strong> <a href="#requested-files">Go to the checklist</a></p>
    <div><button class="btn big" type="button" disabled>${button}</button></div>
  </div>`;
}
