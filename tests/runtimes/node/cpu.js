// node cpu.js bug|fix: Node's event loop held on CPU by synchronous work
// (loopscope's blocking-in-loop diagnosis, on-CPU form), and its fix.
//
// A setInterval at 10 ms that does nothing keeps the loop turning. Ten times,
// every 100 ms, about 40 ms of PBKDF2 (SHA-256, an iteration count measured
// at start so that one derivation takes ~40 ms on this machine):
//   bug: crypto.pbkdf2Sync on the main (loop) thread -- ~40 ms on CPU between
//        two of libuv's epoll waits;
//   fix: crypto.pbkdf2 (async) -- the same derivation on libuv's threadpool,
//        the loop thread sleeps in epoll_wait meanwhile.
// Both check the derived key against the one computed during calibration.
// Prints "ready iterations=N" after calibration (~50 ms on CPU, before the
// rounds), "done MODE max_gap_ms=G work_ms=MIN..MAX" at the end (G: the
// longest the 10 ms interval went without firing; MIN..MAX: how long each
// derivation took, wall time), then exits 0 after the 10th. An unexpected
// result (a wrong key; in bug mode a derivation that used less than 20 ms of
// CPU): one line on stderr, exit 1; usage: exit 2; a 30 s watchdog exits 3.
'use strict';
const crypto = require('crypto');
const { performance } = require('perf_hooks');

const mode = process.argv[2];
if (process.argv.length !== 3 || (mode !== 'bug' && mode !== 'fix')) {
  process.stderr.write('usage: node cpu.js bug|fix\n');
  process.exit(2);
}
setTimeout(() => {
  process.stderr.write('cpu.js: watchdog: still running after 30 s\n');
  process.exit(3);
}, 30000).unref();

const ROUNDS = 10, PERIOD_MS = 100, WORK_MS = 40;
const PASSWORD = 'loopscope', SALT = 'runtime-corpus', KEYLEN = 32, DIGEST = 'sha256';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fail(msg) {
  process.stderr.write(`cpu.js: ${msg}\n`);
  process.exit(1);
}

// Calibration: the CPU time (not wall time, which a busy machine stretches)
// of a small derivation, best of 3, scaled to WORK_MS.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const PROBE = 4000;
let best = Infinity;
for (let k = 0; k < 3; k++) {
  const c0 = cpuMs();
  crypto.pbkdf2Sync(PASSWORD, SALT, PROBE, KEYLEN, DIGEST);
  best = Math.min(best, cpuMs() - c0);
}
const iterations = Math.max(1000, Math.round(PROBE * WORK_MS / Math.max(best, 0.01)));
const expected = crypto.pbkdf2Sync(PASSWORD, SALT, iterations, KEYLEN, DIGEST);

let last = performance.now(), maxGap = 0;
const tick = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 10);

async function main() {
  process.stdout.write(`ready iterations=${iterations}\n`);
  const start = performance.now();
  let minWork = Infinity, maxWork = 0;
  for (let i = 1; i <= ROUNDS; i++) {
    const wait = start + i * PERIOD_MS - WORK_MS - performance.now();
    if (wait > 0) await sleep(wait);
    let key;
    const t0 = performance.now(), c0 = cpuMs();
    if (mode === 'bug') {
      key = crypto.pbkdf2Sync(PASSWORD, SALT, iterations, KEYLEN, DIGEST);
    } else {
      key = await new Promise((resolve, reject) =>
        crypto.pbkdf2(PASSWORD, SALT, iterations, KEYLEN, DIGEST,
          (err, k) => (err ? reject(err) : resolve(k))));
    }
    const took = performance.now() - t0;
    minWork = Math.min(minWork, took);
    maxWork = Math.max(maxWork, took);
    if (!key.equals(expected)) fail(`round ${i}: derived key differs`);
    const cpu = cpuMs() - c0;
    if (mode === 'bug' && cpu < WORK_MS / 2) {
      fail(`round ${i}: pbkdf2Sync took ${cpu.toFixed(1)} ms of CPU, not ~${WORK_MS} ms`);
    }
  }
  clearInterval(tick);
  process.stdout.write(`done ${mode} max_gap_ms=${maxGap.toFixed(1)} ` +
    `work_ms=${minWork.toFixed(1)}..${maxWork.toFixed(1)}\n`);
  process.exit(0);
}

main().catch((err) => fail(err.message));
