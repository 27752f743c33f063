// Where a PDF's signature blocks are: plain data, stored per version (JSON) and read by both Workers.
// No pdf-lib here: the page Worker imports this module, and pdf-lib lives in the PDF Worker only.

/** A rectangle in PDF points, origin at the page's bottom-left corner; page is 0-based. */
export interface PdfBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a signature image goes (the box itself), with the spaces above the printed-name and date lines. */
export interface SignatureBox extends PdfBox {
  printedName: PdfBox;
  date: PdfBox;
  /** The contractor's "Countersigned by" block (issue 17); a signer's block otherwise. */
  countersign?: boolean;
}

/**
 * A version's stored `signature_box` JSON: an array of blocks, or (versions sent before issue 17) one
 * block as an object.
 */
export function parseSignatureBoxes(json: string | null): SignatureBox[] {
  if (!json) return [];
  const parsed = JSON.parse(json) as SignatureBox | SignatureBox[] | null;
  return Array.isArray(parsed) ? parsed : parsed ? [parsed] : [];
}
