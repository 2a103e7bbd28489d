/**
 * RabbitMQ's management API, used for one thing: closing the open
 * connections of a revoked device, so it is cut off at once rather than when
 * it next reconnects (the auth cache then refuses it within its TTL).
 */
export class BrokerAdmin {
  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly password: string,
  ) {}

  private headers(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}` };
  }

  /** Closes every connection logged in as `username`; returns how many. */
  async closeConnectionsOf(username: string): Promise<number> {
    const res = await fetch(`${this.url}/api/connections?columns=name,user`, { headers: this.headers() });
    if (!res.ok) throw new Error(`management API answered ${res.status} listing connections`);
    const list = (await res.json()) as { name: string; user: string }[];
    let closed = 0;
    for (const c of list.filter((x) => x.user === username)) {
      const del = await fetch(`${this.url}/api/connections/${encodeURIComponent(c.name)}`, {
        method: 'DELETE',
        headers: { ...this.headers(), 'x-reason': 'device revoked' },
      });
      if (del.ok || del.status === 404) closed++;
    }
    return closed;
  }
}
