// go_http PORT SECONDS: a healthy Go net/http server for loopscope's runtime
// corpus.
//
// Listens on 127.0.0.1:PORT, answers GET / with the 13-byte body
// "hello, world\n" (anything else: 404), prints "ready" once listening,
// serves for SECONDS (1..25), then shuts down and exits 0 after printing
// "done requests=N". Any unexpected error: one line on stderr, exit 1; usage
// error: exit 2; a 30 s watchdog exits 3.
//
// Load: wrk -t2 -c20 -d2s http://127.0.0.1:PORT/
// Build: tests/runtimes/go/build.sh OUTDIR (standard library only, offline).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

var body = []byte("hello, world\n")

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "go_http: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	time.AfterFunc(30*time.Second, func() {
		fmt.Fprintln(os.Stderr, "go_http: watchdog: still running after 30 s")
		os.Exit(3)
	})
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go_http PORT SECONDS")
		os.Exit(2)
	}
	port, err1 := strconv.Atoi(os.Args[1])
	secs, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || port < 1 || port > 65535 || secs < 1 || secs > 25 {
		fmt.Fprintln(os.Stderr, "go_http: PORT must be 1..65535 and SECONDS 1..25")
		os.Exit(2)
	}

	var requests int64
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		atomic.AddInt64(&requests, 1)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fail("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Println("ready") // os.Stdout is unbuffered

	select {
	case err := <-served:
		fail("serve: %v", err)
	case <-time.After(time.Duration(secs) * time.Second):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		// Connections still busy after 2 s: close them, that is not a failure
		// of the server under test.
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fail("serve: %v", err)
	}
	fmt.Printf("done requests=%d\n", atomic.LoadInt64(&requests))
	os.Exit(0)
}
