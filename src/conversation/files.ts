// What may be shared on a document, checked by content where the format has a signature.

type Check = (b: Uint8Array) => boolean;

const starts =
  (sig: number[], at = 0): Check =>
  (b) =>
    sig.every((x, i) => b[at + i] === x);
const ascii = (s: string, at = 0): Check =>
  starts(
    [...s].map((ch) => ch.charCodeAt(0)),
    at,
  );
const any =
  (...checks: Check[]): Check =>
  (b) =>
    checks.some((c) => c(b));
const zip = any(starts([0x50, 0x4b, 0x03, 0x04]), starts([0x50, 0x4b, 0x05, 0x06]));
const ole = starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Text formats have no signature: refuse binary content (NUL bytes) posing as text. */
const text: Check = (b) => !b.subarray(0, 8192).includes(0);

const TYPES: Record<string, { type: string; check: Check }> = {
  pdf: { type: 'application/pdf', check: ascii('%PDF-') },
  png: { type: 'image/png', check: starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  jpg: { type: 'image/jpeg', check: starts([0xff, 0xd8, 0xff]) },
  jpeg: { type: 'image/jpeg', check: starts([0xff, 0xd8, 0xff]) },
  gif: { type: 'image/gif', check: ascii('GIF8') },
  webp: { type: 'image/webp', check: (b) => ascii('RIFF')(b) && ascii('WEBP', 8)(b) },
  heic: { type: 'image/heic', check: ascii('ftyp', 4) },
  tif: { type: 'image/tiff', check: any(starts([0x49, 0x49, 0x2a, 0x00]), starts([0x4d, 0x4d, 0x00, 0x2a])) },
  tiff: { type: 'image/tiff', check: any(starts([0x49, 0x49, 0x2a, 0x00]), starts([0x4d, 0x4d, 0x00, 0x2a])) },
  doc: { type: 'application/msword', check: ole },
  xls: { type: 'application/vnd.ms-excel', check: ole },
  ppt: { type: 'application/vnd.ms-powerpoint', check: ole },
  docx: { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', check: zip },
  xlsx: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', check: zip },
  pptx: { type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', check: zip },
  odt: { type: 'application/vnd.oasis.opendocument.text', check: zip },
  ods: { type: 'application/vnd.oasis.opendocument.spreadsheet', check: zip },
  rtf: { type: 'application/rtf', check: ascii('{\\rtf') },
  csv: { type: 'text/csv', check: text },
  txt: { type: 'text/plain', check: text },
  dwg: { type: 'image/vnd.dwg', check: ascii('AC10') },
  dxf: { type: 'image/vnd.dxf', check: text },
  dwf: { type: 'model/vnd.dwf', check: any(ascii('(DWF'), zip) },
  rvt: { type: 'application/octet-stream', check: ole },
  skp: { type: 'application/vnd.sketchup.skp', check: starts([0xff, 0xfe, 0xff]) },
  ifc: { type: 'application/x-step', check: ascii('ISO-10303-21') },
  zip: { type: 'application/zip', check: zip },
};

/** A file name safe to show and to put in a Content-Disposition header; never used as a storage key. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"<>:|?*\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/^[.\s]+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.length <= 150) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 150 - ext.length) + ext;
}

export type UploadCheck = { ok: true; name: string; contentType: string } | { ok: false; error: string };

export function checkUpload(name: string, bytes: Uint8Array, maxBytes: number): UploadCheck {
  const clean = cleanFileName(name);
  const label = clean || 'The file';
  if (!clean) return { ok: false, error: 'A file needs a name.' };
  if (bytes.byteLength === 0) return { ok: false, error: `${label} is empty.` };
  if (bytes.byteLength > maxBytes)
    return {
      ok: false,
      error: `${label} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB, the most we accept per file.`,
    };
  const ext = clean.includes('.') ? clean.split('.').pop()!.toLowerCase() : '';
  const kind = TYPES[ext];
  if (!kind)
    return {
      ok: false,
      error:
        `${label}: this type of file cannot be shared. ` +
        'Use PDF, images, Office documents, plans/CAD (DWG, DXF, IFC…) or zip.',
    };
  if (!kind.check(bytes))
    return { ok: false, error: `${label} does not look like a real .${ext} file, so it was not accepted.` };
  return { ok: true, name: clean, contentType: kind.type };
}

/** Content-Disposition with a plain ASCII fallback and the exact UTF-8 name. */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Who may remove a shared file: anyone on the contractor's side, or the recipient contact who shared it. */
export function mayRemoveFile(
  who: { side: string; contactId?: string | null },
  file: { side: string; contactId: string | null },
) {
  return (
    who.side === 'contractor' || (file.side === 'recipient' && !!who.contactId && file.contactId === who.contactId)
  );
}
