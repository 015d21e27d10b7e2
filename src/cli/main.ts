#!/usr/bin/env node
// The `jobline` binary (package.json `bin`): `npx jobline` in an application, or installed globally.
import { main } from './program.js';

// every connection is closed by the time main resolves; exit at once (stdout and stderr write synchronously to files
// and pipes), with no top-level await so the package's dist stays loadable by require()
void main(process.argv).then((code) => process.exit(code));
