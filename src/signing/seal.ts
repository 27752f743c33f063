import { PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { LOAD_OPTIONS, SAVE_OPTIONS } from '../pdf/render';
import type { Bytes } from './der';
import {
  BYTE_RANGE_SLOT,
  type PlaceholderFields,
  type PlaceholderRequest,
  type SealOptions,
  sealWith,
} from './seal-cms';

// The seal's PDF side: the signature dictionary and field pdf-lib writes into the file before it is
// signed. Everything else of the seal (the CMS, the signer, the timestamp, reading a seal) is
// seal-cms.ts's, which the page Worker imports without pdf-lib; this module runs in the PDF Worker
// (src/pdf/worker.ts) and in tests.

export * from './seal-cms';

/** Signs the whole file with pdf-lib in this Worker: sealWith and this module's placeholder. */
export function sealPdf(pdf: Uint8Array, opts: SealOptions): Promise<Bytes> {
  return sealWith(opts, (fields, length, digest) => withPlaceholder(pdf, fields, length, digest));
}

/** The PDF saved again with the seal's empty signature dictionary and field (see seal-cms.ts `Placeholder`). */
export async function withPlaceholder(
  pdf: Uint8Array,
  fields: PlaceholderFields,
  contentsLength: number,
  digestMethod: PlaceholderRequest['digestMethod'],
): Promise<Bytes> {
  const doc = await PDFDocument.load(pdf, LOAD_OPTIONS);
  return savedWithPlaceholder(doc, { fields, contentsLength, digestMethod });
}

/**
 * `doc` saved with the seal's empty signature dictionary and field on its first page. Its fonts and images
 * are written first (`flush`: pdf-lib writes them at save), so the seal's objects are the file's last, as
 * they were when the signed PDF was saved before its placeholder was added: nothing after the dictionary
 * can hold another /ByteRange or a run of zeros that sealWith and readSeal would find instead.
 */
export async function savedWithPlaceholder(doc: PDFDocument, request: PlaceholderRequest): Promise<Bytes> {
  const { fields: opts, contentsLength, digestMethod } = request;
  await doc.flush();
  const context = doc.context;
  const slot = PDFName.of(BYTE_RANGE_SLOT);
  const signature = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, slot, slot, slot],
    Contents: PDFHexString.of('0'.repeat(contentsLength * 2)),
    M: PDFString.fromDate(opts.signingTime ?? new Date()), // PAdES puts the claimed time here, not in the CMS
  });
  if (opts.name) signature.set(PDFName.of('Name'), PDFHexString.fromText(opts.name));
  if (opts.reason) signature.set(PDFName.of('Reason'), PDFHexString.fromText(opts.reason));
  if (opts.location) signature.set(PDFName.of('Location'), PDFHexString.fromText(opts.location));
  if (opts.certify)
    signature.set(
      PDFName.of('Reference'),
      context.obj([
        {
          Type: 'SigRef',
          TransformMethod: 'DocMDP',
          TransformParams: { Type: 'TransformParams', P: 2, V: '1.2' },
          DigestMethod: digestMethod, // ISO 32000-2 Table 256: the hash of the seal
        },
      ]),
    );
  const signatureRef = context.register(signature);

  const page = doc.getPage(0);
  const field = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFString.of('Seal'),
      V: signatureRef,
      Rect: [0, 0, 0, 0],
      F: 132,
      P: page.ref,
    }),
  );
  page.node.addAnnot(field);
  const form = doc.catalog.getOrCreateAcroForm();
  form.addField(field);
  form.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3)); // signatures exist; append only
  if (opts.certify) doc.catalog.set(PDFName.of('Perms'), context.obj({ DocMDP: signatureRef }));
  // Without object streams the placeholders stay plain text in the file, where they can be filled in.
  return (await doc.save({ ...SAVE_OPTIONS, useObjectStreams: false, updateFieldAppearances: false })) as Bytes;
}
