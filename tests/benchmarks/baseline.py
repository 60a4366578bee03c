"""The stack's ceilings, measured beside the real app: a plain Flask hello and
a minimal save (one SELECT, one upsert, raw SQL). Lives here, never in the app."""

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
URL = os.environ["QUIZAPP_DATABASE_URL"]
engine = create_engine(URL, pool_pre_ping=True)
# The same statement works on SQLite (3.24+) and PostgreSQL.
UPSERT = ("INSERT INTO bench_saves (k, selected, seq) VALUES (:k, :s, :q) "
          "ON CONFLICT (k) DO UPDATE SET selected = excluded.selected, seq = excluded.seq")

# The table is made by run.py before the workers start: two workers running
# CREATE TABLE IF NOT EXISTS at once race on PostgreSQL's catalog.


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
