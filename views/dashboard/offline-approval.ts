import { html } from '../html';
import { Csrf, Field, type FormState } from '../components/form';

// Issue 20, part E: "Mark as approved" on the contractor's document page, and the record once made. It
// never looks like a signature: no signature mark, no signed PDF, always "recorded by" the user.

export interface OfflineOption {
  id: string;
  name: string;
}

export interface OfflineApprovalPanelProps {
  documentId: string;
  csrf: string;
  /** "approved" for an estimate, proposal or change order; "accepted" for a vendor's order. */
  verb: 'approved' | 'accepted';
  /** The record, once made: its words, note, scan and the options recorded as chosen. */
  recorded?: {
    label: string;
    note: string;
    scan: { href: string; name: string } | null;
    chosen: string[];
  } | null;
  /** The document expired: why it cannot be marked approved until its date is extended. */
  expired?: string | null;
  /** The form (while the document awaits its decision). */
  form?: {
    state: FormState;
    versionHash: string;
    today: string;
    sentOn: string;
    methods: { value: string; label: string }[];
    /** The optional lines and the "choose one" sets the document offers; null when it offers none. */
    options: { optional: OfflineOption[]; sets: { name: string; options: OfflineOption[] }[] } | null;
    /** Several signers, or some signed already: the record decides for all of them. */
    signersNote: string | null;
    maxMb: number;
  } | null;
}

const FieldError = ({ id, text }: { id: string; text?: string }) =>
  text ? html`<p class="error" id=${id} role="alert">${text}</p>` : null;

const Expired = (why: string) =>
  html`<section class="card stack offline-approval" aria-labelledby="offline-approval-h" id="offline-approval">
    <h2 id="offline-approval-h">Approved outside the portal?</h2>
    <p>${why}</p>
    <p><a href="#deadline">Extend the date</a></p>
  </section>`;

export function OfflineApprovalPanel(p: OfflineApprovalPanelProps) {
  if (p.recorded) return Recorded(p.recorded, p.verb);
  if (p.expired) return Expired(p.expired);
  if (!p.form) return null;
  const f = p.form;
  const { values, errors } = f.state;
  const failed = Object.keys(errors).length > 0;
  const mark = p.verb === 'accepted' ? 'Mark as accepted' : 'Mark as approved';
  const action = `/documents/${p.documentId}/offline-approval?_csrf=${encodeURIComponent(p.csrf)}#offline-approval`;
  const chosen = new Set((values.chosen ?? '').split(',').filter(Boolean));
  const summary = Object.values(errors)[0];
  const scanDescribed = errors.scan ? 'f-scan-hint f-scan-error' : 'f-scan-hint';
  return html`<section class="card stack offline-approval" aria-labelledby="offline-approval-h" id="offline-approval">
    <h2 id="offline-approval-h">Approved outside the portal?</h2>
    <p class="muted">
      If the customer ${p.verb === 'accepted' ? 'accepted' : 'approved'} on paper, by phone, in person or by email,
      record it here. It is labelled as recorded by you and is not an electronic signature: no signed PDF is made.
    </p>
    ${f.signersNote ? html`<p>${f.signersNote}</p>` : null}
    <details open=${failed}>
      <summary>${mark}</summary>
      ${failed ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${summary}</p>` : null}
      <form method="post" action=${action} enctype="multipart/form-data" class="stack" novalidate>
        <${Csrf} token=${p.csrf} />
        <input type="hidden" name="versionHash" value=${f.versionHash} />
        <${Field} form=${f.state} name="approverName" label="Who approved it" required autocomplete="off" />
        <fieldset id="f-method" class=${errors.method ? 'has-error' : ''}>
          <legend>How</legend>
          <div class="radio-row">
            ${f.methods.map(
              (m) => html`<label
                ><input type="radio" name="method" value=${m.value} checked=${values.method === m.value} />
                ${m.label}</label
              >`,
            )}
          </div>
          <${FieldError} id="f-method-error" text=${errors.method} />
        </fieldset>
        <${Field} form=${f.state} name="approvedOn" label="Date approved" type="date" required
          hint=${`Not before it was sent, not after today.`} />
        ${f.options ? Options(f.options, chosen, errors.chosen) : null}
        <${Field} form=${f.state} name="note" label="Note (optional)" type="textarea" />
        <div class=${`field ${errors.scan ? 'has-error' : ''}`}>
          <label for="f-scan">Scan or photo of the approval (optional)</label>
          <input id="f-scan" name="scan" type="file" accept="application/pdf,image/*"
            aria-invalid=${errors.scan ? 'true' : undefined} aria-describedby=${scanDescribed} />
          <p class="hint" id="f-scan-hint">PDF or image, up to ${f.maxMb} MB. It is shared on the document’s files.</p>
          <${FieldError} id="f-scan-error" text=${errors.scan} />
        </div>
        <div><button class="btn primary" type="submit">Record the approval</button></div>
      </form>
    </details>
  </section>`;
}

/** The options the customer chose, as the form asks them: optional lines to tick, one of each set. */
function Options(
  options: NonNullable<NonNullable<OfflineApprovalPanelProps['form']>['options']>,
  chosen: Set<string>,
  error?: string,
) {
  return html`<fieldset id="f-chosen" class=${error ? 'has-error' : ''}>
    <legend>What the customer chose</legend>
    <${FieldError} id="f-chosen-error" text=${error} />
    ${options.optional.map(
      (o) => html`<div class="field checkbox">
        <label><input type="checkbox" name="chosen" value=${o.id} checked=${chosen.has(o.id)} /> ${o.name}</label>
      </div>`,
    )}
    ${options.sets.map(
      (s, i) => html`<fieldset>
        <legend>${s.name} (choose one)</legend>
        ${s.options.map(
          (o) => html`<div class="field checkbox">
            <label><input type="radio" name=${`set.${i}`} value=${o.id} checked=${chosen.has(o.id)} /> ${o.name}</label>
          </div>`,
        )}
      </fieldset>`,
    )}
  </fieldset>`;
}

function Recorded(r: NonNullable<OfflineApprovalPanelProps['recorded']>, verb: string) {
  return html`<section class="card stack offline-approval" aria-labelledby="offline-approval-h" id="offline-approval">
    <h2 id="offline-approval-h">${verb === 'accepted' ? 'Accepted' : 'Approved'} outside the portal</h2>
    <p class="outcome offline"><strong>${r.label}</strong></p>
    <p class="muted small">Recorded, not signed electronically: no signed PDF or certificate is made for it.</p>
    ${r.chosen.length ? html`<p>Options chosen: ${r.chosen.join(', ')}</p>` : null}
    ${r.note ? html`<p class="pre">${r.note}</p>` : null}
    ${r.scan ? html`<p><a class="btn" href=${r.scan.href}>Download the scan (${r.scan.name})</a></p>` : null}
  </section>`;
}
