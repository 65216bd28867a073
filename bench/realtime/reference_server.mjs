// The reference: a minimal Node.js Socket.IO server (npm `socket.io`, its defaults) doing the
// work Commonhold's gateway does for a broadcast, to compare fan-out with.
//
//   node reference_server.mjs --port 8100 --token TOKEN [--tokens-file FILE] [--room space:bench]
//
// - A connection must send auth {token: TOKEN} (or one of FILE's tokens, one a line; refused
//   otherwise, as Commonhold refuses a bad token); it joins ROOM and is sent "session:ready",
//   as Commonhold's connections join their space's room.
// - POST /broadcast with a JSON body emits that body as "sync:change" to ROOM (what
//   Commonhold's gateway does with a committed change) and
//   answers {"clients": ..., "emit_ms": ...} once the emit has returned.
// - GET /readyz answers 200; GET /stats answers the number of clients and process.memoryUsage().
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Server } from "socket.io";

const options = {
  port: 8100,
  host: "127.0.0.1",
  token: "",
  "tokens-file": "",
  room: "space:bench",
};
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, "");
  if (!(name in options)) throw new Error(`unknown option ${process.argv[i]}`);
  options[name] = process.argv[++i];
}
const tokens = new Set(
  options["tokens-file"]
    ? readFileSync(options["tokens-file"], "utf8").split("\n").filter(Boolean)
    : [options.token],
);

function answer(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const http = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/readyz") return answer(response, 200, {});
  if (request.method === "GET" && request.url === "/stats") {
    return answer(response, 200, {
      clients: io.engine.clientsCount,
      memory: process.memoryUsage(),
    });
  }
  if (request.method === "POST" && request.url === "/broadcast") {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const started = performance.now();
      io.to(options.room).emit("sync:change", JSON.parse(Buffer.concat(chunks).toString()));
      answer(response, 200, {
        clients: io.engine.clientsCount,
        emit_ms: performance.now() - started,
      });
    });
    return undefined;
  }
  return answer(response, 404, {});
});

const io = new Server(http);
io.use((socket, next) => {
  if (tokens.has(socket.handshake.auth?.token)) return next();
  const error = new Error("Invalid token");
  error.data = { code: "invalid_token" };
  return next(error);
});
io.on("connection", (socket) => {
  socket.join(options.room);
  socket.emit("session:ready", { spaces: [options.room] });
});

http.listen(Number(options.port), options.host);
