"""What every venue's checks share: the PASS/FAIL report, the mock process and its control
channel, and the order-book comparison."""

import asyncio
import json
import subprocess
import sys
import time
import traceback
import urllib.request
from decimal import Decimal

API_KEY = "real-clients-key"
SECRET = "real-clients-secret"

RESULTS = {"passed": 0, "failed": 0}
# No single call may hang the run.
CALL_TIMEOUT = 20


def report(ok, client, what, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'}  {client:<15} {what}"
    if detail:
        line += f"  ({detail})"
    print(line, flush=True)


async def check(client, what, fn):
    """Runs fn (sync or async); a falsy result or an exception is a failure."""
    try:
        result = fn()
        if asyncio.iscoroutine(result):
            result = await asyncio.wait_for(result, CALL_TIMEOUT)
        ok, detail = (result if isinstance(result, tuple) else (bool(result), ""))
        report(ok, client, what, detail)
        return ok
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        report(False, client, what, f"{type(e).__name__}: {e}")
        if "-v" in sys.argv:
            traceback.print_exc()
        return False


async def expect_error(client, what, fn, exc_type, code=None):
    """fn must raise exc_type (and, for python-binance, carry Binance's error code)."""
    try:
        result = fn()
        if asyncio.iscoroutine(result):
            await asyncio.wait_for(result, CALL_TIMEOUT)
    except exc_type as e:
        got = getattr(e, "code", None)
        if code is not None and got != code:
            report(False, client, what, f"code {got}, expected {code}")
        else:
            report(True, client, what, f"{type(e).__name__}{f' {got}' if got else ''}")
        return
    except Exception as e:  # noqa: BLE001
        report(False, client, what, f"{type(e).__name__}: {e}")
        return
    report(False, client, what, "no error raised")


def async_(call, predicate):
    async def run():
        value = await call()
        return predicate(value)
    return run


class Mock:
    """A mock-exchange process (one venue) and its control channel (standard input)."""

    def __init__(self, binary, venue, *args):
        self.venue = venue
        self.proc = subprocess.Popen(
            [binary, "--venue", venue, "--api-key", API_KEY, "--secret", SECRET, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        info = {}
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                break
            key, _, value = line.partition("=")
            info[key] = value
        if "http_url" not in info:
            raise RuntimeError(f"mock-exchange --venue {venue} did not start")
        self.http = info["http_url"]
        self.ws = info["ws_url"]

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer.startswith("error"):
            raise RuntimeError(f"mock: {line}: {answer}")
        return answer

    def get(self, path):
        with urllib.request.urlopen(self.http + path) as r:
            return json.load(r)

    def stop(self):
        try:
            self.proc.stdin.write("exit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def levels(side):
    return [(Decimal(str(p)), Decimal(str(q))) for p, q, *_ in side]


def same_book(name, bids, asks, want_bids, want_asks, update_id):
    """The client's book (bids, asks) against the venue's REST levels at update_id."""
    want_bids, want_asks = levels(want_bids), levels(want_asks)
    got_bids, got_asks = levels(bids), levels(asks)
    if (got_bids, got_asks) == (want_bids, want_asks):
        return True, f"{len(got_bids)}+{len(got_asks)} levels at update id {update_id}"
    return False, (
        f"{name} differs at update id {update_id}: "
        f"bids {got_bids[:3]}.. vs {want_bids[:3]}.., asks {got_asks[:3]}.. vs {want_asks[:3]}.."
    )


async def quiet(mock, settle=1.5):
    """Stops the market and lets every depth speed publish its last event."""
    mock.command("quiet on")
    await asyncio.sleep(settle)


async def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def ccxt_book_matches(name, ex, unified, mock, snapshot, label, nonce=None):
    """Watches unified's book on ex until it reaches the REST snapshot's update id, then
    compares it level for level. snapshot() -> (bids, asks, update_id), after `quiet`;
    nonce() -> the update id the client's book is at (default: the book's own nonce)."""
    if nonce is None:
        def nonce():
            ob = ex.orderbooks.get(unified)
            return ob["nonce"] if ob is not None else None

    async def watch_forever():
        while True:
            await ex.watch_order_book(unified)

    watching = asyncio.ensure_future(watch_forever())
    try:
        await asyncio.sleep(4)
        if watching.done():
            watching.result()  # raises what the watcher raised
        await quiet(mock)
        bids, asks, target = snapshot()
        reached = await wait_for(lambda: nonce() == target)
        ob = ex.orderbooks.get(unified)
        what = f"watch_order_book equals REST depth {label}"
        if not reached:
            report(False, name, what, f"book at {nonce()}, REST at {target}")
        else:
            await check(name, what, lambda: same_book("ccxt.pro book", ob["bids"], ob["asks"],
                                                      bids, asks, target))
    finally:
        watching.cancel()
        mock.command("quiet off")
