import { html } from '../html';
import { Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { money } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import type { DocumentSnapshot } from '../../src/documents/snapshot';

export function SendPage({
  ctx,
  docId,
  snapshot,
  form,
  side,
  subject,
  previewSrc,
  lineCount,
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
