import type { Context } from 'hono';
import type { Db } from '../db/client';
import type { Env } from '../env';

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
  esignConsentAt: number | null;
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
}

export type Vars = {
  db: Db;
  nonce: string;
  csrf: string;
  user?: SignedInUser;
  org?: OrgSummary;
  portal?: PortalViewer;
};

export type AppEnv = { Bindings: Env; Variables: Vars };
export type AppContext = Context<AppEnv>;
