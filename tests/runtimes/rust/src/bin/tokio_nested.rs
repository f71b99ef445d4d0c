//! tokio_nested bug|fix -- a runtime inside a runtime.
//!
//! An outer multi_thread runtime (2 workers) runs a task ticking a 10 ms
//! interval (so the outer reactor always has work soon) and a task that, 10
//! times (50 ms apart, awaited on the outer runtime):
//!   bug: builds a new current_thread runtime and blocks on a 50 ms sleep in
//!        it, from inside the outer runtime's worker:
//!            tokio::task::block_in_place(|| {
//!                let rt = Builder::new_current_thread().enable_all().build()?;
//!                rt.block_on(tokio::time::sleep(50 ms))
//!            })
//!        (a plain `rt.block_on` in an async task panics with "Cannot start
//!        a runtime from within a runtime"; `block_in_place` is the escape
//!        real code uses, and it works in tokio 1.24: the worker hands its
//!        core -- its queue of outer tasks -- to another thread, and this
//!        thread, an outer worker (and poller of the outer epoll) until
//!        then, creates the inner runtime's own epoll and sleeps in it for
//!        50 ms; 10 inner epolls in all);
//!   fix: awaits the same 50 ms on the outer runtime.
//! Ends by itself in about a second; exit 0.

use loopscope_corpus::*;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "bug|fix [ROUNDS]";
const WAIT: Duration = Duration::from_millis(50);

fn main() {
    let (args, rounds) = args_and_rounds(1, USAGE);
    let mode = choice(&args, 1, &["bug", "fix"], USAGE).to_owned();
    arm();
    let bug = mode == "bug";
    let rt = runtime("mt");
    let ticks = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();

    let waited = rt.block_on(async {
        let tk = ticks.clone();
        tokio::spawn(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(10));
            loop {
                iv.tick().await;
                tk.fetch_add(1, Relaxed);
            }
        });
        let waiter = tokio::spawn(async move {
            let mut waited = Duration::ZERO;
            for _ in 0..rounds {
                let t = Instant::now();
                if bug {
                    tokio::task::block_in_place(|| {
                        let inner = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .unwrap_or_else(|e| fail(format!("inner runtime: {}", e)));
                        inner.block_on(tokio::time::sleep(WAIT));
                    });
                } else {
                    tokio::time::sleep(WAIT).await;
                }
                waited += t.elapsed();
                // Back to the outer runtime between rounds.
                tokio::time::sleep(WAIT).await;
            }
            waited
        });
        waiter.await.unwrap_or_else(|e| fail(format!("waiting task: {}", e)))
    });
    rt.shutdown_timeout(Duration::from_millis(500));
    let n = ticks.load(Relaxed);
    say(format!(
        "tokio_nested {}: {} waits of {} ms took {:.1} ms in all ({}), outer ticker ticked {} times, {:.0} ms in all",
        mode,
        rounds,
        WAIT.as_millis(),
        ms(waited),
        if bug { "each on an inner runtime" } else { "awaited on the outer runtime" },
        n,
        ms(t0.elapsed())
    ));
    if waited < WAIT * rounds {
        fail("the waits ended early");
    }
    if n == 0 {
        fail("the outer ticker never ran");
    }
}
