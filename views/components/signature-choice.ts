import { html, type Children } from '../html';

// The "Draw it / Type it" choice with its pad, the drawn image's hidden field and the typed preview: one
// markup for every signature public/sign.js drives (the recipient's sign form, the contractor's countersignature).

export function SignatureChoice({
  method,
  drawn,
  name,
  previewClass = 'typed-preview',
  after,
}: {
  method: string | undefined;
  /** A drawn signature kept from a refused post (only one we would accept), else ''. */
  drawn: string;
  /** The typed preview's text: the name as typed. */
  name: string;
  previewClass?: string;
  /** After the preview: the field's error, where the form shows one. */
  after?: Children;
}) {
  return html`<fieldset class="signature-choice">
    <legend>Signature</legend>
    <div class="radio-row">
      <label>
        <input
          type="radio"
          name="method"
          value="drawn"
          checked=${method === 'drawn'}
          data-method-draw
        /> Draw it</label>
      <label><input type="radio" name="method" value="typed" checked=${method !== 'drawn'} /> Type it</label>
    </div>
    <div class="signature-pad" data-signature-pad hidden>
      <canvas
        tabindex="-1"
        aria-label="Signature pad: draw your signature with a mouse, finger or pen"
        role="img"
      ></canvas>
      <button type="button" class="btn small" data-signature-clear>Clear</button>
    </div>
    <input type="hidden" name="signature" value=${drawn} data-signature-data />
    <p class=${previewClass} data-typed-preview aria-hidden="true">${name}</p>
    ${after}
  </fieldset>`;
}
