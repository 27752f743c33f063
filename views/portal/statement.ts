// The sentence a recipient agrees to under the Approve & sign button (issue 18): the portal prints it
// above the button and the signature certificate quotes it word for word, so both come from here.

export interface StatementInput {
  /** 'Approve' (customer orders) or 'Accept' (vendor orders, invoices, bills). */
  verb: 'Approve' | 'Accept';
  requireSignature: boolean;
  /** "Estimate EST-0004" */
  docLabel: string;
  version: number;
}

/** The button's label: "Approve & sign", "Accept". */
export const signButtonLabel = (s: Pick<StatementInput, 'verb' | 'requireSignature'>) =>
  s.requireSignature ? `${s.verb} & sign` : s.verb;

/**
 * "By clicking “Approve & sign” you approve this version of Estimate EST-0004 (rev 2), shown above, and
 * sign it electronically."
 */
export function signingStatement(s: StatementInput): string {
  const agree = s.verb === 'Approve' ? 'approve' : 'accept';
  const andSign = s.requireSignature ? ', and sign it electronically' : '';
  const what = `this version of ${s.docLabel} (rev ${s.version}), shown above${andSign}`;
  return `By clicking “${signButtonLabel(s)}” you ${agree} ${what}.`;
}

/** The sentence the contractor's countersigner agrees to (the countersign panel), quoted by the certificate. */
export const COUNTERSIGN_STATEMENT = 'I agree that my electronic signature is binding, as a handwritten one would be.';
