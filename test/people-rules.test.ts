import { describe, expect, it } from 'vitest';
import {
  allSigned,
  countersigned,
  readyToSeal,
  signedBy,
  signersDue,
  signersOf,
  type Recipient,
  type SignatureFact,
} from '../src/documents/recipients';
import { andList, copyRefusal, deciderRefusal, NOT_ASKED, signedCount, turnRefusal } from '../src/signing/people';

// Issue 17: the pure rules of who signs a document, and when it is complete (no database).

const person = (contactId: string, name: string, role: 'signer' | 'copy', position: number): Recipient => ({
  contactId,
  name,
  role,
  position,
  email: `${contactId}@example.test`,
  accessVersion: 1,
});
const dana = person('dana', 'Dana Reyes', 'signer', 1);
const sam = person('sam', 'Sam Patel', 'signer', 2);
const lee = person('lee', 'Lee Chen', 'copy', 3);
// Stored in any order: the rules sort.
const people = [lee, sam, dana];

const sig = (contactId: string | null, outcome = 'signed', version = 1): SignatureFact => ({
  contactId,
  outcome,
  version,
});

describe('signersOf / signedBy', () => {
  it('signers in signing order, copies left out', () => {
    expect(signersOf(people).map((r) => r.contactId)).toEqual(['dana', 'sam']);
  });

  it('counts approvals of the version only: not declines, not the countersignature, not another version', () => {
    const s = [sig('dana'), sig('sam', 'declined'), sig(null, 'countersigned'), sig('lee', 'signed', 2)];
    expect([...signedBy(s, 1)]).toEqual(['dana']);
    expect([...signedBy([sig('sam', 'approved'), sig('lee', 'accepted')], 1)].sort()).toEqual(['lee', 'sam']);
  });
});

describe('signersDue', () => {
  it('any order: every signer who has not signed', () => {
    expect(signersDue(people, [], 1, 'any').map((r) => r.contactId)).toEqual(['dana', 'sam']);
    expect(signersDue(people, [sig('sam')], 1, 'any').map((r) => r.contactId)).toEqual(['dana']);
  });

  it('ordered: only the first who has not signed, then the next', () => {
    expect(signersDue(people, [], 1, 'ordered').map((r) => r.contactId)).toEqual(['dana']);
    expect(signersDue(people, [sig('dana')], 1, 'ordered').map((r) => r.contactId)).toEqual(['sam']);
    expect(signersDue(people, [sig('dana'), sig('sam')], 1, 'ordered')).toEqual([]);
  });

  it('nobody once someone declined the version; a signature on an older version does not count', () => {
    expect(signersDue(people, [sig('sam', 'declined')], 1, 'any')).toEqual([]);
    expect(signersDue(people, [sig('dana', 'signed', 1)], 2, 'ordered').map((r) => r.contactId)).toEqual(['dana']);
  });
});

describe('allSigned / countersigned / readyToSeal', () => {
  it('every signer must sign the same version; copies never do', () => {
    expect(allSigned(people, [sig('dana')], 1)).toBe(false);
    expect(allSigned(people, [sig('dana'), sig('sam')], 1)).toBe(true);
    expect(allSigned(people, [sig('dana'), sig('sam', 'signed', 2)], 2)).toBe(false);
  });

  it('a document without recipient rows is complete with its one approval', () => {
    expect(allSigned([], [], 1)).toBe(false);
    expect(allSigned([], [sig('dana')], 1)).toBe(true);
  });

  it('ready to seal: everyone signed and, when asked for, the contractor countersigned that version', () => {
    const both = [sig('dana'), sig('sam')];
    expect(readyToSeal({ countersign: false }, people, both, 1)).toBe(true);
    expect(readyToSeal({ countersign: true }, people, both, 1)).toBe(false);
    expect(countersigned([...both, sig(null, 'countersigned', 2)], 1)).toBe(false);
    expect(readyToSeal({ countersign: true }, people, [...both, sig(null, 'countersigned')], 1)).toBe(true);
  });
});

describe('who may decide (signing/people.ts)', () => {
  it('names people as a sentence', () => {
    expect(andList([])).toBe('');
    expect(andList(['Dana Reyes'])).toBe('Dana Reyes');
    expect(andList(['Dana Reyes', 'Sam Patel'])).toBe('Dana Reyes and Sam Patel');
    expect(andList(['A', 'B', 'C'])).toBe('A, B and C');
  });

  it('a copy is refused naming the signers; someone not on the document is not asked; a signer may', () => {
    expect(deciderRefusal(people, 'lee')).toBe(
      'You’re receiving a copy of this document; Dana Reyes and Sam Patel sign it.',
    );
    expect(copyRefusal([dana, lee])).toBe('You’re receiving a copy of this document; Dana Reyes signs it.');
    expect(deciderRefusal(people, 'someone-else')).toBe(NOT_ASKED);
    expect(deciderRefusal(people, 'sam')).toBeNull();
    expect(deciderRefusal([], 'anyone')).toBeNull();
  });

  it('in a set order, names the signer whose turn it is', () => {
    expect(turnRefusal(people, [], 1, 'ordered', 'sam')).toBe('Waiting for Dana Reyes to sign first.');
    expect(turnRefusal(people, [], 1, 'ordered', 'dana')).toBeNull();
    expect(turnRefusal(people, [sig('dana')], 1, 'ordered', 'sam')).toBeNull();
    expect(turnRefusal(people, [], 1, 'any', 'sam')).toBeNull();
  });

  it('counts signers as "(1 of 2)"', () => {
    expect(signedCount(people, [sig('sam')], 1)).toEqual({ signed: 1, of: 2 });
    expect(signedCount([], [sig('dana')], 1)).toEqual({ signed: 1, of: 1 });
  });
});
