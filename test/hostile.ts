import { afterAll, describe, expect, it } from 'vitest';
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import worker from '../src/index';
import { BASE, Browser, location } from './helpers';

// The hostile-input sweep: a table of routes, the inputs an attacker or a broken client sends
// them, and the two rules every answer keeps — never a 5xx, and a refusal changes nothing.

/**
 * A Browser that calls the Worker's fetch directly and waits for its waitUntil work, so a
 * request's writes are all done when it returns. (Each call through `exports.default` gets
 * slower the more a file makes; direct calls keep a constant cost.)
 */
export class Visitor extends Browser {
  /** The bindings the Worker is called with: the test's, or a copy with some changed (ENVIRONMENT, a failing DB). */
  constructor(readonly bindings: Cloudflare.Env = env) {
    super();
  }

  override async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const res = await worker.fetch(this.request(path, init), this.bindings, ctx);
    await waitOnExecutionContext(ctx);
    this.keepCookies(res);
    return res;
  }

  /** The same signed-in session, driven directly. */
  static from(browser: Browser): Visitor {
    const v = new Visitor();
    v.cookies = new Map(browser.cookies);
    return v;
  }
}

/** Opens a portal link in a fresh Visitor; returns it signed in to the portal. */
export async function openPortal(link: string): Promise<Visitor> {
  const v = new Visitor();
  const open = await v.get(link);
  if (open.status !== 303) throw new Error(`open ${link}: ${open.status}`);
  await (await v.get(location(open))).text();
  return v;
}

// ---------------------------------------------------------------------------------------------
// What D1 and R2 hold, cheaply: each table's row count plus a counter every write bumps.

const SKIPPED = new Set(['d1_migrations', 'sweep_writes', 'sqlite_sequence', '_cf_KV', '_cf_METADATA']);
/** Counting a refused attempt is what a rate limit is for, so its table may change on a refusal. */
const CHANGES_ON_REFUSAL = new Set(['rate_limits']);

/** The tables watched, for one test file (each file starts from a fresh database: test/setup.ts). */
let watched: { file: string | undefined; names: string[] } | undefined;

/** Every application table (from sqlite_master, so a new table is never missed), with write triggers on each. */
export async function watchWrites(): Promise<string[]> {
  const file = expect.getState().testPath;
  if (watched && watched.file === file) return watched.names;
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{
    name: string;
  }>();
  const names = results
    .map((r) => r.name)
    .filter((n) => !SKIPPED.has(n) && !n.startsWith('sqlite_') && !n.startsWith('_cf_'));
  await env.DB.batch([
    env.DB.prepare('CREATE TABLE IF NOT EXISTS sweep_writes (n INTEGER NOT NULL)'),
    env.DB.prepare('INSERT INTO sweep_writes (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM sweep_writes)'),
    ...names
      .filter((n) => !CHANGES_ON_REFUSAL.has(n))
      .flatMap((n) =>
        ['INSERT', 'UPDATE', 'DELETE'].map((op) =>
          env.DB.prepare(
            `CREATE TRIGGER IF NOT EXISTS "sweep_${n}_${op.toLowerCase()}" AFTER ${op} ON "${n}" BEGIN UPDATE sweep_writes SET n = n + 1; END`,
          ),
        ),
      ),
  ]);
  watched = { file, names };
  return names;
}

export interface StoreState {
  rows: Record<string, number>;
  writes: number;
  objects: string[];
}

export async function storeState(): Promise<StoreState> {
  const names = (await watchWrites()).filter((n) => !CHANGES_ON_REFUSAL.has(n));
  const row = await env.DB.prepare(
    `SELECT (SELECT n FROM sweep_writes) AS "writes", ${names.map((n) => `(SELECT count(*) FROM "${n}") AS "${n}"`).join(', ')}`,
  ).first<Record<string, number>>();
  const { writes, ...rows } = row!;
  const objects: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ cursor, limit: 1000 });
    for (const o of page.objects) objects.push(`${o.key} ${o.etag}`);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return { rows, writes, objects: objects.sort() };
}

