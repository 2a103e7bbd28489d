import type { OutgoingMail } from '../notifications/mailer.js';

/**
 * The link an invitee follows: the portal's invite page, the token and the
 * address in the fragment so neither lands in a server's access log. The
 * page posts both to POST /api/v1/auth/accept-invite with a new password.
 */
export function inviteLink(publicUrl: string, token: string, email: string): string {
  return `${publicUrl}/invite#${new URLSearchParams({ token, email }).toString()}`;
}

/** The mail inviting someone into a household. */
export function inviteMail(a: {
  to: string;
  householdName: string;
  role: string;
  link: string;
  expiresAt: Date;
}): OutgoingMail {
  return {
    to: a.to,
    subject: `You are invited to the household ${a.householdName}`,
    text: [
      `You are invited to join the household ${a.householdName} on Energymonitor as a ${a.role}.`,
      '',
      `Accept the invitation and choose your password here: ${a.link}`,
      '',
      `The link works once, until ${a.expiresAt.toISOString()}.`,
      'If you did not expect this mail, ignore it: nothing happens without the link.',
    ].join('\n'),
  };
}
