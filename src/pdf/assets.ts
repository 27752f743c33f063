import type { DocumentSnapshot } from '../documents/snapshot';
import type { Env } from '../env';
import type { PdfAssets } from './render';

// The fonts ship in public/fonts/ and are read through the ASSETS binding, which keeps their
// megabyte out of the Worker bundle; the logo is the org's upload in R2.

const FONT_URLS = {
  font: 'https://assets.local/fonts/NotoSans-Regular.ttf',
  boldFont: 'https://assets.local/fonts/NotoSans-Bold.ttf',
};

let fonts: { font: Uint8Array; boldFont: Uint8Array } | null = null; // immutable, so kept for the isolate's life

async function asset(env: Pick<Env, 'ASSETS'>, url: string): Promise<Uint8Array> {
  const res = await env.ASSETS.fetch(new Request(url));
  if (!res.ok) throw new Error(`PDF font ${url} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadFonts(env: Pick<Env, 'ASSETS'>) {
  if (!fonts) {
    const [font, boldFont] = await Promise.all([asset(env, FONT_URLS.font), asset(env, FONT_URLS.boldFont)]);
    fonts = { font, boldFont };
  }
  return fonts;
}

async function loadLogo(env: Pick<Env, 'FILES'>, company: DocumentSnapshot['company']): Promise<PdfAssets['logo']> {
  if (!company.logoKey) return null;
  const object = await env.FILES.get(company.logoKey);
  if (!object) return null;
  const contentType = company.logoContentType ?? object.httpMetadata?.contentType;
  if (contentType !== 'image/png' && contentType !== 'image/jpeg') return null;
  return { bytes: new Uint8Array(await object.arrayBuffer()), contentType };
}

export async function loadPdfAssets(
  env: Pick<Env, 'ASSETS' | 'FILES'>,
  snapshot: Pick<DocumentSnapshot, 'company'>,
): Promise<PdfAssets> {
  const [{ font, boldFont }, logo] = await Promise.all([loadFonts(env), loadLogo(env, snapshot.company)]);
  return { font, boldFont, logo };
}

let script: Uint8Array | null = null;

/** The script face for typed signatures (Dancing Script, OFL), read once from the static assets. */
export async function loadScriptFont(env: Pick<Env, 'ASSETS'>): Promise<Uint8Array> {
  script ??= await asset(env, 'https://assets.local/fonts/DancingScript-Regular.woff');
  return script;
}
