/** The broker user the collector consumes and declares topology as: only its own exchanges and queues. */
export const COLLECTOR_USER = 'collector';
export const COLLECTOR_PERMISSION = '^(energy\\..*|amq\\..*)$';

export interface ManagementAccess {
  readonly managementUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
}

/** Creates (or repairs) the collector's internal broker user through the management API. */
export async function ensureCollectorUser(m: ManagementAccess, password: string): Promise<void> {
  const auth = `Basic ${Buffer.from(`${m.admin.username}:${m.admin.password}`).toString('base64')}`;
  const put = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${m.managementUrl}/api${path}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`RabbitMQ management PUT ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  await put(`/users/${COLLECTOR_USER}`, { password, tags: '' });
  await put(`/permissions/%2F/${COLLECTOR_USER}`, {
    configure: COLLECTOR_PERMISSION,
    write: COLLECTOR_PERMISSION,
    read: COLLECTOR_PERMISSION,
  });
}
