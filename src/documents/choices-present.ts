import type { ChoicesMadeProps } from '../../views/dashboard/choices-made';
import { dateTime } from '../../views/format';
import { choiceShape, choiceSummary, parseSelection } from './choices';
import type { LoadedDocument } from './queries';
import { chosenTotals } from './selection';
import type { DocumentSnapshot } from './snapshot';
import { parseOffline } from '../signing/offline-words';

// Issue 20: what the customer chose on the sent version, as the contractor's document page says it:
// the selection a choosing signature made, else the one recorded with an approval made offline.

/** The props of "Chosen by …" for the sent version shown, or null while nothing was chosen. */
export function choicesMade(
  d: Pick<LoadedDocument, 'current' | 'offline' | 'org'>,
  snapshot: DocumentSnapshot,
): ChoicesMadeProps | null {
  if (!choiceShape(snapshot.lines).any) return null;
  const offline = parseOffline(d.offline);
  const recorded = offline?.version === d.current.version ? parseSelection(offline.selection) : null;
  // An offline approval with a choice also sets the version's selection (signing/offline.ts).
  const signed = recorded ? null : parseSelection(d.current.selection);
  const selection = signed ?? recorded;
  if (!selection) return null;
  const summary = choiceSummary(snapshot.lines, selection.chosen);
  return {
    by: selection.by,
    when: selection.at ? dateTime(selection.at, d.org.timeZone) : '',
    how: signed ? 'signing' : 'offline',
    sets: summary.sets,
    optional: summary.optional.map(({ name, chosen }) => ({ name, chosen })),
    total: chosenTotals(snapshot, selection.chosen).total,
    preselectedTotal: snapshot.totals.total,
    currency: snapshot.currency,
  };
}
