import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPortalToken } from '../src/portal/links';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createAccount, db, location, signUp } from './helpers';
import {
  editDraft,
  jobWithItem,
  normalized,
  openLink,
  PNG,
  SECRET,
  sha256,
  tokenOf,
  tokenPayload,
  unsignedToken,
  uploadLogo,
  withBadSignature,
  withPayload,
} from './portal-fixtures';

// The access rules of issue 4 as one table: every portal route against every way in that must fail.
// A refusal looks exactly like asking for something that never existed.

interface Target {
  id: string;
  jobId: string;
  number: string;
  title: string;
}

const FAKE_ID = 'zzzzzzzzzzzzzzzzzzzzzzzz';
const DAY = 86_400_000;

let world: Awaited<ReturnType<typeof buildWorld>>;

async function target(browser: Browser, id: string, jobId: string): Promise<Target> {
  const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, id) });
  const version = await db().query.documentVersions.findFirst({
    where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, 1)),
  });
  return { id, jobId, number: doc!.number, title: version!.title };
}

async function contactOf(accountId: string) {
  return (await db().query.contacts.findFirst({ where: (c, { eq }) => eq(c.accountId, accountId) }))!;
}

async function buildWorld() {
  const a = await companyWithBudget();
  await uploadLogo(a.browser);
  const reyes = a.customerContact;

  // The document every stranger tries to reach, and the recipient's own session.
  const t = await createDocument(a.browser, a.jobId, 'estimate', { group: a.groups.demolition });
  const sentT = await sendDocument(a.browser, t);
  const reyesSession = await openLink(sentT.link);

  // An invoice the recipient can open, voided later.
  const invJob = await jobWithItem(a.browser, 'Deck Invoice Job', a.customerId, { name: 'Deck boards' });
  const inv = await createDocument(a.browser, invJob.jobId, 'customer_invoice', { group: invJob.groupId });
  const sentInv = await sendDocument(a.browser, inv);

  // A draft that is never sent.
  const draftJob = await jobWithItem(a.browser, 'Attic Conversion', a.customerId, { name: 'Attic joists' });
  const draft = await createDocument(a.browser, draftJob.jobId, 'estimate', {
    group: draftJob.groupId,
    title: 'Attic joists — estimate',
  });

  // A sent estimate; its test makes a draft revision whose changes the recipient must not see.
  const porch = await jobWithItem(a.browser, 'Porch Repair', a.customerId, { name: 'Porch posts' });
  const revised = await createDocument(a.browser, porch.jobId, 'estimate', {
    group: porch.groupId,
    title: 'Porch posts — estimate',
  });
  await sendDocument(a.browser, revised);

  // Another customer of the same company, with their own document and session.
  const nguyenId = await createAccount(a.browser, 'customer', 'Nguyen Family');
  const nguyenJob = await jobWithItem(a.browser, 'Nguyen Garage', nguyenId);
  const nguyenDoc = await createDocument(a.browser, nguyenJob.jobId, 'estimate', {
    group: nguyenJob.groupId,
    title: 'Nguyen garage — estimate',
  });
  const nguyenSession = await openLink((await sendDocument(a.browser, nguyenDoc)).link);

  // A customer whose portal access is revoked after they opened their link.
  const patelId = await createAccount(a.browser, 'customer', 'Patel Household');
  const patelJob = await jobWithItem(a.browser, 'Patel Basement', patelId);
  const patelDoc = await createDocument(a.browser, patelJob.jobId, 'estimate', {
    group: patelJob.groupId,
    title: 'Patel basement — estimate',
  });
  const patelLink = (await sendDocument(a.browser, patelDoc)).link;
  const patelSession = await openLink(patelLink);

  // Another organization entirely.
  const b = await signUp({ company: 'Birch Lane Homes' });
  const kimId = await createAccount(b.browser, 'customer', 'Kim Household');
  const kimJob = await jobWithItem(b.browser, 'Kim Sunroom', kimId);
  const kimDoc = await createDocument(b.browser, kimJob.jobId, 'proposal', { group: kimJob.groupId });
  const kimSession = await openLink((await sendDocument(b.browser, kimDoc)).link);

  const targets = {
    t: await target(a.browser, t, a.jobId),
    inv: await target(a.browser, inv, invJob.jobId),
    draft: await target(a.browser, draft, draftJob.jobId),
    revised: await target(a.browser, revised, porch.jobId),
    patel: await target(a.browser, patelDoc, patelJob.jobId),
  };

  // Positive controls, before anything is taken away: these sessions do see these documents.
  const before = {
    inv: (await reyesSession.browser.get(`/portal/documents/${inv}`)).status,
    patel: (await patelSession.browser.get(`/portal/documents/${patelDoc}`)).status,
    patelLink: (await new Browser().get(patelLink)).status,
    invLink: (await new Browser().get(sentInv.link)).status,
  };

  const voided = await a.browser.post(`/documents/${inv}/void`, { confirm: 'yes' });
  expect(voided.status).toBe(303);
  const patel = await contactOf(patelId);
  const revoked = await a.browser.post(`/accounts/${patelId}/contacts/${patel.id}/revoke`, { confirm: 'yes' });
  expect(revoked.status).toBe(303);

  return {
    a,
    b,
    reyes,
    patel,
    kim: await contactOf(kimId),
    nguyen: await contactOf(nguyenId),
    targets,
    before,
    tokenT: tokenOf(sentT.link),
    invLink: sentInv.link,
    patelLink,
    sessions: {
      reyes: reyesSession.browser,
      nguyen: nguyenSession.browser,
      kim: kimSession.browser,
      patel: patelSession.browser,
    },
  };
}

