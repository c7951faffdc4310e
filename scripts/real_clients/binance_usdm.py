"""Binance USD-M futures: ccxt's `binanceusdm` (with ccxt.pro) against
`mock-exchange --venue futures`."""

from decimal import Decimal

from common import API_KEY, SECRET, Mock, async_, ccxt_book_matches, check, expect_error, report

SYMBOL = "BTCUSDT"
UNIFIED = "BTC/USDT:USDT"
WALLET = 100000
ARGS = (
    "--symbol", "BTCUSDT:BTC:USDT:60000",
    "--symbol", "ETHUSDT:ETH:USDT:3000",
    "--balance", f"USDT:{WALLET}",
    "--leverage", "20",
)


def depth(mock, symbol=SYMBOL):
    return mock.get(f"/fapi/v1/depth?symbol={symbol}&limit=1000")


def best(mock, symbol=SYMBOL):
    d = depth(mock, symbol)
    return Decimal(d["bids"][0][0]), Decimal(d["asks"][0][0])


def snapshot(mock):
    d = depth(mock)
    return d["bids"], d["asks"], d["lastUpdateId"]


def ccxt_exchange(ccxtpro, mock, secret=SECRET, key=API_KEY):
    ex = ccxtpro.binanceusdm(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "options": {
                # The mock is USD-M only: no spot, COIN-M, options or wallet (sapi) endpoints.
                "fetchMarkets": {"types": ["linear"]},
                "fetchCurrencies": False,
                "adjustForTimeDifference": False,
            },
        }
    )
    api = ex.urls["api"]
    for version in ("v1", "v2", "v3"):
        suffix = "" if version == "v1" else version.upper()
        api[f"fapiPublic{suffix}"] = f"{mock.http}/fapi/{version}"
        api[f"fapiPrivate{suffix}"] = f"{mock.http}/fapi/{version}"
    api["fapiData"] = f"{mock.http}/futures/data"
    # ccxt names USD-M's stream base `linear` in newer 4.x releases and `future` in older ones.
    api["ws"]["linear"] = api["ws"]["future"] = mock.ws + "/ws"
    # ccxt picks Binance's per-market error table (USD-M's -2019 -> InsufficientFunds, -2022 ->
    # InvalidOrder, ...) by the request's host (https://fapi.binance.com/), which a loopback URL
    # is not: tell it that the mock's URLs are USD-M's.
    linear = ex.exceptions["linear"]
    ex.get_exceptions_by_url = (
        lambda url, kind: linear.get(kind, {}) if url and url.startswith(mock.http) else {})
    return ex


