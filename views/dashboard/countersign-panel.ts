import { html } from '../html';
import { Csrf, type FormState } from '../components/form';
import { SignatureChoice } from '../components/signature-choice';
import { COUNTERSIGN_STATEMENT } from '../portal/statement';

// Issue 17, part C: the contractor's countersignature on the document page, once every signer signed.
// The form is the portal's sign form (views/portal/decide.ts) for the contractor: the same pad and
// typed preview (public/sign.js), consent, and the version hash the page showed.

export interface CountersignPanelProps {
  documentId: string;
  csrf: string;
  /** The page's script nonce: the panel loads sign.js for its pad. */
  nonce: string;
  /** The sent version's PDF hash: a countersignature is of the version the contractor was shown. */
  versionHash: string;
  /** waiting: a signer has not signed yet; ready: the form; done: who countersigned, when. */
  state: 'waiting' | 'ready' | 'done';
  waitingFor?: string[];
  done?: { name: string; on: string };
  form?: FormState;
}

const PNG_DATA = 'data:image/png;base64,';

const names = (list: string[]) =>
  list.length < 2 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;

/** "You countersign once Sam Patel has signed." */
const waitingText = (left: string[]) =>
  left.length
    ? `You countersign once ${names(left)} ${left.length > 1 ? 'have' : 'has'} signed.`
    : 'You countersign once every signer has signed.';

const FieldError = ({ id, text }: { id: string; text?: string }) =>
  text ? html`<p class="error" id=${id} role="alert">${text}</p>` : null;

export function CountersignPanel(p: CountersignPanelProps) {
  if (p.state === 'done' && p.done)
    return html`<section class="card stack countersign" aria-labelledby="countersign-h" id="countersign">
      <h2 id="countersign-h">Countersignature</h2>
      <p class="outcome signed"><strong>Countersigned by ${p.done.name} on ${p.done.on}</strong></p>
    </section>`;
  if (p.state === 'waiting')
    return html`<section class="card stack countersign" aria-labelledby="countersign-h" id="countersign">
      <h2 id="countersign-h">Countersignature</h2>
      <p class="muted">${waitingText(p.waitingFor ?? [])}</p>
    </section>`;
  const v = p.form?.values ?? {};
  const e = p.form?.errors ?? {};
  const drawn = v.signature?.startsWith(PNG_DATA) ? v.signature : '';
  const summary = Object.values(e)[0];
  return html`<section class="card stack next-step countersign" aria-labelledby="countersign-h" id="countersign">
    <h2 id="countersign-h">Countersign</h2>
    <p>Every signer signed. Countersign to finish: the signed PDF is sealed once you do.</p>
    <form
      method="post"
      action=${`/documents/${p.documentId}/countersign#countersign`}
      class="stack sign-form"
      data-sign-form
      data-method=${v.method ?? ''}
    >
      <${Csrf} token=${p.csrf} />
      <input type="hidden" name="versionHash" value=${p.versionHash} />
      ${summary ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${summary}</p>` : null}
      <fieldset class="consent">
        <legend>Consent</legend>
        <label class="check">
          <input
            type="checkbox"
            id="countersign-consent"
            name="consent"
            value="yes"
            required
            checked=${v.consent === 'yes'}
            aria-invalid=${e.consent ? 'true' : undefined}
            aria-describedby=${e.consent ? 'countersign-consent-error' : undefined}
          /> ${COUNTERSIGN_STATEMENT}</label>
        <${FieldError} id="countersign-consent-error" text=${e.consent} />
      </fieldset>
      <div class="field">
        <label for="countersign-name">Your full name</label>
        <input
          id="countersign-name"
          name="name"
          autocomplete="name"
          required
          maxlength="200"
          value=${v.name ?? ''}
          aria-invalid=${e.name ? 'true' : undefined}
          aria-describedby=${e.name ? 'countersign-name-error' : undefined}
        />
        <${FieldError} id="countersign-name-error" text=${e.name} />
      </div>
      <${SignatureChoice}
        method=${v.method}
        drawn=${drawn}
        name=${v.name ?? ''}
        previewClass="typed-preview script"
        after=${html`<${FieldError} id="countersign-signature-error" text=${e.signature} />`}
      />
      <div><button class="btn primary" type="submit">Countersign</button></div>
    </form>
    <script type="module" src="/sign.js" nonce=${p.nonce}></script>
  </section>`;
}
