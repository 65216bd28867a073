// Opens COUNT Socket.IO clients (the official socket.io-client, WebSocket transport, one
// WebSocket each) to URL with auth {token}, and records when each hears EVENT.
//
//   node clients.mjs --url http://127.0.0.1:8000 --token TOKEN --count 10000
//        [--tokens-file FILE] [--event sync:change] [--concurrency 100] [--timeout-ms 30000]
//        [--no-compression]
//
// With --tokens-file (one token a line), client i connects with line i modulo their number.
//
// Writes one JSON object per line on stdout:
//   {"type":"connected", "clients":..., "failed":..., "seconds":..., "errors":{...}}
//       once every client has connected or failed (failed clients are not retried);
//   {"type":"heard", "index":i, "received":...}
//       when every connected client has heard its i-th EVENT (0-based);
//   {"type":"report", "index":i, "t0":..., "latencies_ms":[...], "p50":..., ...}
//       in answer to the command "report <i> <t0>" on stdin: how long after t0 (wall-clock
//       milliseconds since the epoch, the clock Python's time.time() reads) each client
//       heard its i-th EVENT; clients that have not heard it yet count as missing.
// Other commands on stdin: "close" (disconnect everyone and exit). The process also exits
// when stdin ends.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const options = {
  url: "http://127.0.0.1:8000",
  token: "",
  "tokens-file": "",
  count: 10000,
  event: "sync:change",
  concurrency: 100,
  "timeout-ms": 30000,
  compression: true,
};
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, "");
  if (name === "no-compression") options.compression = false;
  else if (name in options) options[name] = process.argv[++i];
  else throw new Error(`unknown option ${process.argv[i]}`);
}
const count = Number(options.count);
const concurrency = Number(options.concurrency);
const timeoutMs = Number(options["timeout-ms"]);
const tokens = options["tokens-file"]
  ? readFileSync(options["tokens-file"], "utf8").split("\n").filter(Boolean)
  : [options.token];

// Wall-clock milliseconds with sub-millisecond precision.
const now = () => performance.timeOrigin + performance.now();
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");

const sockets = [];
const heardAt = []; // heardAt[i][client]: when that client heard its i-th event
const heardCount = []; // heardCount[i]: how many clients have heard their i-th event
const samples = []; // samples[i]: the first payload heard as the i-th event
let connected = 0;
let disconnected = 0;
const errors = {};

function onEvent(client, state, data) {
  const at = now();
  const index = state.heard++;
  if (heardAt[index] === undefined) {
    heardAt[index] = new Float64Array(count).fill(NaN);
    heardCount[index] = 0;
    samples[index] = data;
  }
  heardAt[index][client] = at;
  if (++heardCount[index] === connected) print({ type: "heard", index, received: connected });
}

function connectOne(client) {
  return new Promise((resolve) => {
    const state = { heard: 0, up: false };
    const socket = io(options.url, {
      auth: { token: tokens[client % tokens.length] },
      transports: ["websocket"],
      forceNew: true, // one WebSocket per client, not one shared by all
      reconnection: false,
      timeout: timeoutMs,
      perMessageDeflate: options.compression ? { threshold: 1024 } : false,
    });
    sockets[client] = socket;
    socket.on(options.event, (data) => onEvent(client, state, data));
    socket.on("connect", () => {
      state.up = true;
      connected++;
      resolve();
    });
    socket.on("connect_error", (error) => {
      const key = String(error.message);
      errors[key] = (errors[key] ?? 0) + 1;
      resolve();
    });
    socket.on("disconnect", (reason) => {
      if (state.up) disconnected++;
      errors[`disconnect: ${reason}`] = (errors[`disconnect: ${reason}`] ?? 0) + 1;
    });
  });
}

function percentile(ordered, p) {
  if (ordered.length === 0) return null;
  const position = ((ordered.length - 1) * p) / 100;
  const low = Math.floor(position);
  const high = Math.min(low + 1, ordered.length - 1);
  return ordered[low] + (ordered[high] - ordered[low]) * (position - low);
}

function report(index, t0) {
  const times = heardAt[index] ?? new Float64Array(0);
  const latencies = [];
  for (const at of times) if (!Number.isNaN(at)) latencies.push(at - t0);
  latencies.sort((a, b) => a - b);
  const sample = samples[index];
  print({
    type: "report",
    index,
    t0,
    clients: connected,
    disconnected,
    received: latencies.length,
    missing: connected - latencies.length,
    payload_bytes: sample === undefined ? 0 : Buffer.byteLength(JSON.stringify(sample)),
    min: latencies[0] ?? null,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? null,
    latencies_ms: latencies.map((ms) => Math.round(ms * 1000) / 1000),
    sample,
  });
}

async function connectAll() {
  const started = now();
  let next = 0;
  const lane = async () => {
    while (next < count) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  print({
    type: "connected",
    clients: connected,
    failed: count - connected,
    seconds: (now() - started) / 1000,
    errors,
    now: now(), // lets the harness check that both read the same clock
  });
}

function close() {
  for (const socket of sockets) socket?.disconnect();
  setTimeout(() => process.exit(0), 200);
}

const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === "report") report(Number(args[0]), Number(args[1]));
  else if (command === "close") close();
});
commands.on("close", close);

await connectAll();
