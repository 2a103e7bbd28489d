/**
 * The names the stored readings go by (DESIGN.md, storage and meaning). The
 * collector writes them, the API and Grafana read them, the alert and
 * recording rules watch them: each name is typed here once and imported.
 */

/** Mean active power of one socket over its minute (gauge). */
export const POWER_SERIES = 'energy_socket_power_watts';
/** A socket's energy counter in joules (counter; resets on a new boot). */
export const ENERGY_SERIES = 'energy_socket_energy_joules_total';

/**
 * A device's completeness watermark (gauge, labels household and device):
 * every reading of the device whose interval ends at or before this Unix
 * time is stored. The collector writes it from what the exporter reports of
 * its outbox; the API makes a past bucket final only when every device of
 * the household is complete past the bucket's end.
 */
export const COMPLETENESS_SERIES = 'energy_device_complete_until_seconds';

/**
 * A household's closed local days, written back by the API once a day is
 * final (api/src/grafana/daily-writeback-loop.ts): kWh and cost per socket,
 * stamped at the local day's start (local midnight in the household's zone),
 * labels household, device, socket (cost also currency). The household board
 * reads these for closed days: PromQL alone cannot do local days or
 * time-of-use money.
 */
export const DAILY_KWH_SERIES = 'energy_household_daily_kwh';
export const DAILY_COST_SERIES = 'energy_household_daily_cost';
/**
 * The write-back's progress (label household): one sample per day written,
 * empty days too, its value the number of sockets written that day. The
 * newest one is the last day written, read back instead of a store record.
 */
export const DAILY_WRITTEN_SERIES = 'energy_household_daily_written_sockets';

/** The labels every reading series carries, in the collector's write order. */
export const SERIES_LABELS = {
  household: 'household',
  device: 'device',
  socket: 'socket',
} as const;
export type SeriesLabel = (typeof SERIES_LABELS)[keyof typeof SERIES_LABELS];

/**
 * The 30 socket names of a simulated household, in socket order: the device
 * simulator gives socket n the appliance of this name, and the demo seed
 * names the sockets of its devices with them.
 */
export const SIMULATED_SOCKET_NAMES: readonly string[] = [
  'Fridge',
  'Freezer',
  'Kettle',
  'Washing machine',
  'Dishwasher',
  'TV',
  'Router',
  'Heater',
  'Microwave',
  'Oven',
  'Toaster',
  'Coffee machine',
  'Computer',
  'Monitor',
  'Game console',
  'Living room lamp',
  'Bedroom lamp',
  'Phone charger',
  'Tumble dryer',
  'Aquarium',
  'NAS',
  'Alarm system',
  'Sound system',
  'Hair dryer',
  'Iron',
  'Dehumidifier',
  'Water heater',
  'Printer',
  'Vacuum robot dock',
  'Desk fan',
];
