export { startEmulator, type Emulator } from '../../src/demo/emulator.js';
