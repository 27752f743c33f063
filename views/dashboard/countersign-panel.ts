import { html } from '../html';
import type { FormState } from '../components/form';

// Issue 17, part C: the contractor's countersignature on the document page, once every signer signed.

export interface CountersignPanelProps {
  documentId: string;
  csrf: string;
  form?: FormState;
}

export function CountersignPanel(_props: CountersignPanelProps) {
  return html``;
}