async def run_ccxt(mock):
    import ccxt
    import ccxt.pro as ccxtpro

    name = f"ccxt {ccxt.__version__} usdm"
    ex = ccxt_exchange(ccxtpro, mock)
    try:
        # Public.
        await check(name, "load_markets (fapi exchangeInfo)", lambda: ex.load_markets())
        await check(name, "market is a linear perpetual",
                    lambda: (lambda m: (m["swap"] and m["linear"] and m["settle"] == "USDT"
                                        and m["limits"]["amount"]["min"] == 0.001,
                                        f"{m['id']} {m['type']}"))(ex.market(UNIFIED)))
        await check(name, "fetch_time", lambda: ex.fetch_time())
        await check(name, "fetch_order_book", async_(lambda: ex.fetch_order_book(UNIFIED, 100),
                                                     lambda ob: len(ob["bids"]) > 0 and ob["nonce"] > 0))

        # Account.
        await check(name, "fetch_balance (v3 account)",
                    async_(lambda: ex.fetch_balance(), lambda b: (b["USDT"]["total"] == WALLET,
                                                                 f"USDT {b['USDT']}")))
        await check(name, "set_leverage", async_(lambda: ex.set_leverage(10, UNIFIED),
                                                 lambda r: int(r["leverage"]) == 10))
        await check(name, "fetch_positions (flat)",
                    async_(lambda: ex.fetch_positions([UNIFIED]),
                           lambda ps: (all(not p["contracts"] for p in ps), f"{len(ps)} entries")))
        await check(name, "fetch_open_orders (none)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED), lambda o: o == []))

        # Orders.
        bid, ask = best(mock)
        low = float(bid - 500)
        resting = await ex.create_order(UNIFIED, "limit", "buy", 0.01, low)
        report(resting["status"] == "open", name, "create_order limit GTC rests", resting["id"])
        fetched = await ex.fetch_order(resting["id"], UNIFIED)
        report(fetched["status"] == "open" and fetched["price"] == low and fetched["amount"] == 0.01,
               name, "fetch_order", fetched["status"])
        await check(name, "fetch_open_orders (one)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED),
                           lambda o: [x["id"] for x in o] == [resting["id"]]))
        canceled = await ex.cancel_order(resting["id"], UNIFIED)
        report(canceled["status"] == "canceled", name, "cancel_order", canceled["status"])

        bought = await ex.create_order(UNIFIED, "market", "buy", 0.02)
        filled = await ex.fetch_order(bought["id"], UNIFIED)
        report(filled["status"] == "closed" and filled["filled"] == 0.02, name, "create_order market",
               f"{filled['status']}, avg {filled['average']}")
        positions = await ex.fetch_positions([UNIFIED])
        long = [p for p in positions if p["contracts"]]
        report(len(long) == 1 and long[0]["side"] == "long" and long[0]["contracts"] == 0.02
               and long[0]["entryPrice"] == filled["average"],
               name, "fetch_positions (v3 positionRisk) shows the long",
               f"{[(p['side'], p['contracts'], p['entryPrice']) for p in long]}")
        # V3 has no leverage field; V2's shows what set_leverage set.
        v2 = await ex.fetch_positions([UNIFIED], {"useV2": True})
        long = [p for p in v2 if p["contracts"]]
        report(len(long) == 1 and long[0]["leverage"] == 10, name,
               "fetch_positions (v2 positionRisk) shows the new leverage",
               f"{[(p['side'], p['contracts'], p['leverage']) for p in long]}")

        for offset in (400, 600):
            await ex.create_order(UNIFIED, "limit", "buy", 0.01, float(bid - offset))
        await ex.cancel_all_orders(UNIFIED)
        await check(name, "cancel_all_orders (allOpenOrders)",
                    async_(lambda: ex.fetch_open_orders(UNIFIED), lambda o: o == []))

        # Errors.
        await expect_error(name, "unknown order -> OrderNotFound",
                           lambda: ex.fetch_order("987654321", UNIFIED), ccxt.OrderNotFound)
        await expect_error(name, "too large an order -> InsufficientFunds",
                           lambda: ex.create_order(UNIFIED, "limit", "buy", 500, low), ccxt.InsufficientFunds)
        await expect_error(name, "reduce-only that would open -> InvalidOrder",
                           lambda: ex.create_order(UNIFIED, "market", "buy", 0.01, None, {"reduceOnly": True}),
                           ccxt.InvalidOrder)
        wrong = ccxt_exchange(ccxtpro, mock, secret="wrong")
        wrong.markets, wrong.markets_by_id, wrong.symbols = ex.markets, ex.markets_by_id, ex.symbols
        await expect_error(name, "bad signature -> AuthenticationError",
                           lambda: wrong.fetch_balance(), ccxt.AuthenticationError)
        await wrong.close()

        closed = await ex.create_order(UNIFIED, "market", "sell", 0.02, None, {"reduceOnly": True})
        report(closed["id"] is not None, name, "reduce-only market closes the position")
        await check(name, "fetch_positions (flat again)",
                    async_(lambda: ex.fetch_positions([UNIFIED]),
                           lambda ps: all(not p["contracts"] for p in ps)))

        # WebSocket: the @depth chain (pu) from a REST snapshot.
        await ccxt_book_matches(name, ex, UNIFIED, mock, lambda: snapshot(mock), "after a moving market")
        await ex.create_order(UNIFIED, "market", "sell", 0.03)
        bid, _ = best(mock)
        mock.command(f"move {SYMBOL} {bid - 25}")
        await ccxt_book_matches(name, ex, UNIFIED, mock, lambda: snapshot(mock),
                                "after orders and a price move")
    finally:
        await ex.close()


async def run(binary):
    mock = Mock(binary, "futures", *ARGS)
    print(f"futures mock at {mock.http} / {mock.ws}", flush=True)
    try:
        await run_ccxt(mock)
    finally:
        mock.stop()