/** What differs between two states, in words; empty when nothing does. */
export function stateChanges(before: StoreState, after: StoreState): string[] {
  const out: string[] = [];
  for (const [t, n] of Object.entries(after.rows))
    if (before.rows[t] !== n) out.push(`${t}: ${before.rows[t]} → ${n} rows`);
  if (after.writes !== before.writes) out.push(`${after.writes - before.writes} row write(s)`);
  const had = new Set(before.objects);
  const has = new Set(after.objects);
  for (const o of after.objects) if (!had.has(o)) out.push(`R2 gained ${o}`);
  for (const o of before.objects) if (!has.has(o)) out.push(`R2 lost ${o}`);
  return out;
}

/** Lets a document's room finish what a success scheduled (a due notice alarm) before the next snapshot. */
export async function settleRoom(documentId: string) {
  const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));
  await runDurableObjectAlarm(stub);
  // Any write already running holds the room's queue; a read through the queue waits for it.
  await stub.removeFile({
    orgId: '',
    documentId,
    jobId: '',
    timeZone: 'UTC',
    origin: BASE,
    actor: { side: 'contractor', name: '' },
    fileId: 'none',
  });
}

// ---------------------------------------------------------------------------------------------
// The inputs.

export type FieldKind =
  | 'text'
  | 'number'
  | 'date'
  | 'id'
  | 'choice'
  | 'email'
  | 'flag'
  | 'password'
  | 'token'
  | 'signature'
  | 'file';

const MB_STRING = 'x'.repeat(1_000_000);
const CONTROL = 'nul\u0000byte \u0001\u0007\u001b[2J\u007f\u0085 controls\r\n\u2028\u2029\ufeff end';
const RTL_EMOJI = '\u202eevil.exe\u202c שלום مرحبا 👩‍👩‍👧‍👦 🏳️‍🌈 e\u0301 \u200b\u200d \ud83d';

const COMMON = ['', '   \t ', CONTROL, RTL_EMOJI, MB_STRING];

const NUMBERS = [
  '-0',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '-9007199254740993',
  '0x1F',
  '1_000',
  '١٢٣',
  '12,50',
  '1.2.3',
  '  7  ',
  '.',
  '-',
  '9'.repeat(400),
  '0.0000001',
];
const DATES = [
  '2026-02-30',
  '2026-13-01',
  '2025-02-29',
  '0000-00-00',
  '1899-12-31',
  '275760-09-14',
  '2026-1-1',
  '2026-02-28T25:00',
  '1e309',
  'NaN',
];

function badPng(): string {
  const bytes = Uint8Array.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 8, 6, 0, 0, 0,
  ]);
  return `data:image/png;base64,${btoa(String.fromCharCode(...bytes))}`;
}

