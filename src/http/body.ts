import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppContext, AppEnv } from './context';

// Every request body has a cap, chosen per route before anything reads it. A declared
// Content-Length past the cap is refused at once; otherwise the body is counted while it is read
// and the read fails the moment it passes the cap, so a chunked body is never held past the cap
// either. Nothing here reads the body: who sent it is checked first (CSRF, session), and only the
// handler reads it.

export interface BodyCap {
  max: number;
  /** The 413's message: what the limit is and what to do. */
  message: string;
}

/** Requests whose body went past their cap while being read, with the 413's message. */
const overCap = new WeakMap<Request, string>();

const tooLarge = (message: string) => new HTTPException(413, { message });

/** Caps every request body at `capOf(c)`; a body read past it answers 413, whatever the handler made of it. */
export function capBody(capOf: (c: AppContext) => BodyCap): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const source = c.req.raw.body;
    if (!source) return next();
    const { max, message } = capOf(c);
    const declared = c.req.header('Content-Length');
    if (declared !== undefined && !(Number(declared) <= max)) throw tooLarge(message);
    const reader = source.getReader();
    let seen = 0;
    let finished = false;
    // The original body is handed back unlocked and spent, so nothing after us (wrangler dev drains
    // unread bodies) finds it held by this reader.
    const release = async (cancel: boolean) => {
      if (finished) return;
      finished = true;
      if (cancel) await reader.cancel().catch(() => {});
      try {
        reader.releaseLock();
      } catch {}
    };
    const counted = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            await release(false);
            return controller.close();
          }
          seen += value.byteLength;
          if (seen > max) {
            overCap.set(request, message);
            controller.error(tooLarge(message));
            await release(true);
            return;
          }
          controller.enqueue(value);
        },
        cancel: (reason) => (finished ? undefined : reader.cancel(reason)),
      },
      { highWaterMark: 0 },
    );
    const request = new Request(c.req.raw, { body: counted });
    c.req.raw = request;
    try {
      await next();
    } finally {
      await release(true);
    }
    // A reader that swallowed the failed read (and saw an empty form) still answers 413.
    if (overCap.has(request)) throw tooLarge(message);
  };
}

/** Throws the 413 if this request's body went past its cap while it was read. */
export function refuseIfOverCap(c: AppContext) {
  const message = overCap.get(c.req.raw);
  if (message !== undefined) throw tooLarge(message);
}

/** The request's form (multipart or urlencoded), read under its cap: past it, 413; malformed, empty. */
export async function readCappedBody(c: AppContext, options: { all?: boolean } = {}): Promise<Record<string, unknown>> {
  const body = await c.req.parseBody(options).catch(() => ({}) as Record<string, unknown>);
  refuseIfOverCap(c);
  return body;
}
