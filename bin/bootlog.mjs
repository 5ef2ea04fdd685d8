#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: no build step.
import { register } from "tsx/esm/api";
import { register as registerCjs } from "tsx/cjs/api";

register();
// An expectation .ts outside a "type": "module" package (a config repo under git bisect) loads as CommonJS.
registerCjs();
await import("../harness/cli.ts");
