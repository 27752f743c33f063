import { html } from '../html';
import { SignatureChoice } from '../components/signature-choice';
import { dateTime } from '../format';
import { signButtonLabel, signingStatement } from './statement';

// The recipient's decision, at the end of the document (#decide): sign/approve or decline (with a
// confirmation before a decline is final), or what was decided.

export interface SignPanelProps {
  action: string; // "/portal/documents/:id#sign"
  declineAction: string; // "/portal/documents/:id#decline"
  /**
   * The way out of the decline confirmation: "/portal/documents/:id?#decide". The empty query makes it
   * a new load of the page: after the POST the address is the document's own, and a link differing
   * only by its anchor would just scroll, leaving the question on screen.
   */
  keepOpenHref: string;
  csrf: string;
  versionHash: string;
  idempotencyKey: string;
  requireSignature: boolean;
  verb: 'Approve' | 'Accept';
  needsConsent: boolean;
  consent: string[];
  name: string;
  docLabel: string; // "Estimate EST-0001"
  version: number;
  companyName: string;
  comparedTo?: string; // the hash of the version the recipient was shown the changes against
  error?: string;
  declineError?: string;
  confirmDecline?: boolean;
  values?: Record<string, string>;
  /** Several signers (issue 17): "Dana Reyes and Sam Patel sign this estimate. Sam Patel signed on Dec 2." */
  signersNote?: string | null;
  /** Issue 20: a required requested file is missing: this note (portal/requested-files.ts) instead of the form. */
  filesFirst?: unknown;
  /** Issue 18: the document asks for a code emailed to the signer before they sign. */
  emailCode?: EmailCodeProps | null;
  /** The sign form's field its refusal is about (`code`: a wrong emailed code). */
  signField?: string;
}

export interface EmailCodeProps {
  /** "d***@example.com" */
  to: string;
  /** "/portal/documents/:id#sign-code" */
  action: string;
  /** After "Email me a code": "We emailed a 6-digit code to d***@example.com. It expires in 10 minutes." */
  sent?: string;
  /** "Email me a code" refused (too many an hour, the document moved on). */
  error?: string;
}

/**
 * Issue 18: the emailed code, inside the sign form above its button. "Email me a code" belongs to its
 * own small form after the sign form (the `form` attribute), so it never submits the signature, and
 * Enter in the code field signs.
 */
function CodeField({ e, value, error }: { e: EmailCodeProps; value: string; error?: string }) {
  return html`<div class="field email-code" id=${e.error ? undefined : 'sign-code'}>
    ${e.sent ? html`<p role="status">${e.sent}</p>` : html`<p>We’ll email a 6-digit code to ${e.to}.</p>`}
    <${Refusal} text=${e.error} id="sign-code" />
    <p>
      <button class="btn" type="submit" form="email-code-form">
        ${e.sent ? 'Email me a new code' : 'Email me a code'}
      </button>
    </p>
    <label for="sign-code-input">6-digit code</label>
    <input
      id="sign-code-input"
      name="code"
      autocomplete="one-time-code"
      inputmode="numeric"
      maxlength="12"
      required
      value=${value}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${error ? 'sign-code-error' : undefined}
    />
    ${
      error
        ? html`<p class="error" id="sign-code-error" role="alert" tabindex="-1" data-focus-error>${error}</p>`
        : null
    }
  </div>`;
}

/**
 * The message of a refused form: inside the form, announced, focused by portal.js. It carries the
 * form's anchor (`id`, which its section gives up meanwhile): without scripts the browser focuses
 * the element the address's #anchor names, when it can take focus (issue 13, B).
 */
const Refusal = ({ text, id }: { text?: string; id?: string }) =>
  text ? html`<p class="form-summary" id=${id} role="alert" tabindex="-1" data-focus-error>${text}</p>` : null;

const PNG_DATA = 'data:image/png;base64,';

function DeclineConfirm(p: SignPanelProps) {
  const reason = p.values?.reason ?? '';
  // "Yes, decline" declines the version the first press was made on (the route checked it is current).
  // The anchor (#decline) is the box itself and focusable: Chrome focuses a focusable fragment
  // target on load (and clears the focus when the target cannot take it).
  return html`<div
    class="card stack confirm"
    id="decline"
    role="group"
    aria-labelledby="decline-q"
    tabindex="-1"
    data-focus-error
  >
    <h3 id="decline-q">Decline ${p.docLabel}?</h3>
    <p>${p.companyName} will be told${reason ? ', with your reason:' : '.'}</p>
    ${reason ? html`<blockquote class="pre">${reason}</blockquote>` : null}
    <form method="post" action=${p.declineAction} class="actions">
      <input type="hidden" name="_csrf" value=${p.csrf} />
      <input type="hidden" name="intent" value="decline" />
      <input type="hidden" name="confirm" value="yes" />
      <input type="hidden" name="versionHash" value=${p.values?.versionHash ?? p.versionHash} />
      <input type="hidden" name="reason" value=${reason} />
      <button class="btn danger" type="submit">Yes, decline</button>
      <a class="btn" href=${p.keepOpenHref}>Keep it open</a>
    </form>
  </div>`;
}

