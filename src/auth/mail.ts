import { renderMail } from '../../views/mail/message';

// The emails about a contractor's own account (their words and layout), for auth/actions.ts to
// queue: proving an address at sign-up, a password reset, an email change. Every link is built by
// the caller from APP_ORIGIN, never from the request's Host.

export interface Site {
  name: string;
  origin: string;
}

/** The app's name and its one address (APP_ORIGIN), which every emailed link names. */
export const siteOf = (env: { APP_NAME: string; APP_ORIGIN: string }): Site => ({
  name: env.APP_NAME || 'Contractor Portal',
  origin: env.APP_ORIGIN.replace(/\/+$/, ''),
});

const brand = (site: Site) => ({ companyName: site.name, brandColor: '#1f5f8b' });

function mail(site: Site, subject: string, content: Omit<Parameters<typeof renderMail>[0], 'brand' | 'heading'>) {
  return { subject, ...renderMail({ brand: brand(site), heading: subject, ...content }) };
}

export function signUpVerifyMail(site: Site, input: { name: string; company: string; link: string }) {
  return mail(site, `Finish signing up for ${site.name}`, {
    paragraphs: [
      `Hello ${input.name}, someone (we hope you) asked to create the company account ${input.company} ` +
        `on ${site.name} with this email address.`,
      'Open the link below to confirm the address and finish signing up. It works once, for 24 hours.',
    ],
    button: { label: 'Confirm my email', href: input.link },
    footnote: 'If you did not sign up, ignore this email: no account is made without this link.',
  });
}

export function signUpExistingMail(site: Site, input: { name: string }) {
  return mail(site, `Someone tried to sign up for ${site.name} with your email`, {
    paragraphs: [
      `Hello ${input.name}, someone tried to create a new ${site.name} account with this email address. ` +
        'This address already has an account, so nothing was created.',
      `If it was you, sign in at ${site.origin}/sign-in, or reset your password if you have forgotten it.`,
    ],
    button: { label: 'Reset my password', href: `${site.origin}/reset-password` },
    footnote: 'If it was not you, you can ignore this email. Your account has not changed.',
  });
}

export function passwordResetMail(site: Site, input: { name: string; link: string }) {
  return mail(site, `Reset your ${site.name} password`, {
    paragraphs: [
      `Hello ${input.name}, someone (we hope you) asked to reset the password of your ${site.name} account.`,
      'Open the link below to choose a new one. It works once, for 1 hour. Setting a new password signs ' +
        'you out on every other device.',
    ],
    button: { label: 'Choose a new password', href: input.link },
    footnote: 'If you did not ask for this, ignore this email: your password stays as it is.',
  });
}

export function emailChangeConfirmMail(site: Site, input: { name: string; link: string }) {
  return mail(site, `Confirm your new email for ${site.name}`, {
    paragraphs: [
      `Hello ${input.name}, you asked to use this address to sign in to ${site.name}.`,
      'Open the link below while signed in to confirm. Your email changes only then. The link works ' +
        'once, for 24 hours.',
    ],
    button: { label: 'Confirm my new email', href: input.link },
    footnote: 'If you did not ask for this, ignore this email: nothing changes without this link.',
  });
}

export function emailChangeNoticeMail(site: Site, input: { name: string; newEmail: string }) {
  return mail(site, `Your ${site.name} email is being changed`, {
    paragraphs: [
      `Hello ${input.name}, someone signed in to your ${site.name} account asked to change its email ` +
        `address to ${input.newEmail}. It changes only once that address confirms.`,
      'If this was not you, reset your password now: that signs out every device, and the change cannot be ' +
        `confirmed without being signed in. ${site.origin}/reset-password`,
    ],
    footnote: 'If it was you, there is nothing to do here.',
  });
}

export function emailChangeTakenMail(site: Site, input: { name: string }) {
  return mail(site, `Someone asked to move a ${site.name} account to your email`, {
    paragraphs: [
      `${input.name} asked to use this email address for their ${site.name} account, but it already has ` +
        'an account of its own. Nothing was changed.',
    ],
    footnote: 'If you did not expect this, you can ignore this email.',
  });
}