const VALUES: Record<FieldKind, string[]> = {
  text: [...COMMON, '%00%ff%E0%A4%A', '<b>bold</b>'],
  number: ['', CONTROL, MB_STRING, ...NUMBERS],
  date: ['', CONTROL, MB_STRING, ...DATES],
  id: ['', CONTROL, MB_STRING, 'x', 'a'.repeat(41), "' OR 1=1 --", '../../etc/passwd', '__proto__'],
  choice: ['', CONTROL, MB_STRING, 'nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'CUSTOMER'],
  email: [
    ...COMMON,
    'a@b',
    'x@example.test\r\nBcc: evil@example.test',
    '"quoted name"@example.test',
    'üñí@exämple.test',
    `${'a'.repeat(300)}@example.test`,
    '<a@b.test>',
  ],
  flag: ['', CONTROL, MB_STRING, 'on', 'true', '1', 'off', '0', 'yes'],
  password: [...COMMON, 'short', 'x'.repeat(201), 'nul\u0000in password 1234'],
  token: [...COMMON, 'x', 'eyJhbGciOiJub25lIn0.e30.', 'a.b.c', 'x'.repeat(2001), '%00'],
  signature: [
    ...COMMON,
    'data:image/png;base64,',
    'data:image/png;base64,!!!!',
    'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
    badPng(),
    `data:image/png;base64,${'A'.repeat(800_000)}`,
  ],
  file: [],
};

/** Path segments that stand where an id should: unknown, malformed, encoded tricks. */
const HOSTILE_IDS = [
  'x',
  'a'.repeat(2000),
  '%00',
  '%E0%A4%A',
  '..%2F..%2Fsettings',
  '%F0%9F%92%A9',
  '-0',
  '1e309',
  'NaN',
  "'%20OR%201=1--",
  '__proto__',
];

/** The files a hostile uploader sends, by name and bytes. */
function hostileFiles(): [string, File][] {
  const pdf = new TextEncoder().encode('%PDF-1.4\n%sweep\n');
  return [
    ['empty file', new File([], 'empty.pdf', { type: 'application/pdf' })],
    ['no name', new File([pdf], '', { type: 'application/pdf' })],
    ['html posing as pdf', new File(['<script>alert(1)</script>'], 'invoice.pdf', { type: 'application/pdf' })],
    ['svg', new File(['<svg onload=alert(1)></svg>'], 'logo.svg', { type: 'image/svg+xml' })],
    [
      'executable',
      new File([Uint8Array.from([0x4d, 0x5a, 0x90, 0])], 'setup.exe', { type: 'application/octet-stream' }),
    ],
    ['binary posing as text', new File([Uint8Array.from([0x41, 0, 0x42])], 'notes.txt', { type: 'text/plain' })],
    ['path in the name', new File([pdf], '../../etc/passwd.pdf', { type: 'application/pdf' })],
    ['control and bidi name', new File([pdf], `a\u0000b\u202egnp.pdf`, { type: 'application/pdf' })],
    ['long name', new File([pdf], `${'n'.repeat(5000)}.pdf`, { type: 'application/pdf' })],
    ['dot name', new File([pdf], '.pdf', { type: 'application/pdf' })],
    ['emoji name', new File([pdf], '👩‍👩‍👧‍👦 plan.PDF', { type: 'application/pdf' })],
  ];
}

export type Form = Record<string, string | string[]>;

export interface Target {
  /** "POST /jobs/:id/items" */
  name: string;
  method: 'GET' | 'POST';
  path: () => string;
  /** The path with a hostile value where its id stands; omitted when the path has none. */
  pathWith?: (id: string) => string;
  as: () => Visitor;
  /** Form fields (POST) or query parameters (GET), by kind. */
  fields?: Record<string, FieldKind>;
  /** A form that would be accepted, so one hostile field at a time reaches past the others' checks. */
  valid?: () => Form;
  /** The document whose room a success may leave work in. */
  room?: () => string;
  /** Posted as multipart/form-data (uploads); file fields take files. */
  multipart?: boolean;
  /** A body this large is over this route's limit (forms: 1 MB); 0 to skip (uploads: 32 MB). */
  overLimit?: number;
  /** fast-check runs; 20 unless told. */
  runs?: number;
  /** The valid form works only once (a delete) or there is none (a WebSocket address): do not require it to be accepted after the sweep. */
  once?: boolean;
  /** The files a valid upload sends (a PDF unless told). */
  files?: () => Record<string, File>;
  /** Called after each accepted request: a route whose success uses its target up moves on to a fresh one. */
  afterSuccess?: () => void;
  /**
   * Where a refusal that redirects goes (a recipient's refused upload: back to the document's files,
   * its message in a flash): such a 303 is held to a refusal's rule, nothing changed.
   */
  refusedTo?: () => string;
}

/** Targets used up by a success (a draft once sent, an invite once accepted), handed out one after another. */
export function rotation<T>(items: T[]) {
  let i = 0;
  return { current: () => items[Math.min(i, items.length - 1)], next: () => void i++ };
}

interface Case {
  label: string;
  send: () => Promise<Response>;
  /** The status this case must get, when it is fixed (CSRF refusals, size limits); 'success' for 2xx/3xx. */
  expect?: number | 'success';
}

const ORIGIN = { Origin: BASE };

function urlencoded(form: Form): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return body;
}

/** An upload form's action: the CSRF token rides in its URL, since an upload's body is read only after the session. */
const withToken = (path: string, token: string) => `${path}${path.includes('?') ? '&' : '?'}_csrf=${token}`;

