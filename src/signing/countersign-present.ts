import type { CountersignPanelProps } from '../../views/dashboard/countersign-panel';
import type { FormState } from '../../views/components/form';
import type { LoadedDocument } from '../documents/queries';

// Issue 17, part C: the countersign panel's props from the page's one batch (getDocument), or null.

export function countersignPanel(
  _d: LoadedDocument,
  _opts: { csrf: string; form?: FormState },
): CountersignPanelProps | null {
  return null;
}
