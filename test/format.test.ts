import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dateTime, money } from '../views/format';
import { CURRENCIES } from '../src/auth/forms';

// money() and dateTime() avoid Intl on the hot path; what they print must still be exactly Intl's.
describe('formatting matches Intl', () => {
  it('money() writes what Intl.NumberFormat writes, in every currency we offer', () => {
    const edges = [0, 1, 5, 99, 100, 101, 12_345, 99_999, 100_000, 123_456_789, 999_999_999_99, 9_999_999_999_999];
    for (const currency of CURRENCIES) {
      const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
      for (const cents of [...edges, ...edges.map((n) => -n).filter((n) => n !== 0)])
        expect(money(cents, currency)).toBe(intl.format(cents / 100));
      fc.assert(
        fc.property(
          fc.integer({ min: -1e13, max: 1e13 }),
          (cents) => money(cents, currency) === intl.format(cents / 100),
        ),
      );
    }
  });

  it('dateTime() writes what Intl.DateTimeFormat writes, across zones and daylight-saving changes', () => {
    const zones = [
      'America/New_York',
      'America/Chicago',
      'America/Los_Angeles',
      'Europe/London',
      'Australia/Adelaide',
      'Asia/Kathmandu',
      'UTC',
    ];
    for (const timeZone of zones) {
      const intl = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      });
      // Every quarter hour around the 2026 changes in both hemispheres, then random instants.
      for (const start of [
        Date.UTC(2026, 2, 7),
        Date.UTC(2026, 2, 28),
        Date.UTC(2026, 3, 4),
        Date.UTC(2026, 9, 3),
        Date.UTC(2026, 9, 24),
        Date.UTC(2026, 10, 1),
      ]) {
        for (let ms = start; ms < start + 2 * 86_400_000; ms += 15 * 60_000 + 17_000) {
          expect(dateTime(ms, timeZone)).toBe(intl.format(ms));
          expect(dateTime(ms, timeZone)).toBe(intl.format(ms));
        }
      }
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => dateTime(ms, timeZone) === intl.format(ms)),
      );
    }
  });
});
