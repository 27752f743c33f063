import { html } from '../html';
import { dateTime } from '../format';

// The recipient's one unmistakable next step: sign/approve or decline, submit a bid, or what happened.

export interface SignPanelProps {
  action: string; // "/portal/documents/:id/sign"
  declineAction: string;
  csrf: string;
  versionHash: string;
  idempotencyKey: string;
  requireSignature: boolean;
  verb: 'Approve' | 'Accept';
  needsConsent: boolean;
  consent: string[];
  name: string;
  error?: string;
  declineError?: string;
  values?: Record<string, string>;
}

export function SignPanel(p: SignPanelProps) {
  const v = p.values ?? {};
  const button = p.requireSignature ? `${p.verb} & sign` : p.verb;
  const agree = p.verb === 'Approve' ? 'approve' : 'accept';
  const andSign = p.requireSignature ? ' and sign it electronically' : '';
  return html`<section class="card stack next-step" aria-labelledby="sign-h" id="sign">
    <h2 id="sign-h">${p.requireSignature ? 'Review and sign' : `Review and ${p.verb.toLowerCase()}`}</h2>
    ${p.error ? html`<p class="form-summary" role="alert">${p.error}</p>` : null}
    <form method="post" action=${p.action} class="stack sign-form" data-sign-form novalidate>
      <input type="hidden" name="_csrf" value=${p.csrf} />
      <input type="hidden" name="versionHash" value=${p.versionHash} />
      <input type="hidden" name="idempotencyKey" value=${p.idempotencyKey} />
      ${
        p.needsConsent
          ? html`<fieldset class="consent">
            <legend>Consent to do business electronically</legend>
            ${p.consent.map((t) => html`<p class="small">${t}</p>`)}
            <label class="check">
              <input
                type="checkbox"
                name="consent"
                value="yes"
                required
                checked=${v.consent === 'yes'}
              /> I have read this and agree to use electronic records and signatures.</label>
          </fieldset>`
          : null
      }
      <div class="field">
        <label for="signer-name">Your full legal name</label>
        <input id="signer-name" name="name" autocomplete="name" required maxlength="200" value=${v.name ?? p.name} />
      </div>
      ${
        p.requireSignature
          ? html`<fieldset class="signature-choice">
            <legend>Signature</legend>
            <div class="radio-row">
              <label>
                <input
                  type="radio"
                  name="method"
                  value="drawn"
                  checked=${v.method === 'drawn'}
                  data-method-draw
                /> Draw it</label>
              <label><input type="radio" name="method" value="typed" checked=${v.method !== 'drawn'} /> Type it</label>
            </div>
            <div class="signature-pad" data-signature-pad hidden>
              <canvas aria-label="Signature pad: draw your signature with a mouse, finger or pen" role="img"></canvas>
              <button type="button" class="btn small" data-signature-clear>Clear</button>
            </div>
            <input type="hidden" name="signature" value="" data-signature-data />
            <p class="typed-preview" data-typed-preview aria-hidden="true">${v.name ?? p.name}</p>
          </fieldset>`
          : html`<input type="hidden" name="method" value="typed" />`
      }
      <p class="small muted">By clicking “${button}” you ${agree} this document${andSign}, version shown above.</p>
      <div><button class="btn primary big" type="submit">${button}</button></div>
    </form>
    <details open=${!!p.declineError}>
      <summary>Decline instead</summary>
      ${p.declineError ? html`<p class="form-summary" role="alert">${p.declineError}</p>` : null}
      <form method="post" action=${p.declineAction} class="stack" novalidate>
        <input type="hidden" name="_csrf" value=${p.csrf} />
        <input type="hidden" name="versionHash" value=${p.versionHash} />
        <div class="field">
          <label for="decline-reason">Reason (optional, up to 1,000 characters)</label>
          <textarea id="decline-reason" name="reason" maxlength="1000" rows="3">${v.reason ?? ''}</textarea>
        </div>
        <div><button class="btn danger" type="submit">Decline</button></div>
      </form>
    </details>
  </section>`;
}

export interface OutcomeView {
  outcome: string;
  signerName: string;
  signedAt: number;
  reason: string | null;
  sealed: boolean;
  signedPdfHref: string | null;
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
          : html`<p class="muted">Finalizing the signed PDF… it will be ready in a moment.</p>`
        : null
    }
  </section>`;
}