beforeAll(async () => {
  world = await buildWorld();
}, 180_000);

const claimsOf = (contactId: string, documentId: string, accessVersion = 1) => ({
  sub: contactId,
  doc: documentId,
  av: accessVersion,
});

function forged(alg: string, opts: { audience?: string; issuer?: string } = {}) {
  const c = claimsOf(world.reyes.id, world.targets.t.id);
  return new SignJWT({ doc: c.doc, av: c.av })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuer(opts.issuer ?? 'contractor-portal')
    .setAudience(opts.audience ?? 'portal-link')
    .setSubject(c.sub)
    .setJti('forged-jti-0000000000')
    .setIssuedAt()
    .setExpirationTime('1d')
    .sign(new TextEncoder().encode(SECRET()));
}

/** Ways in by link that are not ours (forged, altered, unknown): each shows the same plain page as garbage and starts no session. */
const tokens: Record<string, () => Promise<string> | string> = {
  'a token with a changed signature': () => withBadSignature(world.tokenT),
  'a token with a changed payload (another of their documents)': () =>
    withPayload(world.tokenT, (p) => ({ ...p, doc: world.targets.revised.id })),
  'a token with a changed payload (a longer expiry)': () =>
    withPayload(world.tokenT, (p) => ({ ...p, exp: Number(p.exp) + 365 * 86_400 })),
  'an alg=none token': () => unsignedToken({ ...tokenPayload(world.tokenT) }),
  'an HS512 token signed with the same secret': () => forged('HS512'),
  'an HS384 token signed with the same secret': () => forged('HS384'),
  'a token with the wrong audience': () => forged('HS256', { audience: 'dashboard' }),
  'a token with the wrong issuer': () => forged('HS256', { issuer: 'someone-else' }),
  'a genuine token naming a contact that does not exist': () =>
    signPortalToken(
      SECRET(),
      { contactId: 'nosuchcontact000000000000', documentId: world.targets.t.id, accessVersion: 1 },
      90,
    ),
};

/**
 * Genuine links (our signature; expiry aside) that do not open (issue 13): the page of the link's
 * contact's company, saying why in its words, and the masked address only when a new link can go
 * to it. Nothing about the document named: a foreign, void or unsent document reads exactly like
 * one that does not exist.
 */
const genuine: Record<
  string,
  { token: () => Promise<string> | string; org: () => string; heading: string; control?: () => Promise<string> }