/** A multipart/form-data body written by hand: FormData refuses some names a hand-made request can still send (one ending in a backslash). */
async function multipart(form: Form, files: Record<string, File | File[]> = {}): Promise<RequestInit> {
  const boundary = `----sweep${crypto.randomUUID()}`;
  const quote = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const parts: (string | Uint8Array)[] = [];
  for (const [k, v] of Object.entries(form))
    for (const one of [v].flat())
      parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(k)}"\r\n\r\n${one}\r\n`);
  for (const [k, v] of Object.entries(files)) {
    for (const file of [v].flat()) {
      parts.push(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quote(k)}"; filename="${quote(file.name)}"\r\nContent-Type: ${file.type || 'application/octet-stream'}\r\n\r\n`,
        new Uint8Array(await file.arrayBuffer()),
        '\r\n',
      );
    }
  }
  parts.push(`--${boundary}--\r\n`);
  return {
    body: new Blob(parts as BlobPart[]),
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Every case of a route. Forms and paths are built when a case is sent, so a rotation moves them on. */
function casesOf(t: Target): Case[] {
  const v = t.as();
  const fields = t.fields ?? {};
  const names = Object.keys(fields);
  const textNames = names.filter((n) => fields[n] !== 'file');
  const fileNames = names.filter((n) => fields[n] === 'file');
  const valid = () => t.valid?.() ?? {};
  const cases: Case[] = [];
  type Lazy = () => Form;

  if (t.method === 'GET') {
    const get = (query: Lazy | string) => () =>
      v.fetch(`${t.path()}${typeof query === 'string' ? query : names.length ? `?${urlencoded(query())}` : ''}`);
    cases.push({ label: 'no parameters', send: get(() => ({})) });
    for (const name of names)
      for (const value of VALUES[fields[name]])
        cases.push({ label: `${name}=${shown(value)}`, send: get(() => ({ ...valid(), [name]: value })) });
    if (names.length) {
      cases.push({
        label: 'every parameter twice',
        send: get(() => Object.fromEntries(names.map((n) => [n, ['a', '']]))),
      });
      cases.push({
        label: 'malformed percent-encoding',
        send: get(`?${names.map((n) => `${n}=%E0%A4%A%`).join('&')}`),
      });
    }
    if (t.pathWith)
      for (const id of HOSTILE_IDS) cases.push({ label: `path id ${shown(id)}`, send: () => v.fetch(t.pathWith!(id)) });
    if (!t.once) cases.push({ label: 'the valid request', expect: 'success', send: get(valid) });
    return cases;
  }

  const formPost = (form: Form, headers: Record<string, string> = {}, path = t.path()) =>
    v.fetch(path, {
      method: 'POST',
      body: urlencoded(form),
      headers: { ...ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });
  const post =
    (form: Lazy, headers: Record<string, string> = {}) =>
    async () =>
      formPost({ _csrf: await v.csrf(), ...form() }, headers);
  const files = () => t.files?.() ?? validFiles(fileNames);
  const postMultipart =
    (form: Lazy, upload: () => Record<string, File | File[]> = () => ({})) =>
    async () => {
      const { body, headers } = await multipart(form(), upload());
      return v.fetch(withToken(t.path(), await v.csrf()), {
        method: 'POST',
        body,
        headers: { ...ORIGIN, ...(headers as Record<string, string>) },
      });
    };
  const send = (form: Lazy) => (t.multipart ? postMultipart(form, files) : post(form));
  const raw = (body: () => BodyInit, type: string) => async () =>
    v.fetch(t.path(), {
      method: 'POST',
      body: body(),
      headers: { ...ORIGIN, 'Content-Type': type, 'X-CSRF-Token': await v.csrf() },
    });
  const validOf = (n: string) => [valid()[n] ?? 'a'].flat();

  cases.push({ label: 'missing every field', send: t.multipart ? postMultipart(() => ({})) : post(() => ({})) });
  cases.push({ label: 'every field empty', send: send(() => Object.fromEntries(textNames.map((n) => [n, '']))) });
  for (const name of textNames)
    for (const value of VALUES[fields[name]])
      cases.push({ label: `${name}=${shown(value)}`, send: send(() => ({ ...valid(), [name]: value })) });
  for (const name of fileNames) {
    for (const [label, file] of hostileFiles())
      cases.push({ label: `${name}: ${label}`, send: postMultipart(valid, () => ({ ...files(), [name]: file })) });
    cases.push({
      label: `${name}: 21 files`,
      send: postMultipart(valid, () => ({
        [name]: Array.from({ length: 21 }, (_, i) => new File(['%PDF-1.4\n'], `f${i}.pdf`)),
      })),
    });
    cases.push({ label: `${name} as text`, send: postMultipart(() => ({ ...valid(), [name]: 'not a file' })) });
  }
  if (textNames.length) {
    cases.push({
      label: 'duplicated parameters, valid first',
      send: send(() => Object.fromEntries(textNames.map((n) => [n, [...validOf(n), CONTROL]]))),
    });
    cases.push({
      label: 'duplicated parameters, hostile first',
      send: send(() => Object.fromEntries(textNames.map((n) => [n, [RTL_EMOJI, ...validOf(n)]]))),
    });
    cases.push({
      label: 'text fields sent as files',
      send: postMultipart(
        () => ({}),
        () => Object.fromEntries(textNames.map((n) => [n, new File([String(validOf(n)[0])], 'field.txt')])),
      ),
    });
    cases.push({ label: 'JSON body', send: raw(() => JSON.stringify(valid()), 'application/json') });
    cases.push({
      label: 'JSON body, wrong types',
      send: raw(
        () =>
          JSON.stringify(
            Object.fromEntries(textNames.map((n, i) => [n, [1, ['a'], { a: 1 }, null, true, 1e308][i % 6]])),
          ),
        'application/json',
      ),
    });
  }
  cases.push({ label: 'JSON garbage', send: raw(() => '{"body": ', 'application/json') });
  cases.push({ label: 'text/plain body', send: raw(() => urlencoded(valid()).toString(), 'text/plain') });
  cases.push({
    label: 'malformed urlencoded',
    send: raw(() => 'a=%E0%A4%A&b=%&=&&c', 'application/x-www-form-urlencoded'),
  });
  cases.push({
    label: 'malformed multipart',
    send: raw(() => '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end', 'multipart/form-data; boundary=x'),
  });
  cases.push({ label: 'multipart without boundary', send: raw(() => 'abc', 'multipart/form-data') });
  const over = t.overLimit ?? 1024 * 1024 + 64 * 1024;
  if (over)
    cases.push({
      label: `body over the limit (${over} bytes)`,
      expect: 413,
      send: post(() => ({ pad: 'x'.repeat(over) })),
    });
  cases.push({ label: 'forged origin', expect: 403, send: post(valid, { Origin: 'https://evil.example' }) });
  cases.push({
    label: 'cross-site fetch metadata',
    expect: 403,
    send: post(valid, { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }),
  });
  cases.push({ label: 'Origin null, no fetch metadata', expect: 403, send: post(valid, { Origin: 'null' }) });
  cases.push({ label: 'no CSRF token', expect: 403, send: () => formPost(valid()) });
  cases.push({ label: 'wrong CSRF token', expect: 403, send: () => formPost({ ...valid(), _csrf: 'A'.repeat(32) }) });
  if (t.pathWith)
    for (const id of HOSTILE_IDS)
      cases.push({
        label: `path id ${shown(id)}`,
        send: async () => formPost({ _csrf: await v.csrf(), ...valid() }, {}, t.pathWith!(id)),
      });
  // Last, so the hostile cases ran against the same target: the sweep reached past validation.
  if (!t.once) cases.push({ label: 'the valid form', expect: 'success', send: send(valid) });
  return cases;
}

function validFiles(names: string[]): Record<string, File> {
  return Object.fromEntries(
    names.map((n) => [
      n,
      new File([new TextEncoder().encode('%PDF-1.4\n%valid\n')], 'valid.pdf', { type: 'application/pdf' }),
    ]),
  );
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 24)}…(${value.length} chars)` : value);
}

/** Random strings of every sort: any code point, numbers and dates printed oddly, the fixed values above. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc
    .date({ noInvalidDate: false })
    .map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString().slice(0, 10))),
  fc.constantFrom(
    ...Object.values(VALUES)
      .flat()
      .filter((s) => s.length < 1000),
  ),
);

interface Outcome {
  label: string;
  status: number;
  body: string;
  location?: string | null;
}

/**
 * Sends every case of a route and returns what broke a rule, in words: a 5xx, a refusal that
 * changed D1 or R2, or a fixed status (403, 413) not given.
 */
export async function sweep(
  t: Target,
  opts: { log?: boolean; seed?: number } = {},
): Promise<{ failures: string[]; sent: number; statuses: Record<number, number> }> {
  const failures: string[] = [];
  await env.DB.exec('DELETE FROM rate_limits');
  let state = await storeState();
  let sent = 0;
  const statuses: Record<number, number> = {};
  const check = async ({ label, status, body, location }: Outcome, expected?: number | 'success') => {
    const refused = status >= 400 || (!!t.refusedTo && location === t.refusedTo());
    sent++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    const after = await storeState();
    const text = body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 200);
    if (opts.log) console.info(`${t.name} ${label.slice(0, 120)} → ${status} ${text.slice(0, 120)}`);
    if (status >= 500) failures.push(`${label}: ${status} ${text}`);
    if (expected === 'success' ? refused : expected !== undefined && status !== expected)
      failures.push(`${label}: expected ${expected}, got ${status} ${location ?? ''} ${text}`);
    if (refused) {
      const changes = stateChanges(state, after);
      if (changes.length) failures.push(`${label}: refused with ${status} but changed ${changes.join('; ')}`);
      state = after;
    } else {
      if (t.room) await settleRoom(t.room());
      t.afterSuccess?.();
      state = await storeState();
    }
    // The limiters are security.test.ts's subject; here they would only stop the sweep early.
    await env.DB.exec('DELETE FROM rate_limits');
  };
  for (const c of casesOf(t)) {
    let res: Response;
    try {
      res = await c.send();
    } catch (err) {
      failures.push(`${c.label}: threw ${String(err)}`);
      continue;
    }
    const location = res.headers.get('Location');
    await check({ label: c.label, status: res.status, body: await res.text(), location }, c.expect);
  }
  const names = Object.keys(t.fields ?? {}).filter((n) => t.fields![n] !== 'file');
  const v = t.as();
  const runs = t.runs ?? 20;
  if (runs > 0) {
    // A failure names the seed: `fc.assert(..., { seed })` with it sends the same inputs again.
    const seed = opts.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
    const arbitrary = fc.record({
      fields: fc.record(Object.fromEntries(names.map((n) => [n, anyString]))),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), anyString, { maxKeys: 2 }),
      id: fc.oneof(fc.constant(null), fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ fields, extra, id }) => {
        const form: Form = { ...extra, ...(t.valid?.() ?? {}), ...fields };
        const path = id !== null && t.pathWith ? t.pathWith(encodeURIComponent(id)) : t.path();
        const label = `fast-check (seed ${seed}) ${JSON.stringify({ id, fields, extra }).slice(0, 300)}`;
        let res: Response;
        if (t.method === 'GET') res = await v.fetch(`${path}?${urlencoded(form)}`);
        else if (t.multipart) {
          const { body, headers } = await multipart(
            form,
            t.files?.() ?? validFiles(Object.keys(t.fields ?? {}).filter((n) => t.fields![n] === 'file')),
          );
          res = await v.fetch(withToken(path, await v.csrf()), {
            method: 'POST',
            body,
            headers: { ...ORIGIN, ...(headers as Record<string, string>) },
          });
        } else
          res = await v.fetch(path, {
            method: 'POST',
            body: urlencoded({ _csrf: await v.csrf(), ...form }),
            headers: { ...ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
          });
        await check({ label, status: res.status, body: await res.text(), location: res.headers.get('Location') });
      }),
      { numRuns: runs, seed },
    );
  }
  return { failures, sent, statuses };
}

/** One line for a file: routes, requests, and the statuses they got. */
export function summary(title: string, runs: { sent: number; statuses: Record<number, number> }[]): string {
  const statuses: Record<number, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.statuses)) statuses[+k] = (statuses[+k] ?? 0) + n;
  return `hostile-input sweep, ${title}: ${runs.length} routes, ${runs.reduce((n, r) => n + r.sent, 0)} requests, statuses ${JSON.stringify(statuses)}`;
}

/** A w×h RGBA PNG with one dark stroke: what the signature pad sends, as a data URL. */
export async function signatureDataUrl(w = 300, h = 100): Promise<string> {
  const raw = new Uint8Array(h * (1 + w * 4));
  for (let x = 2; x < w - 2; x++) raw.set([17, 24, 39, 255], Math.floor(h / 2) * (1 + w * 4) + 1 + x * 4);
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  return pngDataUrl(w, h, idat);
}

/** A PNG of the given size around an IDAT stream (colour type 6 = RGBA, 2 = RGB), as bytes. */
export function pngBytes(w: number, h: number, idat: Uint8Array, colorType = 6): Uint8Array<ArrayBuffer> {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array()),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

/** A signature-like drawing (one stroke across the middle) as PNG bytes: what a signature pad sends. */
export async function inkPng(w: number, h: number): Promise<Uint8Array> {
  const raw = new Uint8Array(h * (1 + w * 4));
  for (let x = 2; x < w - 2; x++) raw.set([17, 24, 39, 255], Math.floor(h / 2) * (1 + w * 4) + 1 + x * 4);
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  return Uint8Array.from(atob(pngDataUrl(w, h, idat).split(',')[1]), (ch) => ch.charCodeAt(0));
}

/** A PNG of the given size around an IDAT stream, as a data URL. */
export function pngDataUrl(w: number, h: number, idat: Uint8Array): string {
  const png = pngBytes(w, h, idat);
  let s = '';
  for (let i = 0; i < png.length; i += 0x8000) s += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(s)}`;
}

