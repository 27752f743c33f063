import bold from './fonts/NotoSans-Bold.ttf';
import regular from './fonts/NotoSans-Regular.ttf';
import script from '../../public/fonts/DancingScript-Regular.woff';
import type { PdfAssets } from './render';
import { sfntFromWoff } from './woff';

// The PDF Worker's own fonts, bundled as Data modules (src/pdf/wrangler.toml `rules`, vitest's
// `modulesRules`): a render call carries only its snapshot and logo, not a megabyte of fonts.
// The script face is the browser's copy (public/fonts), so the typed signature looks the same in both,
// unpacked once from its WOFF (./woff).

export const FONTS = {
  regular: new Uint8Array(regular),
  bold: new Uint8Array(bold),
  script: sfntFromWoff(new Uint8Array(script)),
};

/** A render's assets: the bundled fonts and the org's logo (read from R2 by the page Worker). */
export function withFonts(logo: PdfAssets['logo']): PdfAssets {
  return { font: FONTS.regular, boldFont: FONTS.bold, logo };
}
