// go_echo PORT SECONDS: a healthy Go TCP echo server (one goroutine per
// connection) for loopscope's runtime corpus.
//
// Listens on 127.0.0.1:PORT, prints "ready" once listening, and echoes every
// byte each connection sends with plain Read/Write (not io.Copy, which would
// splice(2) socket to socket and bypass the reads and writes loopscope
// counts), until the peer closes. After SECONDS (1..25) it stops accepting,
// closes the connections left, prints "done conns=N bytes=B" and exits 0.
// Any unexpected error: one line on stderr, exit 1; usage error: exit 2; a
// 30 s watchdog exits 3.
//
// Load: echo_load PORT CONNS MSGS SIZE [PAUSE_MS] (tests/runtimes/echo_load.c)
// Build: tests/runtimes/go/build.sh OUTDIR (standard library only, offline).
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "go_echo: "+format+"\n", a...)
	os.Exit(1)
}

var (
	conns, bytes int64
	mu           sync.Mutex
	open         = map[net.Conn]struct{}{}
	stopping     int32
)

func echo(c net.Conn) {
	defer func() {
		mu.Lock()
		delete(open, c)
		mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, 64*1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				if atomic.LoadInt32(&stopping) == 0 && !errors.Is(werr, net.ErrClosed) {
					// A peer that resets mid-echo is the load generator's
					// problem, not ours: note it, do not fail.
					fmt.Fprintf(os.Stderr, "go_echo: write: %v\n", werr)
				}
				return
			}
			atomic.AddInt64(&bytes, int64(n))
		}
		if err != nil {
			if err != io.EOF && atomic.LoadInt32(&stopping) == 0 {
				fmt.Fprintf(os.Stderr, "go_echo: read: %v\n", err)
			}
			return
		}
	}
}

func main() {
	time.AfterFunc(30*time.Second, func() {
		fmt.Fprintln(os.Stderr, "go_echo: watchdog: still running after 30 s")
		os.Exit(3)
	})
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go_echo PORT SECONDS")
		os.Exit(2)
	}
	port, err1 := strconv.Atoi(os.Args[1])
	secs, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || port < 1 || port > 65535 || secs < 1 || secs > 25 {
		fmt.Fprintln(os.Stderr, "go_echo: PORT must be 1..65535 and SECONDS 1..25")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fail("listen: %v", err)
	}
	accepted := make(chan error, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				accepted <- err
				return
			}
			atomic.AddInt64(&conns, 1)
			mu.Lock()
			open[c] = struct{}{}
			mu.Unlock()
			go echo(c)
		}
	}()
	fmt.Println("ready") // os.Stdout is unbuffered

	select {
	case err := <-accepted:
		fail("accept: %v", err)
	case <-time.After(time.Duration(secs) * time.Second):
	}
	atomic.StoreInt32(&stopping, 1)
	ln.Close()
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		fail("accept: %v", err)
	}
	mu.Lock()
	for c := range open {
		c.Close()
	}
	mu.Unlock()
	fmt.Printf("done conns=%d bytes=%d\n", atomic.LoadInt64(&conns), atomic.LoadInt64(&bytes))
	os.Exit(0)
}
