import { sha256Hex } from '../http/crypto';

// The consent to do business electronically (E-SIGN Act disclosures), shown before the first signature.

/**
 * The disclosure's version: bump it whenever consentText's wording changes. A contact's consent records
 * the version and the SHA-256 of the text they were shown (issue 18); a consent to an older version is
 * asked for again before their next signature.
 */
export const CONSENT_VERSION = '2026-11-30';

/** The SHA-256 of the disclosure exactly as shown to this company's recipients (paragraphs joined by blank lines). */
export const consentSha256 = (company: string, companyEmail: string) =>
  sha256Hex(new TextEncoder().encode(consentText(company, companyEmail).join('\n\n')));

export function consentText(company: string, companyEmail: string): string[] {
  const contact = companyEmail ? `by email to ${companyEmail}` : `by contacting ${company}`;
  return [
    `You agree that ${company} may give you documents, notices and disclosures electronically, ` +
      'and that your electronic signature on them is as binding as a signature on paper.',
    `You may ask for a paper copy of any document at no charge ${contact}.`,
    `You may withdraw this consent at any time ${contact}; withdrawing does not affect documents you already signed. ` +
      'To update the email address we use for you, write to us the same way.',
    'To sign you need a current web browser (Chrome, Edge, Firefox or Safari) with JavaScript for drawing a ' +
      'signature, the ability to open PDF files, and access to the email address on file.',
  ];
}