export function SignPanel(p: SignPanelProps) {
  const v = p.values ?? {};
  const button = signButtonLabel(p);
  const drawn = v.signature?.startsWith(PNG_DATA) ? v.signature : '';
  // A refused code is said once, on its field (announced and focused there); other refusals lead the form.
  const codeError = p.emailCode && p.signField === 'code' ? p.error : undefined;
  const summary = codeError ? undefined : p.error;
  return html`<section class="card stack next-step" aria-labelledby="sign-h" id=${summary ? undefined : 'sign'}>
    <h2 id="sign-h">${p.requireSignature ? 'Review and sign' : `Review and ${p.verb.toLowerCase()}`}</h2>
    ${p.signersNote ? html`<p class="signers-note">${p.signersNote}</p>` : null}
    ${p.filesFirst}
    <form
      hidden=${!!p.filesFirst}
      method="post"
      action=${p.action}
      class="stack sign-form"
      id="sign-form"
      data-sign-form
      data-method=${v.method ?? ''}
    >
      <input type="hidden" name="_csrf" value=${p.csrf} />
      <input type="hidden" name="intent" value="sign" />
      <input type="hidden" name="versionHash" value=${p.versionHash} />
      <input type="hidden" name="idempotencyKey" value=${p.idempotencyKey} />
      ${p.comparedTo ? html`<input type="hidden" name="comparedTo" value=${p.comparedTo} />` : null}
      <${Refusal} text=${summary} id="sign" />
      ${
        p.needsConsent
          ? html`<fieldset class="consent">
            <legend>Consent to do business electronically</legend>
            <label class="check">
              <input
                type="checkbox"
                id="consent"
                name="consent"
                value="yes"
                required
                checked=${v.consent === 'yes'}
              /> I agree to use electronic records and signatures with ${p.companyName}.</label>
            <details>
              <summary>Read the consent</summary>
              ${p.consent.map((t) => html`<p class="small">${t}</p>`)}
            </details>
          </fieldset>`
          : null
      }
      <div class="field">
        <label for="signer-name">Your full legal name</label>
        <input id="signer-name" name="name" autocomplete="name" required maxlength="200" value=${v.name ?? p.name} />
      </div>
      ${
        p.requireSignature
          ? html`<${SignatureChoice} method=${v.method} drawn=${drawn} name=${v.name ?? p.name} />`
          : html`<input type="hidden" name="method" value="typed" />`
      }
      ${
        p.emailCode
          ? html`<${CodeField}
              e=${p.emailCode}
              value=${v.code ?? ''}
              error=${codeError}
            />`
          : null
      }
      <p class="small muted">${signingStatement(p)}</p>
      <div><button class="btn primary big" type="submit">${button}</button></div>
    </form>
    ${
      p.emailCode
        ? html`<form method="post" action=${p.emailCode.action} id="email-code-form">
            <input type="hidden" name="_csrf" value=${p.csrf} />
            <input type="hidden" name="intent" value="email_code" />
            <input type="hidden" name="versionHash" value=${p.versionHash} />
          </form>`
        : null
    }
    ${
      p.confirmDecline
        ? html`<${DeclineConfirm} ...${p} />`
        : html`<details id=${p.declineError ? undefined : 'decline'} open=${!!p.declineError}>
          <summary>Decline instead</summary>
          <form method="post" action=${p.declineAction} class="stack" novalidate>
            <input type="hidden" name="_csrf" value=${p.csrf} />
            <input type="hidden" name="intent" value="decline" />
            <input type="hidden" name="versionHash" value=${p.versionHash} />
            <${Refusal} text=${p.declineError} id="decline" />
            <div class="field">
              <label for="decline-reason">Reason (optional, up to 1,000 characters)</label>
              <textarea id="decline-reason" name="reason" maxlength="1000" rows="3">${v.reason ?? ''}</textarea>
            </div>
            <div><button class="btn danger" type="submit">Decline</button></div>
          </form>
        </details>`
    }
  </section>`;
}

export interface OutcomeView {
  outcome: string;
  signerName: string;
  signedAt: number;
  reason: string | null;
  sealed: boolean;
  signedPdfHref: string | null;
  /** What the signed PDF waits for (issue 17: the contractor's countersignature), instead of "Finalizing". */
  waiting?: string | null;
}

export function OutcomePanel({ o, timeZone }: { o: OutcomeView; timeZone: string }) {
  const verb =
    o.outcome === 'declined'
      ? 'Declined'
      : o.outcome === 'signed'
        ? 'Signed'
        : o.outcome === 'accepted'
          ? 'Accepted'
          : 'Approved';
  return html`<section class=${`card stack outcome ${o.outcome}`} aria-live="polite">
    <h2>${verb} by ${o.signerName}</h2>
    <p>${dateTime(o.signedAt, timeZone)}</p>
    ${o.reason ? html`<p class="pre">${o.reason}</p>` : null}
    ${
      o.outcome === 'signed'
        ? o.sealed && o.signedPdfHref
          ? html`<p><a class="btn primary" href=${o.signedPdfHref}>Download the signed PDF</a></p>`
          : o.waiting
            ? html`<p class="muted">${o.waiting}</p>`
            : html`<p class="muted" data-live-pending="The signed PDF is ready to download.">
              Finalizing the signed PDF… it will be ready in a moment.
            </p>`
        : null
    }
  </section>`;
}

/**
 * Issue 17: the decision of a recipient who does not decide now — a copy ("You’re receiving a copy;
 * Dana Reyes signs it."), a signer whose turn has not come, or one who signed while others have not.
 * No form; the conversation below stays.
 */
export function WaitingPanel({ heading, text }: { heading: string; text: string }) {
  return html`<section class="card stack waiting-turn" aria-labelledby="waiting-h" aria-live="polite">
    <h2 id="waiting-h">${heading}</h2>
    <p>${text}</p>
  </section>`;
}
