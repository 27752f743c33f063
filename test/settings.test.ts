import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { invites, orgs, users } from '../src/db/schema';
import { Browser, PASSWORD, db, location, signUp, uniqueEmail } from './helpers';
import { fieldError, inputValue } from './pages';
import { pngBytes } from './hostile';

const orgRow = (id: string) => db().query.orgs.findFirst({ where: eq(orgs.id, id) });
const logoObjects = async (orgId: string) =>
  (await env.FILES.list({ prefix: `org/${orgId}/` })).objects.map((o) => o.key);

/** A real 2×2 RGB PNG: signature, IHDR, IDAT (zlib) and IEND chunks with their CRCs. */
async function tinyPng(): Promise<Uint8Array<ArrayBuffer>> {
  // Each row: filter byte 0, then two RGB pixels in the brand colour.
  const raw = new Uint8Array([0, 0x2f, 0x5d, 0x50, 0x2f, 0x5d, 0x50, 0, 0x2f, 0x5d, 0x50, 0xff, 0xff, 0xff]);
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  return pngBytes(2, 2, idat, 2);
}

function logoForm(bytes: Uint8Array<ArrayBuffer>, name: string, type: string) {
  const form = new FormData();
  form.set('logo', new File([bytes], name, { type }));
  return form;
}

const validSettings = {
  name: 'Oak & Stone Builders',
  email: 'office@oakandstone.test',
  phone: '(303) 555-0142',
  address: '1450 Wazee Street\nDenver, CO 80202',
  brandColor: '#2f5d50',
  defaultTaxRate: '8.81',
  portalLinkDays: '30',
  defaultFooter: 'Licensed and insured',
  paymentInstructions: 'ACH to account 1234',
};
/** The settings form: the company's columns (each kind's terms are its templates': test/templates.test.ts). */
const validForm = validSettings;

describe('company settings', () => {
  it('saves the company details, brand colour and tax rate', async () => {
    const { browser, orgId } = await signUp();
    const page = await (await browser.get('/settings')).text();
    expect(inputValue(page, 'brandColor')).toBe('#1f5f8b');
    expect(inputValue(page, 'portalLinkDays')).toBe('90');

    const res = await browser.post('/settings', validForm);
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/settings'); // the notice is a one-time flash, never in the URL
    expect(await orgRow(orgId)).toMatchObject({ ...validSettings, defaultTaxRate: 8_810, portalLinkDays: 30 });
    const again = await (await browser.get('/settings')).text();
    expect(again).toContain('<p class="notice" role="status">Settings saved.</p>');
    expect(await (await browser.get('/settings')).text()).not.toContain('Settings saved.');
    expect(inputValue(again, 'defaultTaxRate')).toBe('8.81');
    expect(inputValue(again, 'address')).toBe(validSettings.address);
    expect(again).toContain('Oak &amp; Stone Builders');
  });

  describe('validation', () => {
    let browser: Browser;
    let orgId: string;
    beforeAll(async () => {
      ({ browser, orgId } = await signUp());
    });

    it.each([
      ['a colour name', { brandColor: 'red' }, 'brandColor', 'Brand colour must be a colour like #1f5f8b.'],
      ['a short hex colour', { brandColor: '#abc' }, 'brandColor', 'Brand colour must be a colour like #1f5f8b.'],
      [
        'a colour with CSS in it',
        { brandColor: '#fff;}' },
        'brandColor',
        'Brand colour must be a colour like #1f5f8b.',
      ],
      ['no colour', { brandColor: '' }, 'brandColor', 'Brand colour is required.'],
      [
        'a tax rate with 4 decimals',
        { defaultTaxRate: '8.8755' },
        'defaultTaxRate',
        'Default tax rate must be a number with at most three decimals.',
      ],
      ['a negative tax rate', { defaultTaxRate: '-1' }, 'defaultTaxRate', 'Default tax rate must be at least 0%.'],
      ['a tax rate over 50%', { defaultTaxRate: '50.001' }, 'defaultTaxRate', 'Default tax rate must be at most 50%.'],
      ['links that last 0 days', { portalLinkDays: '0' }, 'portalLinkDays', 'Portal link lifetime must be at least 1.'],
      [
        'links that last 1.5 days',
        { portalLinkDays: '1.5' },
        'portalLinkDays',
        'Portal link lifetime must be a number without decimals.',
      ],
      [
        'links that last over a year',
        { portalLinkDays: '366' },
        'portalLinkDays',
        'Portal link lifetime must be at most 365.',
      ],
      ['no company name', { name: ' ' }, 'name', 'Company name is required.'],
      ['a bad email', { email: 'office@' }, 'email', 'Email must be an email address like name@example.com.'],
    ])('refuses %s with 422, a message and the values kept, saving nothing', async (_, change, field, message) => {
      const before = await orgRow(orgId);
      const form: Record<string, string> = { ...validForm, ...change };
      const res = await browser.post('/settings', form);
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, field)).toBe(message);
      expect(inputValue(body, field)).toBe(form[field]);
      expect(inputValue(body, 'phone')).toBe(form.phone);
      expect(await orgRow(orgId)).toEqual(before);
    });
  });
});

