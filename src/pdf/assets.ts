import type { DocumentSnapshot } from '../documents/snapshot';
import type { Env } from '../env';
import type { PdfAssets } from './render';

// What a render needs from the page Worker: the org's logo, its upload in R2. The fonts are the PDF
// Worker's own (pdf/fonts.ts), so they never cross the binding.

export async function loadPdfLogo(
  env: Pick<Env, 'FILES'>,
  company: DocumentSnapshot['company'],
): Promise<PdfAssets['logo']> {
  if (!company.logoKey) return null;
  const object = await env.FILES.get(company.logoKey);
  if (!object) return null;
  const contentType = company.logoContentType ?? object.httpMetadata?.contentType;
  if (contentType !== 'image/png' && contentType !== 'image/jpeg') return null;
  return { bytes: new Uint8Array(await object.arrayBuffer()), contentType };
}
