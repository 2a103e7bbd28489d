/** One plain-text mail to one person. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * The way out to people's inboxes (mail/smtp-mailer.ts over SMTP). The
 * domain decides what to say and to whom; the adapter only delivers.
 */
export interface Mailer {
  /** Rejects when the mail was not accepted by the server. */
  send(m: OutgoingMail): Promise<void>;
}

/** What became of one mail: the `result` label of api_mails_total. */
export type MailResult = 'sent' | 'failed';

/** PUBLIC_URL's default: the API's own port on loopback, where the portal is served. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';
