import { WorkerEntrypoint } from 'cloudflare:workers';
import type { RecipientSnapshot } from '../documents/display';
import { buildSignedPdf, type CertificateInput } from '../signing/certificate';
import type { PlaceholderFields } from '../signing/seal-cms';
import { withPlaceholder } from '../signing/seal';
import { FONTS, withFonts } from './fonts';
import { type PdfAssets, type RenderedPdf, renderDocumentPdf } from './render';

// The PDF Worker (issue 19): everything that needs pdf-lib and fontkit, behind a service binding, so
// the Worker that serves pages stays small and starts fast. It has no binding and no secret: plain
// data in (a snapshot, the images), bytes out; the fonts are its own (./fonts). The page Worker reads
// R2 and keeps the sealing key, the remote signer and the timestamp authority: a seal's signature is
// made there (signing/seal-cms.ts); only the placeholder it signs is written here.

export class PdfService extends WorkerEntrypoint {
  /** A document version as a PDF, with its signature blocks (documents/pdf.ts `renderSnapshotPdf`). */
  renderDocument(snapshot: RecipientSnapshot, logo: PdfAssets['logo']): Promise<RenderedPdf> {
    return renderDocumentPdf(snapshot, withFonts(logo));
  }

  /** The signed PDF: every signature in its block and the certificate pages (signing/finalize.ts). */
  signedPdf(input: Omit<CertificateInput, 'fonts'>): Promise<Uint8Array> {
    return buildSignedPdf({ ...input, fonts: FONTS });
  }

  /** The PDF with the seal's empty signature dictionary, ready to be signed (seal-cms.ts `sealWith`). */
  sealPlaceholder(
    pdf: Uint8Array,
    fields: PlaceholderFields,
    contentsLength: number,
    digestMethod: 'SHA256' | 'SHA384',
  ): Promise<Uint8Array> {
    return withPlaceholder(pdf, fields, contentsLength, digestMethod);
  }
}

/** Nothing is served over HTTP: the page Worker calls the methods above through its PDF binding. */
export default {
  fetch: () => new Response('Not found', { status: 404 }),
} satisfies ExportedHandler;
