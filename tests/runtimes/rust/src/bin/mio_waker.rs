//! mio_waker bug|fix [DELAY_MS] -- the classic lost waker, with mio 0.8.
//!
//! A thread "poller" creates a `Poll` and a `Waker` (an eventfd registered in
//! the poll's epoll), hands the only `Arc<Waker>` to a thread "waker", and
//! polls with a timeout of DELAY_MS + 2.7 s.  The waker thread sleeps
//! DELAY_MS (default 300; a longer one lets a tracer attach while the
//! poller already sleeps), then
//!   bug: drops the Waker without waking: it was the only owner, so mio
//!        closes the eventfd (the kernel drops it from the epoll interest
//!        list) and the poller sleeps until its 3 s timeout;
//!   fix: calls wake(), waits until the poller has reported the wake, then
//!        drops it: the poller returns after ~300 ms.
//! Why the fix waits: wake() immediately followed by the last close() loses
//! the wake too (every run on Linux 6.x, 2 vCPUs): the write puts the
//! eventfd on epoll's ready list and wakes the poller, but close() removes
//! it from the interest list -- and from the ready list -- before the
//! poller runs, and epoll_wait finds nothing and sleeps on to its timeout.
//! Keeping the fd open until the poller has woken is the real fix.
//! Exits 0 in both cases, printing what happened; 1 if the poller was not
//! woken in `fix`, or was woken in `bug`.

use loopscope_corpus::*;
use mio::{Events, Poll, Token, Waker};
use std::io::ErrorKind;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "bug|fix [DELAY_MS]";
const WAKER: Token = Token(7);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 && args.len() != 3 {
        usage(USAGE);
    }
    let mode = choice(&args, 1, &["bug", "fix"], USAGE).to_owned();
    let delay: u64 = if args.len() == 3 { arg(&args, 2, USAGE) } else { 300 };
    if delay > 20000 {
        usage(USAGE);
    }
    let timeout = Duration::from_millis(delay + 2700);
    arm();
    let bug = mode == "bug";

    let poller = std::thread::Builder::new()
        .name("poller".into())
        .spawn(move || {
            let mut poll = Poll::new().unwrap_or_else(|e| fail(format!("epoll: {}", e)));
            let waker = Arc::new(
                Waker::new(poll.registry(), WAKER).unwrap_or_else(|e| fail(format!("waker: {}", e))),
            );
            let (ack_tx, ack_rx) = mpsc::channel::<()>();
            // Moved, not cloned: the waker thread holds the only reference,
            // so its drop closes the eventfd.
            let waker_thread = std::thread::Builder::new()
                .name("waker".into())
                .spawn(move || {
                    std::thread::sleep(Duration::from_millis(delay));
                    if !bug {
                        waker.wake().unwrap_or_else(|e| fail(format!("wake: {}", e)));
                        // Keep the eventfd open until the poller has woken.
                        let _ = ack_rx.recv_timeout(timeout + Duration::from_secs(1));
                    }
                    drop(waker); // last owner: close(eventfd)
                })
                .unwrap_or_else(|e| fail(format!("spawning waker: {}", e)));

            let mut events = Events::with_capacity(8);
            let start = Instant::now();
            // One poll with a 3 s timeout (polled again only after EINTR).
            let woken = loop {
                let left = timeout.saturating_sub(start.elapsed());
                match poll.poll(&mut events, Some(left)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => fail(format!("poll: {}", e)),
                }
                let woken = events.iter().any(|e| e.token() == WAKER);
                if woken || !events.is_empty() || start.elapsed() >= timeout {
                    break woken;
                }
            };
            let took = start.elapsed();
            let _ = ack_tx.send(());
            waker_thread.join().unwrap_or_else(|_| fail("waker thread panicked"));
            (woken, took)
        })
        .unwrap_or_else(|e| fail(format!("spawning poller: {}", e)));
    let (woken, took) = poller.join().unwrap_or_else(|_| fail("poller panicked"));

    if woken {
        say(format!("mio_waker {}: poller woken by the waker after {:.1} ms", mode, ms(took)));
    } else {
        say(format!(
            "mio_waker {}: waker dropped without waking; poller slept until its timeout ({:.1} ms)",
            mode,
            ms(took)
        ));
    }
    match (bug, woken) {
        (true, true) => fail("bug: the poller was woken, expected it to sleep to its timeout"),
        (false, false) => fail(format!("fix: the poller was not woken ({:.1} ms)", ms(took))),
        _ => {}
    }
}
