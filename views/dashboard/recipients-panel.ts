import { html } from '../html';
import { Csrf } from '../components/form';

// Issue 17, part B: who a sent document is sent to — each signer in order with where they stand
// (signed, waiting, their turn, declined), the copies, and "Remove" for one who has not signed
// (asks first: the route answers a confirmation page).

export interface RecipientRow {
  contactId: string;
  name: string;
  email: string;
  role: 'signer' | 'copy';
  /** The place in a set signing order; null in any order and for copies. */
  order: number | null;
  status: { text: string; tone: 'done' | 'waiting' | 'stop' | 'info' };
  removable: boolean;
}

export interface RecipientsPanelProps {
  documentId: string;
  csrf: string;
  ordered: boolean;
  rows: RecipientRow[];
}

/** The status's badge, in the colours the document statuses use. */
const BADGE = { done: 'approved', waiting: 'sent', stop: 'declined', info: '' } as const;

export function RecipientsPanel(p: RecipientsPanelProps) {
  return html`<section class="card stack recipients-panel" aria-labelledby="recipients-h" id="recipients">
    <h2 id="recipients-h">Recipients</h2>
    <p class="muted small">${p.ordered ? 'Signers sign in this order.' : 'Signers sign in any order.'}</p>
    <ul class="recipient-list">
      ${p.rows.map(
        (r) => html`<li class="recipient">
          <div class="recipient-who">
            <strong>${r.order ? `${r.order}. ` : ''}${r.name}</strong>
            <span class="muted small">${r.email}</span>
          </div>
          <span class="recipient-role">${r.role === 'signer' ? 'Signer' : 'Copy'}</span>
          <span class=${`badge ${BADGE[r.status.tone]}`}>${r.status.text}</span>
          ${
            r.removable
              ? html`<form
                  method="post"
                  action=${`/documents/${p.documentId}/recipients/${r.contactId}/remove`}
                  class="inline-form"
                >
                  <${Csrf} token=${p.csrf} />
                  <button class="btn small" type="submit" aria-label=${`Remove ${r.name}`}>Remove</button>
                </form>`
              : null
          }
        </li>`,
      )}
    </ul>
  </section>`;
}
