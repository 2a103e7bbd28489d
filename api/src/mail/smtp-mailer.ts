import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../core/notifications/mailer.js';

/**
 * Mail over SMTP with nodemailer: one pooled transport to SMTP_URL (for
 * example smtp://127.0.0.1:2525), every mail from SMTP_FROM.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Short timeouts: a mail is sent while Alertmanager's webhook call waits.
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 10_000,
    });
  }

  async send(m: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: m.to, subject: m.subject, text: m.text });
  }

  close(): void {
    this.transport.close();
  }
}