> = {
  'an expired token': {
    token: () =>
      signPortalToken(
        SECRET(),
        { contactId: world.reyes.id, documentId: world.targets.t.id, accessVersion: 1 },
        90,
        Date.now() - 91 * DAY,
      ),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This link has expired',
  },
  'a token after revocation': {
    token: () => tokenOf(world.patelLink),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This link no longer works',
  },
  'a token signed before revocation with the old access version': {
    token: () =>
      signPortalToken(
        SECRET(),
        { contactId: world.patel.id, documentId: world.targets.patel.id, accessVersion: 1 },
        90,
      ),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This link no longer works',
  },
  'a token for a document later voided': {
    token: () => tokenOf(world.invLink),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This document is not available',
    control: () => signPortalToken(SECRET(), { contactId: world.reyes.id, documentId: FAKE_ID, accessVersion: 1 }, 90),
  },
  'a token for a draft that was never sent': {
    token: () =>
      signPortalToken(
        SECRET(),
        { contactId: world.reyes.id, documentId: world.targets.draft.id, accessVersion: 1 },
        90,
      ),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This document is not available',
    control: () => signPortalToken(SECRET(), { contactId: world.reyes.id, documentId: FAKE_ID, accessVersion: 1 }, 90),
  },
  'a genuine token naming a contact of another organization': {
    token: () =>
      signPortalToken(SECRET(), { contactId: world.kim.id, documentId: world.targets.t.id, accessVersion: 1 }, 90),
    org: () => 'Birch Lane Homes',
    heading: 'This document is not available',
    control: () => signPortalToken(SECRET(), { contactId: world.kim.id, documentId: FAKE_ID, accessVersion: 1 }, 90),
  },
  'a genuine token naming a contact of another account (same org)': {
    token: () =>
      signPortalToken(SECRET(), { contactId: world.nguyen.id, documentId: world.targets.t.id, accessVersion: 1 }, 90),
    org: () => 'Oak &amp; Stone Builders',
    heading: 'This document is not available',
    control: () => signPortalToken(SECRET(), { contactId: world.nguyen.id, documentId: FAKE_ID, accessVersion: 1 }, 90),
  },
};

function expectNothingOf(body: string) {
  for (const t of Object.values(world.targets)) {
    expect(body).not.toContain(t.number);
    expect(body).not.toContain(t.title);
    expect(body).not.toContain(t.id);
  }
  expect(body).not.toContain('Page not found');
  expect(body).not.toContain('href="/"');
}

