// node http_server.js PORT SECONDS: a healthy Node http server for loopscope's
// runtime corpus.
//
// Listens on 127.0.0.1:PORT, answers GET / with the 13-byte body
// "hello, world\n" (anything else: 404), prints "ready" once listening,
// serves for SECONDS (1..25), then closes the server and its connections,
// prints "done requests=N" and exits 0. An unexpected error: one line on
// stderr, exit 1; usage: exit 2; a 30 s watchdog exits 3.
//
// Load: wrk -t2 -c20 -d2s http://127.0.0.1:PORT/
'use strict';
const http = require('http');

function fail(msg) {
  process.stderr.write(`http_server.js: ${msg}\n`);
  process.exit(1);
}

setTimeout(() => {
  process.stderr.write('http_server.js: watchdog: still running after 30 s\n');
  process.exit(3);
}, 30000).unref();

const port = Number(process.argv[2]);
const secs = Number(process.argv[3]);
if (process.argv.length !== 4 || !Number.isInteger(port) || port < 1 || port > 65535 ||
    !Number.isInteger(secs) || secs < 1 || secs > 25) {
  process.stderr.write('usage: node http_server.js PORT SECONDS (SECONDS 1..25)\n');
  process.exit(2);
}

const body = Buffer.from('hello, world\n');
let requests = 0;
const server = http.createServer((req, res) => {
  if (req.url !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
    res.end('not found\n');
    return;
  }
  requests++;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.on('error', (err) => fail(`server: ${err.message}`));
server.on('clientError', (err, sock) => sock.destroy());

server.listen({ host: '127.0.0.1', port }, () => {
  process.stdout.write('ready\n'); // synchronous on pipes and files on Linux
  setTimeout(() => {
    server.close();
    server.closeAllConnections();
    process.stdout.write(`done requests=${requests}\n`);
    process.exit(0);
  }, secs * 1000);
});
