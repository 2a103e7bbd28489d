import { deviceUsername } from '@energy/lib/defaults';
import { newId, newSecret, sha256 } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import type { DeviceStore } from '../../store/accounts-store.js';

/** What a Pi needs to publish: where the broker is and its own login. The password is shown once. */
export interface DeviceCredentials {
  readonly id: string;
  readonly name: string;
  readonly broker: {
    readonly url: string;
    /** Every node of a cluster (the first is `url`): the exporter's AMQP_URLS, tried in turn. */
    readonly urls: readonly string[];
    readonly username: string;
    readonly password: string;
    /** The CA certificate (PEM) the broker's amqps:// certificate is signed by, when it is a private one. */
    readonly ca?: string;
  };
}

export interface DeviceCreationDeps {
  readonly store: Pick<DeviceStore, 'device' | 'createDevice'>;
  /** The AMQP URL devices are told to connect to. */
  readonly brokerUrl: string;
  /** Every node devices may use (BROKER_PUBLIC_URLS); absent: `brokerUrl` alone. */
  readonly brokerUrls?: readonly string[] | undefined;
  /** BROKER_CA_FILE's PEM: a device verifies the broker with it without a manual step. */
  readonly brokerCa?: string | undefined;
  readonly now: () => Date;
}

/**
 * A device of the household with a fresh broker secret. Its broker username
 * is `<household>.<device>`, which the broker's auth backend and the
 * collector take the identity from; only the secret's hash is kept.
 */
export async function createDevice(
  deps: DeviceCreationDeps,
  householdId: string,
  name: string,
  id = newId(),
): Promise<DeviceCredentials> {
  if (await deps.store.device(householdId, id))
    throw new ApiError('conflict', `A device with id "${id}" exists`);
  const password = newSecret();
  await deps.store.createDevice({
    id,
    householdId,
    name,
    secretHash: sha256(password),
    sockets: [],
    createdAt: deps.now(),
  });
  const urls =
    deps.brokerUrls !== undefined && deps.brokerUrls.length > 0 ? deps.brokerUrls : [deps.brokerUrl];
  return {
    id,
    name,
    broker: {
      url: urls[0] ?? deps.brokerUrl,
      urls,
      username: deviceUsername(householdId, id),
      password,
      ...(deps.brokerCa !== undefined ? { ca: deps.brokerCa } : {}),
    },
  };
}
