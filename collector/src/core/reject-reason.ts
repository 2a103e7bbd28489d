/**
 * Why a message went to the dead-letter queue. The value is both the
 * `x-reject-reason` header an operator reads and the `reason` label of
 * `collector_rejected_messages_total`.
 */
export type RejectReason =
  | 'decode_error'
  | 'oversized'
  | 'batch_too_large'
  | 'power_out_of_range'
  | 'energy_out_of_range'
  | 'counter_backwards'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'socket_out_of_range'
  | 'missing_user_id'
  | 'user_id_mismatch'
  | 'gateway_device_not_listed'
  | 'bad_routing_key'
  | 'vm_rejected'
  /** The batch states a `min_collector_version` newer than this collector understands. */
  | 'unsupported_version';

export interface Rejection {
  readonly reason: RejectReason;
  /** One human-readable line for the operator (no secrets, no payload dump). */
  readonly detail: string;
}
