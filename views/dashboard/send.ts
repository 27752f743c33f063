import { html } from '../html';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { money } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import type { DocumentSnapshot } from '../../src/documents/snapshot';
import { PlanFields } from './settings-reminders';
import { AskForFiles, type AskForFilesProps } from './requested-files';

const CODE_HINT =
  'Each signer gets a 6-digit code by email and enters it to sign: a forwarded link alone is not enough.';

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
  people = [],
  signersAllowed = false,
  emailCodeAllowed = false,
  askFiles,
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
  /** Issue 17: the account's other contacts, each a row under "Also send to". */
  people?: { id: string; name: string; email: string }[];
  /** A customer order: extra people may sign (else they can only get a copy), with an order and a countersignature. */
  signersAllowed?: boolean;
  /** Issue 18: a document the recipient signs or approves can ask for a code emailed to them first. */
  emailCodeAllowed?: boolean;
  /** Issue 20: the files to ask of the recipient (the form comes from `form`). */
  askFiles?: Omit<AskForFilesProps, 'form'>;
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
        <${AlsoSendTo}
          form=${form}
          people=${people}
          signersAllowed=${signersAllowed}
          label=${snapshot.typeLabel.toLowerCase()}
        />
        ${askFiles ? html`<${AskForFiles} form=${form} ...${askFiles} />` : null}
        <${Field} form=${form} name="message" label="Personal message (optional)" type="textarea" />
        <${RemindersChoice} form=${form} company=${companyReminders} fields=${planFields} />
        ${
          emailCodeAllowed
            ? html`<${Checkbox}
                form=${form}
                name="emailCode"
                label="Ask signers for a code emailed to them before they sign"
                hint=${CODE_HINT}
              />`
            : null
        }
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

/** Blank "Add someone" rows after the account's contacts: enough without JavaScript. */
const ADD_ROWS = 2;

/**
 * Issue 17: who else gets it. Each of the account's other contacts is a row (Signer / Copy / Not
 * included), then blank rows to add someone (a new contact of the account); rows are
 * `recipient.N.*`, N in signing order. A customer order also asks the signing order and whether the
 * contractor countersigns; other documents take copies only, and say so.
 */
function AlsoSendTo({
  form,
  people,
  signersAllowed,
  label,
}: {
  form: FormState;
  people: { id: string; name: string; email: string }[];
  signersAllowed: boolean;
  label: string;
}) {
  const roles = signersAllowed
    ? [
        { value: '', label: 'Not included' },
        { value: 'signer', label: 'Signer' },
        { value: 'copy', label: 'Copy' },
      ]
    : [
        { value: '', label: 'Not included' },
        { value: 'copy', label: 'Copy' },
      ];
  const error = form.errors.recipients;
  const roleSelect = (n: number, text: string, fallback: string) => {
    const name = `recipient.${n}.role`;
    const id = `f-${name}`;
    const err = form.errors[name];
    const chosen = form.values[name] ?? fallback;
    return html`<div class=${`field person-role ${err ? 'has-error' : ''}`}>
      <label for=${id}>${text}</label>
      <select
        id=${id}
        name=${name}
        aria-invalid=${err ? 'true' : undefined}
        aria-describedby=${err ? `${id}-error` : undefined}
      >
        ${roles.map((r) => html`<option value=${r.value} selected=${r.value === chosen}>${r.label}</option>`)}
      </select>
      ${err ? html`<p class="error" id=${`${id}-error`}>${err}</p>` : null}
    </div>`;
  };
  // The blank rows, and any further "add" rows a refused post carried (the form comes back whole).
  const posted = Object.keys(form.values)
    .map((k) => /^recipient\.(\d{1,2})\.(name|email)$/.exec(k))
    .filter((m) => m && Number(m[1]) > people.length)
    .map((m) => Number(m![1]));
  const fresh = Array.from({ length: ADD_ROWS }, (_, i) => people.length + i + 1);
  const adds = [...new Set([...fresh, ...posted])].sort((a, b) => a - b);
  return html`<fieldset class=${`send-people ${error ? 'has-error' : ''}`} id="f-recipients">
    <legend>Also send to</legend>
    ${error ? html`<p class="error" id="f-recipients-error">${error}</p>` : null}
    <p class="muted">
      ${
        signersAllowed
          ? 'Each signer signs for themselves, with their own link. A copy can view, comment and share files.'
          : `Only the person above answers this ${label}. Anyone you add here gets a copy: ` +
            'they can view it, comment and share files.'
      }
    </p>
    ${people.map(
      (p, i) => html`<div class="person-row">
        <input type="hidden" name=${`recipient.${i + 1}.contactId`} value=${p.id} />
        ${roleSelect(i + 1, `${p.name} (${p.email})`, '')}
      </div>`,
    )}
    <h3 class="send-add-h">Add someone</h3>
    <p class="muted">A new person is saved as a contact of this account.</p>
    ${adds.map(
      (n, i) => html`<div class="person-row person-new">
        <input type="hidden" name=${`recipient.${n}.contactId`} value="" />
        <${Field} form=${form} name=${`recipient.${n}.name`} label=${`Name (person ${i + 1})`} autocomplete="off" />
        <${Field}
          form=${form}
          name=${`recipient.${n}.email`}
          label=${`Email (person ${i + 1})`}
          type="email"
          autocomplete="off"
        />
        ${roleSelect(n, `Include person ${i + 1} as`, signersAllowed ? 'signer' : 'copy')}
      </div>`,
    )}
    ${signersAllowed ? html`<${SigningChoices} form=${form} />` : null}
  </fieldset>`;
}

/** A customer order's signing order and countersignature. */
function SigningChoices({ form }: { form: FormState }) {
  const order = form.values.signingOrder === 'ordered' ? 'ordered' : 'any';
  const error = form.errors.signingOrder;
  const radio = (value: string, text: string) =>
    html`<label class="radio"
      ><input type="radio" name="signingOrder" value=${value} checked=${order === value} />
      ${text}</label
    >`;
  return html`<fieldset class=${`signing-order ${error ? 'has-error' : ''}`} id="f-signingOrder">
      <legend>When there is more than one signer</legend>
      ${error ? html`<p class="error">${error}</p>` : null}
      ${radio('any', 'Everyone signs, in any order')}
      ${radio('ordered', 'In the order listed (each is emailed when the one before signs)')}
    </fieldset>
    <${Checkbox}
      form=${form}
      name="countersign"
      label="I countersign it after they sign (the PDF is sealed after my signature)"
    />`;
}
