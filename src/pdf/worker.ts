import { WorkerEntrypoint } from 'cloudflare:workers';
import type { RecipientSnapshot } from '../documents/display';
import { buildSignedPdf, type CertificateInput } from '../signing/certificate';
import type { PlaceholderRequest } from '../signing/seal';
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

  /**
   * The signed PDF, ready to be sealed: every signature in its block, the certificate pages and the
   * seal's empty signature dictionary, in one save (signing/finalize.ts, seal-cms.ts `sealWith`).
   */
  signedPdf(input: Omit<CertificateInput, 'fonts'>, seal: PlaceholderRequest): Promise<Uint8Array> {
    return buildSignedPdf({ ...input, fonts: FONTS }, seal);
  }
}

/** Nothing is served over HTTP: the page Worker calls the methods above through its PDF binding. */
export default {
  fetch: () => new Response('Not found', { status: 404 }),
} satisfies ExportedHandler;
