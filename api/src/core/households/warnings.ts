/**
 * Where the domain reports a failure it rethrows or survives (the API's
 * pino logger): one method, so a test can pass a recording fake.
 */
export interface Warnings {
  warn(fields: Record<string, unknown>, message: string): void;
}
