import { html } from '../html';

// Issue 17, part B: who a sent document is sent to — each signer in order with where they stand
// (signed, waiting, their turn, declined), the copies, and "Remove" for one who has not signed.

export interface RecipientsPanelProps {
  documentId: string;
  csrf: string;
}

export function RecipientsPanel(_props: RecipientsPanelProps) {
  return html``;
}
