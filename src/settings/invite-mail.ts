import { renderMail } from '../../views/mail/message';

// The email that invites a teammate (its words and layout), for settings/actions.ts to queue.

export interface InviteMailInput {
  org: { name: string; brandColor: string; address: string; phone: string; email: string };
  inviterName: string;
  link: string;
}

export function inviteMail({ org, inviterName, link }: InviteMailInput) {
  const subject = `${inviterName} invited you to ${org.name}`;
  const body = renderMail({
    brand: {
      companyName: org.name,
      brandColor: org.brandColor,
      address: org.address,
      phone: org.phone,
      email: org.email,
    },
    heading: subject,
    paragraphs: [
      `You have been invited to join ${org.name} on Contractor Portal, ` +
        'where the team prepares estimates, orders and invoices for its jobs.',
      'Choose a password to finish setting up your account. This link works for 7 days.',
    ],
    button: { label: 'Accept invitation', href: link },
    footnote: 'If you were not expecting this invitation, you can ignore this email.',
  });
  return { subject, ...body };
}
