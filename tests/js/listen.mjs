// Connects to a Commonhold server with the official socket.io-client and prints, one JSON
// object per line, what it hears: {"event": ..., "data": ...}. Used by the Python tests.
//   node listen.mjs URL TOKEN
import { io } from "socket.io-client";

const [url, token] = process.argv.slice(2);
const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false });
const print = (event, data) => console.log(JSON.stringify({ event, data }));

socket.on("connect_error", (error) => {
  // The server refuses with a message and data naming the problem's code.
  print("connect_error", { message: error.message, ...error.data });
  process.exit(2);
});
for (const event of ["session:ready", "session:membership", "sync:change"]) {
  socket.on(event, (data) => print(event, data));
}
process.stdin.on("end", () => process.exit(0)); // the test closes stdin to stop it
process.stdin.resume();
