import type { Context } from 'hono';
import type { Db } from '../db/client';
import type { Env } from '../env';
import type { FlashState } from './flash';

export interface SignedInUser {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: 'owner' | 'member';
}

export interface OrgSummary {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
  brandColor: string;
  hasLogo: boolean;
}

export interface PortalViewer {
  contactId: string;
  orgId: string;
  accountId: string;
  name: string;
  email: string;
  /** The contact's access version the session was opened with (a live socket is tagged with it). */
  accessVersion: number;
  esignConsentAt: number | null;
  /** Issue 18: the consent disclosure's version they accepted (signing/consent.ts); another one asks again. */
  esignConsentVersion: string | null;
  org: {
    id: string;
    name: string;
    brandColor: string;
    hasLogo: boolean;
    timeZone: string;
    currency: string;
    address: string;
    phone: string;
    email: string;
    paymentInstructions: string;
  };
  /**
   * Every company the person's session holds (issue 17), this one included: the portal's switcher.
   * Only ever shown to the person, never inside what one company sees of another.
   */
  companies: { id: string; name: string; brandColor: string; hasLogo: boolean }[];
}

export type Vars = {
  db: Db;
  nonce: string;
  csrf: string;
  user?: SignedInUser;
  org?: OrgSummary;
  portal?: PortalViewer;
  flash?: FlashState;
};

export type AppEnv = { Bindings: Env; Variables: Vars };
export type AppContext = Context<AppEnv>;
