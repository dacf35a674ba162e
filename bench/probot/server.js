// The reference peer for `cargo bench --bench compare`: a Probot 14 app doing what ladder does
// before it answers a delivery. Probot verifies the signature; the app stores the delivery in SQLite
// (WAL, `synchronous` as SYNCHRONOUS says: FULL is ladder's durability, NORMAL Probot's faster
// choice) and Probot answers once the handler is done. WORKERS=2 runs it as a Node cluster of two
// processes sharing the port and the database.
//
// Environment: PORT, WEBHOOK_SECRET, DB_FILE, SYNCHRONOUS (FULL | NORMAL), WORKERS (1 | 2).
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import Database from "better-sqlite3";
import { Probot, createNodeMiddleware } from "probot";

const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS ?? "1");
const synchronous = process.env.SYNCHRONOUS === "NORMAL" ? "NORMAL" : "FULL";

function open() {
  const db = new Database(process.env.DB_FILE);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("busy_timeout = 10000");
  db.exec(
    "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, " +
      "payload TEXT NOT NULL, received_at INTEGER NOT NULL)",
  );
  return db;
}

async function serve() {
  const db = open();
  const insert = db.prepare("INSERT OR IGNORE INTO deliveries (id, event, payload, received_at) VALUES (?, ?, ?, ?)");
  const probot = new Probot({
    appId: 1,
    // Never used: the app makes no call to GitHub. The tests' throwaway key.
    privateKey: readFileSync(new URL("../../tests/fixtures/test-app-key.pem", import.meta.url), "utf8"),
    secret: process.env.WEBHOOK_SECRET,
    logLevel: "warn",
  });
  const app = (app) => {
    app.onAny(async (context) => {
      insert.run(context.id, context.name, JSON.stringify(context.payload), Date.now());
    });
  };
  const middleware = await createNodeMiddleware(app, { probot }); // at /api/github/webhooks
  createServer((req, res) => {
    middleware(req, res, () => res.writeHead(404).end());
  }).listen(port, "127.0.0.1");
}

if (workers > 1 && cluster.isPrimary) {
  open().close(); // the schema, once, before the workers share it
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  await serve();
}