// ---------------------------------------------------------------------------------------------
// Documents in every state the sweeps need, made through the forms with a Visitor.

/** The versionHash a portal page's decision forms carry. */
export async function versionHashOf(recipient: Visitor, documentId: string): Promise<string> {
  const page = await (await recipient.get(`/portal/documents/${documentId}`)).text();
  const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1];
  if (!hash) throw new Error(`no versionHash on the portal page of ${documentId}`);
  return hash;
}

/** Uploads one file from a side's document page; returns its id. */
export async function uploadFile(visitor: Visitor, base: string, file: File): Promise<string> {
  const form = new FormData();
  form.append('files', file);
  const res = await visitor.postMultipart(`${base}/files`, form);
  if (res.status !== 303) throw new Error(`upload to ${base}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const { results } = await env.DB.prepare(
    'SELECT id FROM files WHERE document_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
  )
    .bind(base.split('/').pop())
    .all<{ id: string }>();
  return results[0].id;
}

export const pdfFile = (name = 'plan.pdf') =>
  new File([new TextEncoder().encode('%PDF-1.4\n%sweep\n')], name, { type: 'application/pdf' });
export const pngFile = (bytes: Uint8Array, name = 'photo.png') =>
  new File([bytes as Uint8Array<ArrayBuffer>], name, { type: 'image/png' });

/** One file's sweep: every target as a test (never a 5xx, a refusal changes nothing) and a summary after. */
export function sweepSuite(title: string, summaryTitle: string, targets: Target[], timeout: number) {
  const tally: Awaited<ReturnType<typeof sweep>>[] = [];
  afterAll(() => console.info(summary(summaryTitle, tally)));
  describe(`hostile input: ${title}`, () => {
    it.each(targets.map((t) => [t.name, t] as const))(
      '%s: never a 5xx, and a refusal changes nothing',
      async (_name, t) => {
        const result = await sweep(t);
        tally.push(result);
        expect(result.failures).toEqual([]);
      },
      timeout,
    );
  });
}
