import type { Env } from '../env';
import { loadPdfAssets } from '../pdf/assets';
import { renderDocumentPdf, type RenderedPdf } from '../pdf/render';
import type { DocumentSnapshot } from './snapshot';

export async function renderSnapshotPdf(env: Env, snapshot: DocumentSnapshot): Promise<RenderedPdf> {
  return renderDocumentPdf(snapshot, await loadPdfAssets(env, snapshot));
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