describe('portal links', () => {
  it('a genuine token opens (the control every forged token is compared with)', async () => {
    const res = await new Browser().get(`/p/${await forged('HS256')}`);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/portal/documents/${world.targets.t.id}`);
  });

  it.each(Object.keys(tokens))('%s is refused like garbage and starts no session', async (name) => {
    const token = await tokens[name]();
    const baselineBrowser = new Browser();
    const baseline = await baselineBrowser.get('/p/not-a-token');
    const baselineBody = normalized(await baseline.text(), 'not-a-token');

    const browser = new Browser();
    const res = await browser.get(`/p/${token}`);
    const body = await res.text();
    expect(res.status).toBe(baseline.status);
    expect(res.status).toBe(403);
    expect(normalized(body, token)).toBe(baselineBody);
    expect(body).toContain('This link does not work');
    expect(body).not.toContain('Oak &amp; Stone');
    expect(body).not.toContain('action="/p/fresh-link"');
    expectNothingOf(body);
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(browser.cookies.has('cp_portal')).toBe(false);
    // And with no session, the portal itself stays shut.
    for (const t of [world.targets.t, world.targets.patel, world.targets.inv]) {
      expect((await browser.get(`/portal/documents/${t.id}`)).status).toBe(404);
    }
  });

  it.each(Object.keys(genuine))(
    "%s shows its company's page saying why, nothing of the document, and starts no session",
    async (name) => {
      const g = genuine[name];
      const token = await g.token();
      const browser = new Browser();
      const res = await browser.get(`/p/${token}`);
      const body = await res.text();
      expect(res.status).toBe(403);
      expect(body).toContain(`<h1>${g.heading}</h1>`);
      expect(body).toContain(`<span>${g.org()}</span>`);
      expectNothingOf(body);
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
      expect(browser.cookies.has('cp_portal')).toBe(false);
      if (g.heading === 'This link has expired') {
        // A new link can go to the address on file: offered, with the address masked.
        expect(body).toContain(`<strong>${world.reyes.email[0]}•••@example.test</strong>`);
        expect(body).not.toContain(world.reyes.email);
        expect(body).toContain('action="/p/fresh-link"');
      } else {
        expect(body).not.toContain('•••');
        expect(body).not.toContain('action="/p/fresh-link"');
      }
      if (g.control) {
        // The document named changes nothing: the same page as for a document that never existed.
        const control = await g.control();
        const same = await new Browser().get(`/p/${control}`);
        expect(normalized(await same.text(), control)).toBe(normalized(body, token));
      }
      for (const t of [world.targets.t, world.targets.patel, world.targets.inv]) {
        expect((await browser.get(`/portal/documents/${t.id}`)).status).toBe(404);
      }
    },
  );
});

type Expect = 'refused' | 'hidden' | 'shown';

interface Scenario {
  browser: () => Browser;
  target: () => Target;
  /** What the portal home and the logo answer for this visitor. */
  home: 'refused' | 'hidden';
  logo: 'refused' | 'own org';
  /** The session ended (issue 13): refusals are its company's ended page, the same for every address. */
  ended?: string;
}

const scenarios: Record<string, Scenario> = {
  'no session': { browser: () => new Browser(), target: () => world.targets.t, home: 'refused', logo: 'refused' },
  "the contractor's session (cp_session)": {
    browser: () => world.a.browser,
    target: () => world.targets.t,
    home: 'refused',
    logo: 'refused',
  },
  'a session of another contact of another account (same org)': {
    browser: () => world.sessions.nguyen,
    target: () => world.targets.t,
    home: 'hidden',
    logo: 'own org',
  },
  'a contact of another organization': {
    browser: () => world.sessions.kim,
    target: () => world.targets.t,
    home: 'hidden',
    logo: 'refused',
  },
  'a draft that was never sent': {
    browser: () => world.sessions.reyes,
    target: () => world.targets.draft,
    home: 'hidden',
    logo: 'own org',
  },
  'a session after revocation': {
    browser: () => world.sessions.patel,
    target: () => world.targets.patel,
    home: 'refused',
    logo: 'refused',
    ended: 'This link no longer works',
  },
  'a document later voided': {
    browser: () => world.sessions.reyes,
    target: () => world.targets.inv,
    home: 'hidden',
    logo: 'own org',
  },
  ...Object.fromEntries(
    [...Object.keys(tokens), ...Object.keys(genuine)].map((name): [string, Scenario] => [
      `the browser that opened ${name}`,
      {
        browser: () => tokenBrowsers.get(name)!,
        target: () =>
          name.includes('revocation')
            ? world.targets.patel
            : name.includes('voided')
              ? world.targets.inv
              : name.includes('draft')
                ? world.targets.draft
                : world.targets.t,
        home: 'refused',
        logo: 'refused',
      },
    ]),
  ),
};

const tokenBrowsers = new Map<string, Browser>();
beforeAll(async () => {
  const makers = { ...tokens, ...Object.fromEntries(Object.entries(genuine).map(([k, g]) => [k, g.token])) };
  for (const [name, make] of Object.entries(makers)) {
    const browser = new Browser();
    await browser.get(`/p/${await make()}`);
    tokenBrowsers.set(name, browser);
  }
});

const routes: Record<string, { path: (t: Target) => string; fake?: string; kind: 'home' | 'logo' | 'detail' }> = {
  'GET /portal': { path: () => '/portal', kind: 'home' },
  'GET /portal/jobs/:id': { path: (t) => `/portal/jobs/${t.jobId}`, fake: `/portal/jobs/${FAKE_ID}`, kind: 'detail' },
  'GET /portal/documents/:id': {
    path: (t) => `/portal/documents/${t.id}`,
    fake: `/portal/documents/${FAKE_ID}`,
    kind: 'detail',
  },
  'GET /portal/documents/:id.pdf': {
    path: (t) => `/portal/documents/${t.id}.pdf`,
    fake: `/portal/documents/${FAKE_ID}.pdf`,
    kind: 'detail',
  },
  'GET /portal/logo': { path: () => '/portal/logo', kind: 'logo' },
};

const matrix = Object.keys(scenarios).flatMap((scenario) =>
  Object.keys(routes).map((route): [string, string] => [route, scenario]),
);

describe('access matrix', () => {
  it.each(matrix)('%s with %s', async (route, scenario) => {
    const s = scenarios[scenario];
    const r = routes[route];
    const t = s.target();
    const browser = s.browser();
    const path = r.path(t);
    const res = await browser.get(path);
    const bytes = await res.arrayBuffer();
    const body = new TextDecoder().decode(bytes);
    const expected: Expect =
      r.kind === 'home' ? s.home : r.kind === 'logo' ? (s.logo === 'own org' ? 'shown' : 'refused') : 'refused';

    if (expected === 'refused') {
      // Indistinguishable from a document (or job) that never existed.
      const baseline = await new Browser().get(r.fake ?? '/portal');
      const baselineBody = await baseline.text();
      expect(res.status, body.slice(0, 300)).toBe(404);
      if (s.ended) {
        // An ended session's page: its company's, saying so, the same for every address (below).
        expect(body).toContain(`<h1>${s.ended}</h1>`);
        expect(body).toContain('<span>Oak &amp; Stone Builders</span>');
        expect(body).not.toContain('Page not found');
      } else
        expect(normalized(body).split(t.id).join('ID').split(t.jobId).join('ID')).toBe(
          normalized(baselineBody).split(FAKE_ID).join('ID'),
        );
      if (r.fake) {
        const sameBrowser = await browser.get(r.fake);
        expect(sameBrowser.status).toBe(404);
        expect(normalized(body).split(t.id).join('ID').split(t.jobId).join('ID')).toBe(
          normalized(await sameBrowser.text())
            .split(FAKE_ID)
            .join('ID'),
        );
      }
    } else if (expected === 'hidden') {
      expect(res.status).toBe(200);
      expect(body).toContain('<h1>');
    } else {
      expect(res.status).toBe(200);
      expect(new Uint8Array(bytes)).toEqual(PNG);
    }
    expect(body).not.toContain(t.number);
    expect(body).not.toContain(t.title);
    expect(body).not.toContain(t.id);
    if (r.kind === 'logo' && expected === 'refused') expect(new Uint8Array(bytes)).not.toEqual(PNG);
  });
});

describe('what the recipient does see', () => {
  it('the positive controls held before revocation and voiding', () => {
    expect(world.before).toEqual({ inv: 200, patel: 200, patelLink: 303, invLink: 303 });
  });

  it('a document with a draft revision shows revision 1 everywhere, never the draft', async () => {
    const r = world.targets.revised;
    const reyes = world.sessions.reyes;
    const revise = await world.a.browser.post(`/documents/${r.id}/revise`);
    expect(revise.status, (await revise.text()).slice(0, 300)).toBe(303);
    await editDraft(world.a.browser, r.id, (fields) =>
      fields.map(([k, v]) => [
        k,
        k === 'title'
          ? 'Porch Repair REV2 upgrade'
          : k.startsWith('name.') && v === 'Porch posts'
            ? 'Marble REV2 surround'
            : v,
      ]),
    );
    const draft = await world.a.browser.get(`/documents/${r.id}`);
    expect(await draft.text()).toContain('Marble REV2 surround');
    const page = await reyes.get(`/portal/documents/${r.id}`);
    const body = await page.text();
    expect(page.status).toBe(200);
    expect(body).toContain(r.number);
    expect(body).toContain('Porch posts');
    expect(body).not.toContain('REV2');
    expect(body).not.toContain('rev 2');
    for (const path of ['/portal', `/portal/jobs/${r.jobId}`]) {
      const list = await reyes.get(path);
      const html = await list.text();
      expect(list.status).toBe(200);
      expect(html).toContain(r.number);
      expect(html).not.toContain('REV2');
    }
    const pdf = await reyes.get(`/portal/documents/${r.id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('Content-Type')).toContain('application/pdf');
    const v1 = await db().query.documentVersions.findFirst({
      where: (v, { and, eq }) => and(eq(v.documentId, r.id), eq(v.version, 1)),
    });
    expect(await sha256(await pdf.arrayBuffer())).toBe(v1!.pdfSha256);
  });

  it('changing the recipient in an unsent revision draft neither shows the sent version to the new account nor hides it from the old', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const reyes = await openLink((await sendDocument(co.browser, id)).link);
    const nguyenId = await createAccount(co.browser, 'customer', 'Nguyen Family');
    const job = await jobWithItem(co.browser, 'Nguyen Garage', nguyenId);
    const nguyen = await openLink(
      (await sendDocument(co.browser, await createDocument(co.browser, job.jobId, 'estimate', { group: job.groupId })))
        .link,
    );
    const nguyenContact = await contactOf(nguyenId);
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    // Moving a sent document to another customer is refused: it stays with the account it was sent to.
    await expect(
      editDraft(co.browser, id, (fields) =>
        fields.map(([k, v]) => [k, k === 'accountId' ? nguyenId : k === 'contactId' ? nguyenContact.id : v]),
      ),
    ).rejects.toThrow(/edit draft: 422/);
    expect(await co.browser.get(`/documents/${id}`).then((r) => r.text())).not.toContain(nguyenContact.email);
    const stranger = await nguyen.browser.get(`/portal/documents/${id}`);
    expect(stranger.status).toBe(404);
    expect(await (await nguyen.browser.get('/portal')).text()).not.toContain('EST-0001');
    const own = await reyes.browser.get(`/portal/documents/${id}`);
    expect(own.status).toBe(200);
  });

  it('a link to a document that has a draft revision still opens revision 1', async () => {
    const r = world.targets.revised;
    const token = await signPortalToken(
      SECRET(),
      { contactId: world.reyes.id, documentId: r.id, accessVersion: 1 },
      90,
    );
    const { page, html } = await openLink(`/p/${token}`);
    expect(page.status).toBe(200);
    expect(html).not.toContain('REV2');
  });

  it('the contractor session opens no portal page, and the portal session opens no dashboard page', async () => {
    const t = world.targets.t;
    for (const path of [
      '/portal',
      `/portal/jobs/${t.jobId}`,
      `/portal/documents/${t.id}`,
      `/portal/documents/${t.id}.pdf`,
      '/portal/logo',
    ]) {
      expect((await world.a.browser.get(path)).status, path).toBe(404);
    }
    const reyes = world.sessions.reyes;
    expect(reyes.cookies.has('cp_session')).toBe(false);
    for (const path of [
      '/',
      '/jobs',
      `/jobs/${t.jobId}`,
      '/documents',
      `/documents/${t.id}`,
      `/documents/${t.id}.pdf`,
      `/documents/${t.id}/send`,
      `/accounts/${world.a.customerId}`,
      '/settings',
      '/settings/logo',
    ]) {
      const res = await reyes.get(path);
      expect(res.status, path).toBe(303);
      expect(location(res), path).toMatch(/^\/sign-in\?next=/);
      expect(await res.text()).not.toContain(t.number);
    }
    for (const path of [
      `/documents/${t.id}/void`,
      `/documents/${t.id}/resend`,
      `/accounts/${world.a.customerId}/contacts/${world.reyes.id}/revoke`,
    ]) {
      const res = await reyes.post(path);
      expect(res.status, path).toBe(401);
    }
    const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, t.id) });
    expect(doc!.status).not.toBe('void');
  });
});
