import { html } from '../html';
import { Csrf, Field, FormSummary, type FormState } from '../components/form';
import { dateTime } from '../format';
import type { Slot } from '../../src/documents/file-requests';

// Issue 20, part D, the contractor's side: the send page's "Files you need from them" and the sent
// document's "Requested files" panel (each slot's state, Waive, Remove, ask for another).

export interface AskForFilesProps {
  form: FormState;
  /** The quick picks ("W-9" ...), in the order of their `filePick.N` fields. */
  suggestions: string[];
  /** Blank rows for other files (`fileSlot.N.*`). */
  rows: number;
  /** What the document asks for already (a resend or a revision keeps them). */
  asked: string[];
}

/** The send page's files to ask for: a tap on a suggestion, or a name typed into a row (required or optional). */
export function AskForFiles({ form, suggestions, rows, asked }: AskForFilesProps) {
  const error = form.errors.fileSlots;
  const posted = Object.keys(form.values)
    .map((k) => /^fileSlot\.(\d{1,2})\.name$/.exec(k)?.[1])
    .filter((n): n is string => !!n)
    .map(Number);
  const numbers = [...new Set([...Array.from({ length: rows }, (_, i) => i + 1), ...posted])].sort((a, b) => a - b);
  const free = suggestions.map((name, i) => ({ name, i })).filter((s) => !asked.includes(s.name));
  return html`<fieldset class=${`ask-files ${error ? 'has-error' : ''}`} id="f-fileSlots">
    <legend>Files you need from them</legend>
    ${error ? html`<p class="error" id="f-fileSlots-error">${error}</p>` : null}
    <p class="muted">
      They upload each one on the document’s page. Signing waits until every required file is there (or you waive
      it).
    </p>
    ${asked.length ? html`<p>Already asked for: ${asked.join(', ')}.</p>` : null}
    ${
      free.length
        ? html`<div class="quick-picks">
            ${free.map(
              (s) => html`<label class="check"
                ><input type="checkbox" name=${`filePick.${s.i}`} checked=${form.values[`filePick.${s.i}`] === 'on'} />
                ${s.name} (required)</label
              >`,
            )}
          </div>`
        : null
    }
    ${numbers.map(
      (n) => html`<div class="slot-row">
        <${Field} form=${form} name=${`fileSlot.${n}.name`} label=${`Other file ${n}`} autocomplete="off" />
        <div class="field">
          <label for=${`f-fileSlot.${n}.required`}>${`Other file ${n} is`}</label>
          <select id=${`f-fileSlot.${n}.required`} name=${`fileSlot.${n}.required`}>
            <option value="required" selected=${form.values[`fileSlot.${n}.required`] !== 'optional'}>Required</option>
            <option value="optional" selected=${form.values[`fileSlot.${n}.required`] === 'optional'}>Optional</option>
          </select>
        </div>
      </div>`,
    )}
  </fieldset>`;
}

export interface RequestedFilesPanelProps {
  csrf: string;
  docId: string;
  timeZone: string;
  slots: Slot[];
  /** Slots can still be added (a sent document that is not void). */
  open: boolean;
  form: FormState;
}

function slotLine(s: Slot, docId: string, timeZone: string) {
  if (s.fileId)
    return html`Uploaded by ${s.filledByName} on ${dateTime(s.filledAt ?? 0, timeZone)}:${' '}
      <a href=${`/documents/${docId}/files/${s.fileId}`} download>${s.fileName}</a>`;
  if (s.waivedAt) return `Waived by ${s.waivedByName ?? 'you'} on ${dateTime(s.waivedAt, timeZone)}`;
  return s.required ? 'Needed before they can sign' : 'Not uploaded yet';
}

/** The sent document's requested files, where the contractor waives, removes or asks for more. */
export function RequestedFilesPanel(p: RequestedFilesPanelProps) {
  const base = `/documents/${p.docId}/file-requests`;
  return html`<section class="card stack requested-files" id="requested-files" aria-labelledby="requested-files-h">
    <h2 id="requested-files-h">Requested files</h2>
    ${p.slots.length ? null : html`<p class="muted">You have not asked them for any files.</p>`}
    <ul class="file-list">
      ${p.slots.map(
        (
          s,
        ) => html`<li class=${`file slot ${s.fileId ? 'filled' : s.waivedAt ? 'waived' : 'open'}`} id=${`slot-${s.id}`}>
          <div class="file-main">
            <strong>${s.name}</strong> <span class="muted small">${s.required ? 'Required' : 'Optional'}</span>
            <p class="small muted">${slotLine(s, p.docId, p.timeZone)}</p>
          </div>
          ${
            s.fileId
              ? null
              : html`<div class="slot-actions">
                  ${
                    s.required && !s.waivedAt
                      ? html`<form method="post" action=${`${base}/${s.id}/waive`} class="inline-form">
                          <${Csrf} token=${p.csrf} />
                          <button class="btn small" type="submit" aria-label=${`Waive ${s.name}`}>Waive</button>
                        </form>`
                      : null
                  }
                  <form method="post" action=${`${base}/${s.id}/remove`} class="inline-form">
                    <${Csrf} token=${p.csrf} />
                    <button class="btn small danger" type="submit" aria-label=${`Remove ${s.name}`}>
                      Remove
                    </button>
                  </form>
                </div>`
          }
        </li>`,
      )}
    </ul>
    ${
      p.open
        ? html`<form method="post" action=${`${base}#requested-files`} class="stack ask-file" novalidate>
            <${Csrf} token=${p.csrf} />
            <${FormSummary} form=${p.form} />
            <${Field} form=${p.form} name="slotName" label="Ask for another file" autocomplete="off" />
            <label class="check"
              ><input type="checkbox" name="slotOptional" checked=${p.form.values.slotOptional === 'on'} /> Optional
              (signing does not wait for it)</label
            >
            <div><button class="btn" type="submit">Ask for it</button></div>
          </form>`
        : null
    }
  </section>`;
}
