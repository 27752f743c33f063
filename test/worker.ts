// The tests' Worker (vitest.config.ts `main`): the page Worker, with the PDF Worker's entrypoint beside
// it. The PDF binding points at this Worker's own PdfService, so every test that renders or seals goes
// through RPC as production does (page Worker → env.PDF → PdfService), in one workerd.
export { default, DocumentRoom } from '../src/index';
export { PdfService } from '../src/pdf/worker';
