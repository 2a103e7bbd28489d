export * from './power-meter.js';
export { SOCKET_NAMES, APPLIANCES } from './simulator/appliances.js';
export { HouseholdSimulator, fixedUtcOffsetMinutes } from './simulator/household-simulator.js';
export { SimulatedMeter } from './simulator/simulated-meter.js';
