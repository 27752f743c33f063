import { html } from '../html';
import { Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { money } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import type { DocumentSnapshot } from '../../src/documents/snapshot';
import { PlanFields } from './settings-reminders';

export function SendPage({
  ctx,
  docId,
  snapshot,
  form,
  side,
  subject,
  previewSrc,
  lineCount,
  companyReminders,
  planFields,
}: {
  ctx: PageContext;
  docId: string;
  snapshot: DocumentSnapshot;
  form: FormState;
  side: 'customer' | 'vendor';
  subject: string;
  previewSrc: string;
  /** The saved draft's item lines (group headings not counted). */
  lineCount: number;
  /** What the company's reminder defaults would send for this document, in short parts; empty: none. */
  companyReminders: string[];
  /** The custom reminder fields that apply to this kind (the rest are sent as hidden zeros). */
  planFields?: string[];
}) {
  const who = side === 'customer' ? 'Customer' : 'Vendor';
  const previewPdf = html`<a class="btn" href=${`/documents/${docId}.pdf`}>Preview PDF</a>`;
  return html`<${DashboardPage} ctx=${ctx} title=${`Send ${snapshot.number}`}>
    <${PageHeader}
      title=${`Send ${snapshot.typeLabel.toLowerCase()} ${snapshot.number} to ${who.toLowerCase()}`}
      sub=${html`<a href=${`/documents/${docId}`}>Back to the draft</a>`}
    />
    <div class="send-grid">
      <form method="post" action=${`/documents/${docId}/send`} class="card stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${FormSummary} form=${form} />
        <h2>What is sent</h2>
        <p class="muted">As last saved. <a href=${`/documents/${docId}`}>Edit the draft</a> to change it.</p>
        <dl class="facts send-facts">
          <dt>Title</dt><dd>${snapshot.title}</dd>
          ${
            snapshot.amountColumn !== 'bid'
              ? html`<dt>Total</dt><dd>${money(snapshot.totals.total, snapshot.currency)}</dd>`
              : null
          }
          <dt>Lines</dt><dd>${lineCount === 1 ? '1 line' : `${lineCount} lines`}</dd>
        </dl>
        <h2>Prepared for</h2>
        <p class="muted">Check the name and email. A change here is saved to the contact.</p>
        <${Field} form=${form} name="name" label="Name" required autocomplete="off" />
        <${Field} form=${form} name="email" label="Email" type="email" required autocomplete="off" />
        <${Field} form=${form} name="message" label="Personal message (optional)" type="textarea" />
        <${RemindersChoice} form=${form} company=${companyReminders} fields=${planFields} />
        <dl class="facts">
          <dt>Subject</dt><dd>${subject}</dd>
          <dt>Signature</dt><dd>${snapshot.requireSignature ? 'Required' : 'Not required'}</dd>
        </dl>
        <div class="form-actions">
          <button class="btn primary" type="submit">Send to ${who}</button> ${previewPdf}
        </div>
      </form>
      <section class="card stack" aria-labelledby="preview-h">
        <h2 id="preview-h">Email preview</h2>
        <iframe class="mail-frame" title="Email preview" src=${previewSrc} sandbox=""></iframe>
      </section>
    </div>
  <//>`;
}

/** The send page's reminders: the company's (summed up for this document), none, or this document's own. */
function RemindersChoice({ form, company, fields }: { form: FormState; company: string[]; fields?: string[] }) {
  const chosen = form.values.reminders ?? 'company';
  const error = form.errors.reminders;
  const companyLabel = company.length
    ? `Use company reminders (${company.join(' · ')})`
    : 'Use company reminders (none for this document)';
  const radio = (value: string, label: string) =>
    html`<label class="radio"
      ><input
        type="radio"
        name="reminders"
        value=${value}
        checked=${chosen === value}
        aria-describedby=${error ? 'f-reminders-error' : undefined}
      />
      ${label}</label
    >`;
  return html`<fieldset class=${`reminders-choice ${error ? 'has-error' : ''}`} id="f-reminders">
    <legend>Reminders</legend>
    ${error ? html`<p class="error" id="f-reminders-error">${error}</p>` : null}
    ${radio('company', companyLabel)} ${radio('none', 'No reminders')} ${radio('custom', 'Custom')}
    <div class="custom-plan">
      <${PlanFields} form=${form} only=${fields} />
    </div>
  </fieldset>`;
}