describe('logo', () => {
  it('uploads a PNG to R2 and serves it back', async () => {
    const { browser, orgId } = await signUp();
    expect((await browser.get('/settings/logo')).status).toBe(404);
    const png = await tinyPng();
    const res = await browser.postMultipart('/settings/logo', logoForm(png, 'logo.png', 'image/png'));
    expect(res.status).toBe(303);
    const org = await orgRow(orgId);
    expect(org!.logoKey).toMatch(new RegExp(`^org/${orgId}/logo/[a-z0-9]+$`));
    expect(org!.logoContentType).toBe('image/png');
    expect(await logoObjects(orgId)).toEqual([org!.logoKey]);
    const stored = await env.FILES.get(org!.logoKey!);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(png);

    const served = await browser.get('/settings/logo');
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Type')).toBe('image/png');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(png);
    expect(await (await browser.get('/settings')).text()).toContain('<img class="logo-preview" src="/settings/logo"');
    expect((await new Browser().get('/settings/logo')).status).toBe(303);
  });

  it('accepts a JPEG by its bytes and labels it by them, not by the name the browser sent', async () => {
    const { browser, orgId } = await signUp();
    const jpeg = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9,
    ]);
    const res = await browser.postMultipart('/settings/logo', logoForm(jpeg, 'logo.png', 'image/png'));
    expect(res.status).toBe(303);
    expect((await orgRow(orgId))!.logoContentType).toBe('image/jpeg');
    expect((await browser.get('/settings/logo')).headers.get('Content-Type')).toBe('image/jpeg');
  });

  it.each([
    [
      'a text file renamed .png',
      () => new TextEncoder().encode('definitely not an image, just text'),
      'The logo must be a PNG or JPEG image.',
    ],
    [
      'an SVG',
      () => new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      'The logo must be a PNG or JPEG image.',
    ],
    ['an empty file', () => new Uint8Array(), 'Choose a PNG or JPEG file to upload.'],
  ])('refuses %s with 422 and puts nothing in R2', async (_, bytes, message) => {
    const { browser, orgId } = await signUp();
    const res = await browser.postMultipart('/settings/logo', logoForm(bytes(), 'logo.png', 'image/png'));
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), 'logo')).toBe(message);
    expect(await logoObjects(orgId)).toEqual([]);
    expect((await orgRow(orgId))!.logoKey).toBeNull();
  });

  it('refuses a form without a file', async () => {
    const { browser, orgId } = await signUp();
    const form = new FormData();
    form.set('logo', 'just a string');
    const res = await browser.postMultipart('/settings/logo', form);
    expect(res.status).toBe(422);
    expect(await logoObjects(orgId)).toEqual([]);
  });

  const pngOfSize = async (size: number) => {
    const bytes = new Uint8Array(size);
    bytes.set(await tinyPng());
    return bytes;
  };

  it('refuses a PNG over 1 MB and puts nothing in R2', async () => {
    const { browser, orgId } = await signUp();
    const res = await browser.postMultipart(
      '/settings/logo',
      logoForm(await pngOfSize(1024 * 1024 + 1), 'big.png', 'image/png'),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await logoObjects(orgId)).toEqual([]);
    expect((await orgRow(orgId))!.logoKey).toBeNull();
  });

  it('accepts a PNG a little under 1 MB', async () => {
    const { browser, orgId } = await signUp();
    const res = await browser.postMultipart(
      '/settings/logo',
      logoForm(await pngOfSize(1024 * 1024 - 4096), 'big.png', 'image/png'),
    );
    expect(res.status).toBe(303);
    expect(await logoObjects(orgId)).toHaveLength(1);
  });

  it('answers 422 with a message on the settings page for a PNG over 1 MB, and accepts exactly 1 MB', async () => {
    const { browser, orgId } = await signUp();
    const res = await browser.postMultipart(
      '/settings/logo',
      logoForm(await pngOfSize(1024 * 1024 + 1), 'big.png', 'image/png'),
    );
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), 'logo')).toBe('The logo must be at most 1 MB.');
    expect(await logoObjects(orgId)).toEqual([]);
    const exact = await browser.postMultipart(
      '/settings/logo',
      logoForm(await pngOfSize(1024 * 1024), 'exact.png', 'image/png'),
    );
    expect(exact.status).toBe(303);
  });

  it('replaces the previous logo', async () => {
    const { browser, orgId } = await signUp();
    const png = await tinyPng();
    await browser.postMultipart('/settings/logo', logoForm(png, 'one.png', 'image/png'));
    const first = (await orgRow(orgId))!.logoKey!;
    const second = new Uint8Array([...png]);
    await browser.postMultipart('/settings/logo', logoForm(second, 'two.png', 'image/png'));
    const current = (await orgRow(orgId))!.logoKey!;
    expect(current).not.toBe(first);
    // The old object is deleted after the response (waitUntil); give it a moment.
    for (let i = 0; i < 50 && (await logoObjects(orgId)).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await logoObjects(orgId)).toEqual([current]);
  });
});

