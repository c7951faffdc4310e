"""Bybit v5 spot: ccxt's `bybit` (with ccxt.pro) against `mock-exchange --venue bybit`."""

from decimal import Decimal

from common import API_KEY, SECRET, Mock, async_, ccxt_book_matches, check, expect_error, report

SYMBOL = "BTCUSDT"
UNIFIED = "BTC/USDT"
ARGS = (
    "--symbol", "BTCUSDT:BTC:USDT:60000",
    "--symbol", "ETHUSDT:ETH:USDT:3000",
    "--balance", "USDT:1000000",
    "--balance", "BTC:10",
    "--balance", "ETH:100",
)


def depth(mock, symbol=SYMBOL):
    return mock.get(f"/v5/market/orderbook?category=spot&symbol={symbol}&limit=50")["result"]


def best(mock, symbol=SYMBOL):
    d = depth(mock, symbol)
    return Decimal(d["b"][0][0]), Decimal(d["a"][0][0])


def snapshot(mock):
    d = depth(mock)
    return d["b"], d["a"], d["u"]


def ccxt_exchange(ccxtpro, mock, secret=SECRET, key=API_KEY):
    ex = ccxtpro.bybit(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "options": {
                # The mock is Bybit spot only: no linear, inverse or option instruments.
                "fetchMarkets": {"types": ["spot"]},
                "adjustForTimeDifference": False,
            },
        }
    )
    for key_ in ("spot", "futures", "v2", "public", "private"):
        ex.urls["api"][key_] = mock.http
    ex.urls["api"]["ws"]["public"]["spot"] = mock.ws + "/v5/public/spot"
    return ex


def track_update_ids(ex):
    """ccxt's Bybit book keeps no update id; note the `u` of the last frame it applied, so that
    the book can be compared with the REST depth at the same id."""
    applied = {}
    handle = ex.handle_order_book

    def handle_order_book(client, message):
        handle(client, message)
        data = message.get("data") or {}
        if "s" in data and "u" in data:
            applied[data["s"]] = data["u"]

    ex.handle_order_book = handle_order_book
    return applied


