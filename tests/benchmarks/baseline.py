"""The stack's ceilings, measured beside the real app: a plain Flask hello and
a minimal save (one SELECT, one upsert, raw SQL). Lives here, never in the app."""

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
URL = os.environ["QUIZAPP_DATABASE_URL"]
engine = create_engine(URL, pool_pre_ping=True)
UPSERT = {
    "sqlite": "INSERT INTO bench_saves (k, selected, seq) VALUES (:k, :s, :q) "
              "ON CONFLICT (k) DO UPDATE SET selected = excluded.selected, seq = excluded.seq",
    "postgresql": "INSERT INTO bench_saves (k, selected, seq) VALUES (:k, :s, :q) "
                  "ON CONFLICT (k) DO UPDATE SET selected = excluded.selected, seq = excluded.seq",
}[engine.dialect.name]

with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS bench_saves (k INTEGER PRIMARY KEY, selected TEXT, seq BIGINT)"))
if engine.dialect.name == "sqlite":
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")


@app.get("/hello")
def hello():
    return "hello"


@app.post("/minimal-save")
def minimal_save():
    body = request.get_json()
    with engine.begin() as conn:
        conn.execute(text("SELECT seq FROM bench_saves WHERE k = :k"), {"k": body["k"]}).first()
        conn.execute(text(UPSERT), {"k": body["k"], "s": ",".join(body["selected"]), "q": body["seq"]})
    return jsonify(saved=True)
