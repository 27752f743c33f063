import { correction, generate } from 'lean-qr/nano';
import { fill, popGraphicsState, pushGraphicsState, rectangle, setFillingRgbColor, type PDFPage } from 'pdf-lib';

// A QR code drawn as vector squares (issue 18: the signature certificate's link to /verify/<record id>).
// lean-qr's "nano" build encodes it (about 2 KiB gzip in the Worker); pdf-lib draws it, one rectangle
// per run of dark modules in a row, so it stays sharp at any zoom and in print.

/** The code's modules: `rows[y][x]` is true for a dark module (no quiet zone). Error correction M. */
export function qrModules(text: string): boolean[][] {
  const code = generate(text, { minCorrectionLevel: correction.M });
  return Array.from({ length: code.size }, (_, y) => Array.from({ length: code.size }, (_, x) => code.get(x, y)));
}

/**
 * Draws the code of `text` as a `size`-point square whose top left corner is (x, top). Leave 4
 * modules of white around it (the quiet zone readers need): the caller's margins. Each row's runs of
 * dark modules are rectangles of one path, filled once: pdf-lib's drawRectangle writes a graphics
 * state, a colour and a fill for each, which made the code a fifth of a signed PDF's work (issue 19).
 */
export function drawQr(page: PDFPage, text: string, at: { x: number; top: number; size: number }) {
  const rows = qrModules(text);
  const unit = at.size / rows.length;
  const runs = rows.flatMap((row, y) => {
    const found = [];
    let start = -1;
    for (let x = 0; x <= row.length; x++) {
      const dark = x < row.length && row[x];
      if (dark && start < 0) start = x;
      if (!dark && start >= 0) {
        found.push(rectangle(at.x + start * unit, at.top - (y + 1) * unit, (x - start) * unit, unit));
        start = -1;
      }
    }
    return found;
  });
  page.pushOperators(pushGraphicsState(), setFillingRgbColor(0, 0, 0), ...runs, fill(), popGraphicsState());
  return { modules: rows.length };
}
