import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ensureDevVars, makeSealIdentity, parseVars } from '../../scripts/dev-vars.mjs';

// .dev.vars: development's secrets, made when missing. Issue 15 adds the webhook secret development's
// simulated Stripe signs with, and never a Stripe secret key (its absence selects the simulator).

const dirs = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-vars-'));
  dirs.push(dir);
  return join(dir, '.dev.vars');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ensureDevVars', () => {
  it('makes a STRIPE_WEBHOOK_SECRET for a new file, and no STRIPE_SECRET_KEY', () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const vars = ensureDevVars(fresh());
    expect(vars.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_dev_[A-Za-z0-9_-]{32}$/);
    expect(vars).not.toHaveProperty('STRIPE_SECRET_KEY');
  });

  it('appends it to an existing file without touching what is there', () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const path = fresh();
    ensureDevVars(path);
    const before = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('STRIPE_WEBHOOK_SECRET='))
      .join('\n');
    writeFileSync(path, before);
    const kept = parseVars(before);
    const vars = ensureDevVars(path);
    expect(vars.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_dev_/);
    for (const [k, v] of Object.entries(kept)) expect(vars[k], k).toBe(v);
    // Run again: nothing changes.
    const text = readFileSync(path, 'utf8');
    expect(ensureDevVars(path)).toEqual(vars);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it("makes the seal's development identity an EC P-256 key whose self-signed certificate it signed", () => {
    const { privateKeyPem, certificatePem } = makeSealIdentity('Test seal', new Date('2026-12-01T00:00:00Z'));
    expect(privateKeyPem).toContain('BEGIN PRIVATE KEY'); // PKCS#8, as the Worker imports it
    const key = createPrivateKey(privateKeyPem);
    expect(key.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    const certificate = new X509Certificate(certificatePem);
    expect(certificate.subject).toBe('CN=Test seal');
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.validTo).toBe('Dec  1 00:00:00 2036 GMT');
  });
});
