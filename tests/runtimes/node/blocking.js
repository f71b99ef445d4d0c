// node blocking.js bug|fix: Node's event loop blocked by a synchronous wait
// (loopscope's blocking-in-loop diagnosis), and its fix.
//
// A setInterval at 10 ms that does nothing keeps the loop turning. Ten times,
// every 100 ms:
//   bug: Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40)
//        -- the main (loop) thread sleeps 40 ms in a futex(2) wait, between
//        two of libuv's epoll waits;
//   fix: await new Promise(r => setTimeout(r, 40)) -- the same 40 ms spent
//        as a timer: the loop sleeps in epoll_wait instead.
// Prints "ready" at start and "done MODE max_gap_ms=G" (the longest the
// 10 ms interval went without firing) at the end, then exits 0 after the
// 10th. In bug mode a wait that did not last ~40 ms is an unexpected result
// (one line on stderr, exit 1). Usage: exit 2; a 30 s watchdog exits 3.
'use strict';
const { performance } = require('perf_hooks');

const mode = process.argv[2];
if (process.argv.length !== 3 || (mode !== 'bug' && mode !== 'fix')) {
  process.stderr.write('usage: node blocking.js bug|fix\n');
  process.exit(2);
}
setTimeout(() => {
  process.stderr.write('blocking.js: watchdog: still running after 30 s\n');
  process.exit(3);
}, 30000).unref();

const ROUNDS = 10, PERIOD_MS = 100, BLOCK_MS = 40;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let last = performance.now(), maxGap = 0;
const tick = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 10);

async function main() {
  process.stdout.write('ready\n');
  const start = performance.now();
  for (let i = 1; i <= ROUNDS; i++) {
    const wait = start + i * PERIOD_MS - BLOCK_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const t0 = performance.now();
    if (mode === 'bug') {
      const r = Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_MS);
      const took = performance.now() - t0;
      if (r !== 'timed-out' || took < BLOCK_MS - 5) {
        throw new Error(`round ${i}: Atomics.wait returned ${r} after ${took.toFixed(1)} ms`);
      }
    } else {
      await new Promise((r) => setTimeout(r, BLOCK_MS));
    }
  }
  clearInterval(tick);
  process.stdout.write(`done ${mode} max_gap_ms=${maxGap.toFixed(1)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`blocking.js: ${err.message}\n`);
  process.exit(1);
});