describe('team', () => {
  it('a member cannot invite; the owner can', async () => {
    const { browser, orgId } = await signUp();
    const email = uniqueEmail('mate');
    expect((await browser.post('/settings/team/invite', { name: 'Mate Person', email })).status).toBe(303);
    const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
    const link = new URL(mail!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0]);
    const mate = new Browser();
    expect((await mate.post(link.pathname, { name: 'Mate Person', password: PASSWORD })).status).toBe(303);
    expect((await db().query.users.findFirst({ where: eq(users.email, email) }))!.role).toBe('member');

    const team = await (await mate.get('/settings/team')).text();
    expect(team).toContain('Only the owner can invite teammates.');
    expect(team).not.toContain('action="/settings/team/invite"');
    const invitesBefore = await db().$count(invites, eq(invites.orgId, orgId));
    const denied = await mate.post('/settings/team/invite', { name: 'Sneaky', email: uniqueEmail('sneaky') });
    expect(denied.status).toBe(403);
    const invalid = await mate.post('/settings/team/invite', { name: '', email: 'bad' });
    expect(invalid.status).toBe(403);
    expect(await db().$count(invites, eq(invites.orgId, orgId))).toBe(invitesBefore);
  });

  it('refuses to invite someone already on the team (an account elsewhere: test/auth.test.ts)', async () => {
    const { browser, email } = await signUp();
    const res = await browser.post('/settings/team/invite', { name: 'Me Again', email });
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), 'email')).toBe('This person is already on your team.');
  });
});
