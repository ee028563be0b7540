"""Generate the Fawn Mall (小鹿商城) dataset for SQL labs: users, orders, funnel events, channels.

Deterministic from a seed and stdlib only, so the shipped ``shop.sqlite3`` can be rebuilt and a lab
can give each attempt its own data: ``generate(path, seed)``. ``python shop.py`` rewrites the
shipped file from ``SEED``; a test checks it reproduces the shipped rows.

The shape gives cohorts and funnels something to find: activity decays after signup (retention),
channels differ in cost, volume and conversion, and only web sessions are tracked in ``events``
(each ``pay`` event has an order on the same day; app orders have no events).
"""

import datetime
import os
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

SEED = 20260101
START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 6, 30)
USERS = 2000

# name: (share of signups, total spend in yuan, cart rate, checkout rate, pay rate, churn per session)
CHANNELS = {
    "organic": (0.30, 0, 0.50, 0.60, 0.85, 0.09),
    "search": (0.22, 180_000, 0.58, 0.62, 0.86, 0.10),
    "social": (0.20, 150_000, 0.45, 0.52, 0.80, 0.12),
    "referral": (0.13, 60_000, 0.60, 0.66, 0.88, 0.07),
    "ads": (0.15, 220_000, 0.40, 0.50, 0.78, 0.16),
}
CITIES = {"上海": 18, "北京": 16, "深圳": 13, "广州": 12, "杭州": 11, "成都": 11, "武汉": 10, "西安": 9}

SCHEMA = """
CREATE TABLE channels (name TEXT PRIMARY KEY, cost REAL NOT NULL);
CREATE TABLE users (
    id INTEGER PRIMARY KEY, signup_date TEXT NOT NULL, channel TEXT NOT NULL REFERENCES channels(name),
    city TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), order_date TEXT NOT NULL,
    amount REAL NOT NULL, coupon_used INTEGER NOT NULL CHECK (coupon_used IN (0, 1)));
CREATE TABLE events (
    user_id INTEGER NOT NULL REFERENCES users(id), event_date TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('visit', 'add_to_cart', 'checkout', 'pay')));
"""
FUNNEL = ("visit", "add_to_cart", "checkout", "pay")


def build_rows(seed):
    """Every table's rows, in insertion order, as plain tuples."""
    rng = random.Random(seed)
    days = (END - START).days
    users, orders, events = [], [], []
    for user_id in range(1, USERS + 1):
        channel = rng.choices(list(CHANNELS), [c[0] for c in CHANNELS.values()])[0]
        city = rng.choices(list(CITIES), list(CITIES.values()))[0]
        signup = START + datetime.timedelta(days=rng.randrange(days + 1))
        users.append((user_id, signup.isoformat(), channel, city))
        _user_activity(rng, user_id, signup, CHANNELS[channel], orders, events)
    orders.sort(key=lambda o: (o[1], o[0]))
    orders = [(number, user_id, day, amount, coupon) for number, (user_id, day, amount, coupon)
              in enumerate(orders, start=1)]
    events.sort(key=lambda e: (e[1], e[0], FUNNEL.index(e[2])))
    channels = [(name, float(spec[1])) for name, spec in CHANNELS.items()]
    return {"channels": channels, "users": users, "orders": orders, "events": events}


def _user_activity(rng, user_id, signup, spec, orders, events):
    """Sessions from signup day until the user churns or the period ends; each may convert."""
    _, _, cart, checkout, pay, churn = spec
    day = signup
    while day <= END:
        date = day.isoformat()
        steps = [("visit", 1.0), ("add_to_cart", cart), ("checkout", checkout), ("pay", pay)]
        for event, rate in steps:
            if rng.random() >= rate:
                break
            events.append((user_id, date, event))
            if event == "pay":
                orders.append(_order(rng, user_id, day))
        if rng.random() < 0.30:  # an order in the app, which events do not track
            app_day = day + datetime.timedelta(days=rng.randrange(3))
            if app_day <= END:
                orders.append(_order(rng, user_id, app_day))
        if rng.random() < churn:
            break
        day += datetime.timedelta(days=1 + int(rng.expovariate(1 / 7)))


def _order(rng, user_id, day):
    coupon = 1 if rng.random() < 0.3 else 0
    amount = round(rng.lognormvariate(4.7, 0.55) * (0.85 if coupon else 1.0), 2)
    return (user_id, day.isoformat(), amount, coupon)


def generate(path, seed=SEED):
    """Write the dataset for ``seed`` to ``path`` (replaced atomically); return ``path``."""
    path = Path(path)
    rows = build_rows(seed)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".sqlite3")
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            connection.executescript(SCHEMA)
            connection.execute("BEGIN")
            for table, table_rows in rows.items():
                marks = ", ".join("?" * len(table_rows[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
            connection.execute("COMMIT")
            connection.execute("VACUUM")
        finally:
            connection.close()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("shop.sqlite3")
    generate(target)
    counts = {table: len(table_rows) for table, table_rows in build_rows(SEED).items()}
    print(target, target.stat().st_size, "bytes", counts)
