//! tokio_blocking mt|ct bug|fix -- a blocking call inside the loop.
//!
//! A tokio runtime (`mt`: multi_thread with 2 workers; `ct`:
//! current_thread) runs a task ticking a 10 ms interval and a task that 10
//! times, every 100 ms, waits 40 ms:
//!   bug: `std::thread::sleep(40 ms)` inside the async task (blocks the
//!        worker thread: its other tasks and its reactor wait);
//!   fix: `tokio::time::sleep(40 ms).await`.
//! Prints the ticker's longest gap; exits 0 (1 if `ct bug` shows no stall,
//! which cannot happen unless the sleep did not block).

use loopscope_corpus::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USAGE: &str = "mt|ct bug|fix [ROUNDS]";
const WAIT: Duration = Duration::from_millis(40);

fn main() {
    let (args, rounds) = args_and_rounds(2, USAGE);
    let flavor = choice(&args, 1, &["mt", "ct"], USAGE).to_owned();
    let mode = choice(&args, 2, &["bug", "fix"], USAGE).to_owned();
    arm();
    let bug = mode == "bug";
    let rt = runtime(&flavor);
    // (ticks, longest gap between two ticks)
    let stats = Arc::new(Mutex::new((0u64, Duration::ZERO)));
    let t0 = Instant::now();

    rt.block_on(async {
        let st = stats.clone();
        let ticker = tokio::spawn(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(10));
            let mut last = None::<Instant>;
            loop {
                iv.tick().await;
                let now = Instant::now();
                let mut s = st.lock().unwrap();
                s.0 += 1;
                if let Some(l) = last {
                    s.1 = s.1.max(now - l);
                }
                last = Some(now);
            }
        });
        let worker = tokio::spawn(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(100));
            for _ in 0..rounds {
                iv.tick().await;
                if bug {
                    std::thread::sleep(WAIT);
                } else {
                    tokio::time::sleep(WAIT).await;
                }
            }
        });
        worker.await.unwrap_or_else(|e| fail(format!("blocking task: {}", e)));
        ticker.abort();
    });
    rt.shutdown_timeout(Duration::from_millis(500));
    let (ticks, gap) = *stats.lock().unwrap();
    say(format!(
        "tokio_blocking {} {}: {} waits of {} ms ({}), ticker ticked {} times, longest gap {:.1} ms, {:.0} ms in all",
        flavor,
        mode,
        rounds,
        WAIT.as_millis(),
        if bug { "std::thread::sleep" } else { "tokio::time::sleep" },
        ticks,
        ms(gap),
        ms(t0.elapsed())
    ));
    if ticks == 0 {
        fail("the ticker never ran");
    }
    if bug && flavor == "ct" && gap < Duration::from_millis(30) {
        fail(format!("ct bug: longest ticker gap {:.1} ms, expected >= 40 ms", ms(gap)));
    }
}
