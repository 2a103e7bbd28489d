/** The broker address from AMQP_URL (host, port, vhost) with this principal's credentials. */
export function withCredentials(amqpUrl: string, username: string, password: string): string {
  const u = new URL(amqpUrl);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}
