import { LoginThrottle } from './login-throttle.js';
import { throttleContract } from './login-throttle-contract.js';

throttleContract('in memory', (limits, now) => Promise.resolve(new LoginThrottle(limits, now)));
