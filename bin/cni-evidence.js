#!/usr/bin/env node
// Thin launcher: all behaviour lives in the compiled CLI so `kubectl cni-evidence` and
// `cni-evidence` run exactly the same code.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
