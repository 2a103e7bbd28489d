/** Variables through which `npm test` hands the shared services to every test file. */
export const TEST_ENV = {
  amqpUrl: 'ENERGY_TEST_AMQP_URL',
  managementUrl: 'ENERGY_TEST_RABBITMQ_MGMT_URL',
  /** `user:password` of the broker's administrator. */
  admin: 'ENERGY_TEST_RABBITMQ_ADMIN',
  nodeName: 'ENERGY_TEST_RABBITMQ_NODE',
  /** Base URL the broker's HTTP auth backend calls (a test may listen on its port). */
  authBackendUrl: 'ENERGY_TEST_BROKER_AUTH_URL',
  authBackendSecret: 'ENERGY_TEST_BROKER_AUTH_SECRET',
  vmUrl: 'ENERGY_TEST_VM_URL',
} as const;
