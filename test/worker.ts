import app from '../src/index';
import { Turns } from '../src/turns';

// The tests' Worker (vitest.config.ts `main`): the page Worker, with the PDF Worker's entrypoint beside
// it. The PDF binding points at this Worker's own PdfService, so every test that renders or seals goes
// through RPC as production does (page Worker → env.PDF → PdfService), in one workerd.
export { DocumentRoom } from '../src/index';
export { PdfService } from '../src/pdf/worker';

// One line of turns (src/turns.ts) that test/turns.test.ts takes from separate requests: each call to
// `/__test/turns?ms=N` is its own request, as a seal's waitUntil or a PDF download is in production.
const line = new Turns({ maxWaitMs: 300, heldAtMostMs: 100_000 });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export default {
  ...app,
  async fetch(request: Request, env: never, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname !== '/__test/turns') return app.fetch(request, env, ctx);
    const started = Date.now();
    const answer = await line.run(
      async () => {
        await sleep(Number(url.searchParams.get('ms')));
        return 'ran';
      },
      () => 'late',
    );
    return new Response(`${answer} after ${Date.now() - started} ms`);
  },
} satisfies ExportedHandler<never>;
