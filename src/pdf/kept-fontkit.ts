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
        decodeGlyphsOnce(font);
        parsed.set(bytes, font);
      }
      return font;
    },
  };
}

type GlyphClass = { _decode(this: { _font: { _variationProcessor?: unknown } }): unknown };
const patchedGlyphs = new WeakSet<object>();

/**
 * A glyph's outline decoded once per kept font, not again by every subset that copies it: fontkit's TrueType
 * subset decodes each glyph it copies only to learn whether it is composite, and that was a fifth of a seal's
 * certificate (node --cpu-prof). fontkit keeps one glyph object per font and glyph id, and nothing reads the
 * decoded outline but to copy it, except a variable font's instance (it moves the points): that one is
 * decoded every time, as before. Patched once per glyph class, from the first kept font's.
 */
function decodeGlyphsOnce(font: Font) {
  const proto = Object.getPrototypeOf(font.getGlyph(0)) as GlyphClass;
  if (patchedGlyphs.has(proto)) return;
  patchedGlyphs.add(proto);
  const decode = proto._decode;
  const decoded = new WeakMap<object, unknown>();
  proto._decode = function (this: { _font: { _variationProcessor?: unknown } }) {
    if (this._font._variationProcessor) return decode.call(this);
    if (!decoded.has(this)) decoded.set(this, decode.call(this));
    return decoded.get(this);
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