async def run_ccxt(mock):
    import ccxt
    import ccxt.pro as ccxtpro

    name = f"ccxt {ccxt.__version__} bybit"
    ex = ccxt_exchange(ccxtpro, mock)
    applied = track_update_ids(ex)
    try:
        # Public.
        await check(name, "load_markets (instruments-info)", lambda: ex.load_markets())
        await check(name, "market precision and limits",
                    lambda: (lambda m: (m["spot"] and m["limits"]["amount"]["min"] == 0.000048
                                        and m["precision"]["price"] == 0.01,
                                        f"{m['id']} {m['precision']}"))(ex.market(UNIFIED)))
        await check(name, "fetch_time", lambda: ex.fetch_time())
        await check(name, "fetch_order_book", async_(lambda: ex.fetch_order_book(UNIFIED, 50),
                                                     lambda ob: len(ob["bids"]) == 50 and ob["bids"][0][0] < ob["asks"][0][0]))

        # Account.
        await check(name, "fetch_balance (wallet-balance)",
                    async_(lambda: ex.fetch_balance(),
                           lambda b: (b["USDT"]["free"] == 1000000 and b["BTC"]["total"] == 10,
                                      f"USDT {b.get('USDT')}")))
        await check(name, "fetch_open_orders (none)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED), lambda o: o == []))

        # Orders.
        bid, ask = best(mock)
        low = float(bid - 500)
        resting = await ex.create_order(UNIFIED, "limit", "buy", 0.01, low)
        report(resting["id"] is not None, name, "create_order limit GTC", resting["id"])
        fetched = await ex.fetch_order(resting["id"], UNIFIED, {"acknowledged": True})
        report(fetched["status"] == "open" and fetched["price"] == low and fetched["amount"] == 0.01,
               name, "fetch_order (realtime)", fetched["status"])
        await check(name, "fetch_open_orders (one)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED),
                           lambda o: [x["id"] for x in o] == [resting["id"]]))
        await check(name, "fetch_balance shows the locked quote",
                    async_(lambda: ex.fetch_balance(),
                           lambda b: (b["USDT"]["used"] == 0.01 * low, f"used {b['USDT']['used']}")))
        canceled = await ex.cancel_order(resting["id"], UNIFIED)
        report(canceled["id"] == resting["id"], name, "cancel_order")
        await check(name, "fetch_canceled_orders shows it",
                    async_(lambda: ex.fetch_canceled_orders(UNIFIED),
                           lambda o: [(x["id"], x["status"]) for x in o] == [(resting["id"], "canceled")]))

        bought = await ex.create_order(UNIFIED, "market", "sell", 0.02)
        closed = await ex.fetch_closed_order(bought["id"], UNIFIED)
        report(closed["status"] == "closed" and closed["filled"] == 0.02, name,
               "create_order market (sell), then fetch_closed_order",
               f"{closed['status']} {closed['filled']} at {closed['average']}")
        by_cost = await ex.create_market_buy_order_with_cost(UNIFIED, 500)
        closed = await ex.fetch_closed_order(by_cost["id"], UNIFIED)
        report(closed["status"] == "closed" and 0 < closed["cost"] <= 500, name,
               "create_market_buy_order_with_cost (qty in quote)", f"cost {closed['cost']}")

        for offset in (400, 600):
            await ex.create_order(UNIFIED, "limit", "buy", 0.01, float(bid - offset))
        cancelled = await ex.cancel_all_orders(UNIFIED)
        report(len(cancelled) == 2, name, "cancel_all_orders (cancel-all)", f"{len(cancelled)} cancelled")
        await check(name, "fetch_open_orders (none again)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED), lambda o: o == []))

        # Errors.
        await expect_error(name, "cancel an unknown order -> OrderNotFound",
                           lambda: ex.cancel_order("1800000000000999999", UNIFIED), ccxt.OrderNotFound)
        await expect_error(name, "too large an order -> InsufficientFunds",
                           lambda: ex.create_order(UNIFIED, "limit", "buy", 100, low), ccxt.InsufficientFunds)
        await expect_error(name, "too small an order -> InvalidOrder",
                           lambda: ex.create_order(UNIFIED, "limit", "buy", 0.00001, low), ccxt.InvalidOrder)
        wrong = ccxt_exchange(ccxtpro, mock, key="nope")
        wrong.markets, wrong.markets_by_id, wrong.symbols = ex.markets, ex.markets_by_id, ex.symbols
        wrong.options["enableUnifiedAccount"], wrong.options["enableUnifiedMargin"] = True, False
        await expect_error(name, "bad API key -> AuthenticationError",
                           lambda: wrong.fetch_open_orders(UNIFIED), ccxt.AuthenticationError)
        await wrong.close()
        wrong = ccxt_exchange(ccxtpro, mock, secret="wrong")
        wrong.markets, wrong.markets_by_id, wrong.symbols = ex.markets, ex.markets_by_id, ex.symbols
        wrong.options["enableUnifiedAccount"], wrong.options["enableUnifiedMargin"] = True, False
        await expect_error(name, "bad signature -> AuthenticationError",
                           lambda: wrong.fetch_open_orders(UNIFIED), ccxt.AuthenticationError)
        await wrong.close()

        # WebSocket: orderbook.50 snapshot and deltas.
        nonce = lambda: applied.get(SYMBOL)  # noqa: E731
        await ccxt_book_matches(name, ex, UNIFIED, mock, lambda: snapshot(mock), "after a moving market",
                                nonce=nonce)
        await ex.create_order(UNIFIED, "market", "sell", 0.03)
        await ccxt_book_matches(name, ex, UNIFIED, mock, lambda: snapshot(mock), "after the market moved on",
                                nonce=nonce)
    finally:
        await ex.close()


async def run(binary):
    mock = Mock(binary, "bybit", *ARGS)
    print(f"bybit mock at {mock.http} / {mock.ws}", flush=True)
    try:
        await run_ccxt(mock)
    finally:
        mock.stop()
