import type { Env } from '../env';
import { loadPdfLogo } from '../pdf/assets';
import type { RenderedPdf } from '../pdf/render';
import { recipientSnapshot, type ShownSnapshot } from './display';
import type { DocumentSnapshot } from './snapshot';

/**
 * Rendered by the PDF Worker (env.PDF), which holds the fonts: the snapshot and the logo travel in the call.
 * Every document PDF is a recipient's, so only the recipient's snapshot crosses (issue 20).
 */
export async function renderSnapshotPdf(env: Env, snapshot: ShownSnapshot): Promise<RenderedPdf> {
  const shown = recipientSnapshot(snapshot);
  return (await env.PDF.renderDocument(shown, await loadPdfLogo(env, shown.company))) as RenderedPdf;
}

export function pdfFileName(snapshot: Pick<DocumentSnapshot, 'number' | 'version'>): string {
  return `${snapshot.number}${snapshot.version > 1 ? `-rev${snapshot.version}` : ''}.pdf`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  );
}

export function pdfResponse(
  body: ReadableStream | Uint8Array | ArrayBuffer,
  fileName: string,
  disposition: 'inline' | 'attachment' = 'inline',
) {
  return new Response(body as BodyInit, {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `${disposition}; filename="${fileName}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
