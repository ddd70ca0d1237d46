#!/usr/bin/env node
// The `vigil` bin. It runs unconditionally, so a symlink (npm install -g, npx, node_modules/.bin) starts it like a direct path.
import { start } from './main.js';

await start();
