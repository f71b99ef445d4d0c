//! mio_echo PORT SECONDS -- a healthy mio 0.8 echo server.
//!
//! One thread ("poller") owns a `mio::Poll` with the listener, every
//! connection (edge-triggered, as mio registers everything) and a
//! `mio::Waker`.  A second thread ("waker") wakes it once every 50 ms, one
//! wake at a time: it calls `wake()` only after the poller has reported the
//! previous wake (the poller acknowledges on a channel).  As mio does, the
//! poller never reads the waker's eventfd.  Prints "ready" once listening,
//! serves for SECONDS, then exits 0.

use loopscope_corpus::*;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "PORT SECONDS";
const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const MAX_PENDING: usize = 1 << 20;

struct Conn {
    stream: TcpStream,
    out: Vec<u8>,
}

/// Echo what can be echoed; false when the connection is finished.
/// Edge-triggered: read until WouldBlock, unless output is backed up, in
/// which case reading resumes on the next (writable) event.
fn pump(c: &mut Conn, buf: &mut [u8], bytes: &mut u64) -> bool {
    loop {
        while !c.out.is_empty() {
            match c.stream.write(&c.out) {
                Ok(0) => return false,
                Ok(n) => {
                    c.out.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        if c.out.len() >= MAX_PENDING {
            return true;
        }
        match c.stream.read(buf) {
            Ok(0) => return false,
            Ok(n) => {
                *bytes += n as u64;
                c.out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

fn main() {
    let args = args_exactly(2, USAGE);
    let port: u16 = arg(&args, 1, USAGE);
    let secs: f64 = arg(&args, 2, USAGE);
    if !(secs > 0.0 && secs <= 25.0) {
        usage(USAGE)
    }
    arm();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);

    let poller = std::thread::Builder::new()
        .name("poller".into())
        .spawn(move || {
            let mut poll = Poll::new().unwrap_or_else(|e| fail(format!("epoll: {}", e)));
            let waker = Arc::new(
                Waker::new(poll.registry(), WAKER).unwrap_or_else(|e| fail(format!("waker: {}", e))),
            );
            let addr = format!("127.0.0.1:{}", port).parse().unwrap();
            let mut listener =
                TcpListener::bind(addr).unwrap_or_else(|e| fail(format!("bind {}: {}", addr, e)));
            poll.registry()
                .register(&mut listener, LISTENER, Interest::READABLE)
                .unwrap_or_else(|e| fail(format!("register listener: {}", e)));

            let (ack_tx, ack_rx) = mpsc::channel::<()>();
            let wk = waker.clone();
            drop(waker); // the waker thread is its only user
            let waker_thread = std::thread::Builder::new()
                .name("waker".into())
                .spawn(move || {
                    let mut wakes = 0u64;
                    loop {
                        std::thread::sleep(Duration::from_millis(50));
                        if Instant::now() >= deadline {
                            break;
                        }
                        if let Err(e) = wk.wake() {
                            fail(format!("wake: {}", e));
                        }
                        wakes += 1;
                        // Wait for the poller to report this wake.
                        let left = deadline.saturating_duration_since(Instant::now());
                        match ack_rx.recv_timeout(left) {
                            Ok(()) => {}
                            Err(_) => break,
                        }
                    }
                    wakes
                })
                .unwrap_or_else(|e| fail(format!("spawning waker: {}", e)));
            say("ready");

            let mut events = Events::with_capacity(256);
            let mut conns: HashMap<Token, Conn> = HashMap::new();
            let mut next = 2usize;
            let mut buf = vec![0u8; 4096];
            let (mut accepted, mut bytes, mut seen_wakes) = (0u64, 0u64, 0u64);
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                match poll.poll(&mut events, Some(deadline - now)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => fail(format!("poll: {}", e)),
                }
                for ev in events.iter() {
                    match ev.token() {
                        LISTENER => loop {
                            match listener.accept() {
                                Ok((mut s, _)) => {
                                    let t = Token(next);
                                    next += 1;
                                    let _ = s.set_nodelay(true);
                                    if poll
                                        .registry()
                                        .register(&mut s, t, Interest::READABLE | Interest::WRITABLE)
                                        .is_ok()
                                    {
                                        accepted += 1;
                                        conns.insert(t, Conn { stream: s, out: Vec::new() });
                                    }
                                }
                                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                                Err(_) => break, // EMFILE...: the next edge retries
                            }
                        },
                        WAKER => {
                            seen_wakes += 1;
                            let _ = ack_tx.send(());
                        }
                        t => {
                            let done = match conns.get_mut(&t) {
                                Some(c) => !pump(c, &mut buf, &mut bytes),
                                None => false,
                            };
                            if done {
                                if let Some(mut c) = conns.remove(&t) {
                                    let _ = poll.registry().deregister(&mut c.stream);
                                }
                            }
                        }
                    }
                }
            }
            drop(ack_tx);
            let sent_wakes = waker_thread.join().unwrap_or_else(|_| fail("waker thread panicked"));
            if sent_wakes == 0 && secs >= 0.2 {
                fail("the waker thread never woke the poller");
            }
            (accepted, bytes, sent_wakes, seen_wakes)
        })
        .unwrap_or_else(|e| fail(format!("spawning poller: {}", e)));
    let (accepted, bytes, sent, seen) = poller.join().unwrap_or_else(|_| fail("poller panicked"));
    say(format!(
        "mio_echo: {} connections, {} bytes echoed, {} wakes sent, {} reported",
        accepted, bytes, sent, seen
    ));
}
