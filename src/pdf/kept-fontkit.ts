import fontkit from '@pdf-lib/fontkit';
import { deflateNatively } from './native-deflate';
import { serializeSubsetsInTurn } from './subset-bytes';

type Font = ReturnType<typeof fontkit.create>;

/**
 * fontkit for pdf-lib's `registerFontkit`, parsing each font's bytes once per isolate: the PDF Worker's
 * fonts are the same bytes for every render (./fonts), and a fresh parse decoded the character map,
 * metrics and glyph index again for each PDF. Every fontkit call pdf-lib makes (parsing glyphs, the
 * layout, encoding the subset: ./subset-bytes) is synchronous and seeks before it reads, so two renders
 * interleaved at their awaits never share a read position. `prepare` adapts a font once, when first parsed.
 * Making one also sets pdf-lib up as every PDF of the Worker needs it: font subsets encoded in the render's
 * own turn (./subset-bytes), streams deflated by the runtime's zlib (./native-deflate).
 */
export function keptFontkit(prepare: (font: Font) => Font = (font) => font): typeof fontkit {
  serializeSubsetsInTurn();
  deflateNatively();
  const parsed = new WeakMap<Uint8Array, Font>();
  return {
    create(bytes: Uint8Array, postscriptName?: string) {
      if (postscriptName) return prepare(fontkit.create(bytes, postscriptName));
      let font = parsed.get(bytes);
      if (!font) {
        font = prepare(fontkit.create(bytes));
        parsed.set(bytes, font);
      }
      return font;
    },
  };
}

/**
 * pdf-lib keeps only the glyphs of a layout, never its positions (a width is the sum of advances), so
 * fontkit's full OpenType shaping was most of a render's time for nothing: glyphs straight from the
 * font's character map instead, one per character. For text faces; a script face keeps its shaping.
 */
export function cmapLayout(font: Font): Font {
  font.layout = (text: string) => {
    const glyphs = font.glyphsForString(text);
    return {
      glyphs,
      positions: glyphs.map((g) => ({ xAdvance: g.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 })),
    } as unknown as ReturnType<typeof font.layout>;
  };
  return font;
}
