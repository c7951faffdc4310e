"""Binance spot: ccxt (with ccxt.pro) and python-binance against `mock-exchange --venue spot`."""

import asyncio
import traceback
from decimal import Decimal

from common import (API_KEY, SECRET, Mock, async_, ccxt_book_matches, check, expect_error,
                    quiet, report, same_book, wait_for)

SYMBOL = "BTCUSDT"
UNIFIED = "BTC/USDT"
ARGS = (
    "--symbol", "BTCUSDT:BTC:USDT:60000",
    "--symbol", "ETHUSDT:ETH:USDT:3000",
    "--balance", "USDT:1000000",
    "--balance", "BTC:10",
    "--balance", "ETH:100",
)


def start(binary, *extra):
    return Mock(binary, "spot", *ARGS, *extra)


def depth(mock, symbol=SYMBOL):
    return mock.get(f"/api/v3/depth?symbol={symbol}&limit=5000")


def best(mock, symbol=SYMBOL):
    d = depth(mock, symbol)
    return Decimal(d["bids"][0][0]), Decimal(d["asks"][0][0])


def snapshot(mock):
    d = depth(mock)
    return d["bids"], d["asks"], d["lastUpdateId"]


# ---------------------------------------------------------------------------------------------
# ccxt
# ---------------------------------------------------------------------------------------------


def ccxt_exchange(ccxtpro, mock, secret=SECRET):
    ex = ccxtpro.binance(
        {
            "apiKey": API_KEY,
            "secret": secret,
            "enableRateLimit": False,
            "options": {
                # The mock is Binance spot: no futures, margin or wallet (sapi) endpoints.
                "fetchMarkets": {"types": ["spot"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
                "adjustForTimeDifference": False,
            },
        }
    )
    for key in ("public", "private"):
        ex.urls["api"][key] = mock.http + "/api/v3"
    ex.urls["api"]["v1"] = mock.http + "/api/v1"
    ex.urls["api"]["ws"]["spot"] = mock.ws + "/ws"
    return ex


async def run_ccxt(mock):
    import ccxt
    import ccxt.pro as ccxtpro

    name = f"ccxt {ccxt.__version__}"
    ex = ccxt_exchange(ccxtpro, mock)
    try:
        # Public.
        await check(name, "load_markets (exchangeInfo)", lambda: ex.load_markets())
        await check(name, "market precision and limits",
                    lambda: ex.market(UNIFIED)["limits"]["amount"]["min"] == 1e-05)
        await check(name, "fetch_time", lambda: ex.fetch_time())
        await check(name, "fetch_order_book", async_(lambda: ex.fetch_order_book(UNIFIED, 100),
                                                     lambda ob: len(ob["bids"]) > 0 and ob["nonce"] > 0))
        await check(name, "fetch_ticker (ticker/24hr)",
                    async_(lambda: ex.fetch_ticker(UNIFIED), lambda t: t["bid"] and t["ask"] and t["bid"] < t["ask"]))
        await check(name, "fetch_tickers", async_(lambda: ex.fetch_tickers(), lambda t: UNIFIED in t and "ETH/USDT" in t))
        await check(name, "fetch_bids_asks (ticker/bookTicker)",
                    async_(lambda: ex.fetch_bids_asks([UNIFIED]), lambda t: t[UNIFIED]["bid"] > 0))
        await check(name, "fetch_trades (aggTrades)", async_(lambda: ex.fetch_trades(UNIFIED), lambda t: isinstance(t, list)))
        await check(name, "fetch_ohlcv (klines)", async_(lambda: ex.fetch_ohlcv(UNIFIED, "1m"), lambda k: len(k) >= 1))
        await check(name, "publicGetTickerPrice", async_(lambda: ex.public_get_ticker_price({"symbol": SYMBOL}),
                                                         lambda t: Decimal(t["price"]) > 0))
        await check(name, "publicGetAvgPrice", async_(lambda: ex.public_get_avgprice({"symbol": SYMBOL}),
                                                      lambda t: t["mins"] == 5))

        # Signed.
        await check(name, "fetch_balance (account)", async_(lambda: ex.fetch_balance(), lambda b: b["USDT"]["free"] == 1000000))
        await check(name, "fetch_open_orders", async_(lambda: ex.fetch_open_orders(UNIFIED), lambda o: o == []))

        # Orders.
        bid, ask = best(mock)
        low = float(bid - 500)
        resting = await ex.create_order(UNIFIED, "limit", "buy", 0.01, low)
        report(resting["status"] == "open", name, "create_order limit GTC rests", resting["id"])
        fetched = await ex.fetch_order(resting["id"], UNIFIED)
        report(fetched["status"] == "open" and fetched["price"] == low, name, "fetch_order")
        canceled = await ex.cancel_order(resting["id"], UNIFIED)
        report(canceled["status"] == "canceled", name, "cancel_order")
        bought = await ex.create_order(UNIFIED, "market", "buy", 0.02)
        report(bought["status"] == "closed" and bought["filled"] == 0.02, name, "create_order market",
               f"avg {bought['average']}")
        by_cost = await ex.create_market_buy_order_with_cost(UNIFIED, 500)
        report(by_cost["status"] == "closed" and 0 < by_cost["cost"] <= 500, name,
               "create_market_buy_order_with_cost (quoteOrderQty)", f"cost {by_cost['cost']}")
        maker = await ex.create_order(UNIFIED, "limit", "buy", 0.01, low, {"postOnly": True})
        report(maker["status"] == "open", name, "postOnly limit (LIMIT_MAKER) rests")
        await expect_error(name, "postOnly limit that would cross is rejected",
                           lambda: ex.create_order(UNIFIED, "limit", "buy", 0.01, float(ask + 100), {"postOnly": True}),
                           ccxt.OrderImmediatelyFillable)
        await check(name, "create_order test (order/test)",
                    lambda: ex.create_order(UNIFIED, "limit", "buy", 0.01, low, {"test": True}))
        cancelled = await ex.cancel_all_orders(UNIFIED)
        report(len(cancelled) == 1, name, "cancel_all_orders (DELETE openOrders)")

        # A resting order that the market moves through.
        before = await ex.fetch_balance()
        price = float(bid - 100)
        order = await ex.create_order(UNIFIED, "limit", "buy", 0.05, price, {"clientOrderId": "ccxt-rest-1"})
        mock.command(f"move {SYMBOL} {Decimal(str(price)) - Decimal('0.01')}")
        filled = await ex.fetch_order(order["id"], UNIFIED)
        report(filled["status"] == "closed" and filled["filled"] == 0.05, name,
               "resting order fills when the market moves through it", filled["status"])
        trades = await ex.fetch_my_trades(UNIFIED)
        mine = [t for t in trades if t["order"] == order["id"]]
        report(len(mine) == 1 and mine[0]["takerOrMaker"] == "maker" and mine[0]["price"] == price,
               name, "fetch_my_trades shows the maker fill")
        after = await ex.fetch_balance()
        report(abs(after["BTC"]["total"] - before["BTC"]["total"] - 0.05) < 1e-9, name,
               "balances show the fill", f"BTC {before['BTC']['total']} -> {after['BTC']['total']}")
        await check(name, "fetch_orders (allOrders)", async_(lambda: ex.fetch_orders(UNIFIED), lambda o: len(o) >= 5))
        by_client = await ex.fetch_order(None, UNIFIED, {"origClientOrderId": "ccxt-rest-1"})
        report(by_client["id"] == order["id"], name, "fetch_order by origClientOrderId")

        # Errors.
        await expect_error(name, "unknown order -> OrderNotFound",
                           lambda: ex.fetch_order("987654321", UNIFIED), ccxt.OrderNotFound)
        await expect_error(name, "too large an order -> InsufficientFunds",
                           lambda: ex.create_order(UNIFIED, "limit", "buy", 100, low), ccxt.InsufficientFunds)
        await expect_error(name, "bad symbol -> BadSymbol",
                           lambda: ex.public_get_ticker_price({"symbol": "NOPEUSDT"}), ccxt.BadSymbol)
        wrong = ccxt_exchange(ccxtpro, mock, secret="wrong")
        wrong.markets, wrong.markets_by_id, wrong.symbols = ex.markets, ex.markets_by_id, ex.symbols
        await expect_error(name, "bad signature -> AuthenticationError",
                           lambda: wrong.fetch_balance(), ccxt.AuthenticationError)
        await wrong.close()

        # WebSocket.
        await check(name, "watch_trades", async_(lambda: ex.watch_trades(UNIFIED), lambda t: len(t) > 0))
        await check(name, "watch_ticker", async_(lambda: ex.watch_ticker(UNIFIED), lambda t: t["last"] > 0))
        await check(name, "watch_ohlcv", async_(lambda: ex.watch_ohlcv(UNIFIED, "1m"), lambda k: len(k) > 0))
        await check(name, "watch_bids_asks (bookTicker)",
                    async_(lambda: ex.watch_bids_asks([UNIFIED]), lambda t: t[UNIFIED]["bid"] > 0))

        for round_ in ("after a moving market", "after orders and a price move"):
            if round_ != "after a moving market":
                await ex.create_order(UNIFIED, "market", "sell", 0.03)
                bid, _ = best(mock)
                mock.command(f"move {SYMBOL} {bid - 25}")
            await ccxt_book_matches(name, ex, UNIFIED, mock, lambda: snapshot(mock), round_)
    finally:
        mock.command("quiet off")
        await ex.close()


# ---------------------------------------------------------------------------------------------
# python-binance
# ---------------------------------------------------------------------------------------------


def run_python_binance_rest(mock):
    import binance
    from binance.client import Client
    from binance.exceptions import BinanceAPIException

    name = f"python-binance {binance.__version__}"
    client = Client(API_KEY, SECRET, ping=False)
    client.API_URL = mock.http + "/api"
    results = []

    def sync_check(what, fn):
        results.append((what, fn))

    loop = asyncio.new_event_loop()

    def run_all():
        for what, fn in results:
            loop.run_until_complete(check(name, what, fn))
        results.clear()

    sync_check("ping", lambda: client.ping() == {})
    sync_check("get_server_time", lambda: client.get_server_time()["serverTime"] > 0)
    sync_check("get_symbol_info", lambda: client.get_symbol_info(SYMBOL)["filters"][0]["filterType"] == "PRICE_FILTER")
    sync_check("get_order_book", lambda: len(client.get_order_book(symbol=SYMBOL, limit=10)["bids"]) == 10)
    sync_check("get_recent_trades", lambda: isinstance(client.get_recent_trades(symbol=SYMBOL, limit=5), list))
    sync_check("get_aggregate_trades", lambda: isinstance(client.get_aggregate_trades(symbol=SYMBOL), list))
    sync_check("get_klines", lambda: len(client.get_klines(symbol=SYMBOL, interval="1m")) >= 1)
    sync_check("get_avg_price", lambda: Decimal(client.get_avg_price(symbol=SYMBOL)["price"]) > 0)
    sync_check("get_ticker (24hr)", lambda: client.get_ticker(symbol=SYMBOL)["symbol"] == SYMBOL)
    sync_check("get_symbol_ticker", lambda: Decimal(client.get_symbol_ticker(symbol=SYMBOL)["price"]) > 0)
    sync_check("get_orderbook_ticker", lambda: Decimal(client.get_orderbook_ticker(symbol=SYMBOL)["bidPrice"]) > 0)
    sync_check("get_account", lambda: client.get_account()["canTrade"] is True)
    sync_check("get_asset_balance", lambda: Decimal(client.get_asset_balance(asset="ETH")["free"]) == 100)
    run_all()

    bid, ask = best(mock)
    low = str(bid - 400)
    order = client.order_limit_buy(symbol=SYMBOL, quantity="0.01", price=low, newClientOrderId="pb-1")
    report(order["status"] == "NEW" and "fills" in order, name, "order_limit_buy (FULL)", str(order["orderId"]))
    sync_check("get_order by origClientOrderId",
               lambda: client.get_order(symbol=SYMBOL, origClientOrderId="pb-1")["orderId"] == order["orderId"])
    sync_check("get_open_orders", lambda: len(client.get_open_orders(symbol=SYMBOL)) == 1)
    run_all()
    try:
        client.order_limit_buy(symbol=SYMBOL, quantity="0.01", price=low, newClientOrderId="pb-1")
        report(False, name, "duplicate newClientOrderId is rejected", "accepted")
    except BinanceAPIException as e:
        report(e.code == -2010, name, "duplicate newClientOrderId is rejected", f"{e.code} {e.message}")
    sync_check("cancel_order by origClientOrderId",
               lambda: client.cancel_order(symbol=SYMBOL, origClientOrderId="pb-1")["status"] == "CANCELED")
    sync_check("order_market_buy quoteOrderQty",
               lambda: Decimal(client.order_market_buy(symbol=SYMBOL, quoteOrderQty="250")["cummulativeQuoteQty"]) <= 250)
    sync_check("order_market_sell (RESULT)",
               lambda: "fills" not in client.order_market_sell(symbol=SYMBOL, quantity="0.01", newOrderRespType="RESULT"))
    sync_check("create_order ACK",
               lambda: set(client.create_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.01",
                                               newOrderRespType="ACK"))
               == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"})
    sync_check("create_test_order", lambda: client.create_test_order(
        symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price=low) == {})
    sync_check("LIMIT_MAKER rests", lambda: client.create_order(
        symbol=SYMBOL, side="BUY", type="LIMIT_MAKER", quantity="0.01", price=low)["status"] == "NEW")
    sync_check("cancel_all_open_orders", lambda: len(client.cancel_all_open_orders(symbol=SYMBOL)) == 1)
    sync_check("get_all_orders", lambda: len(client.get_all_orders(symbol=SYMBOL)) >= 5)
    sync_check("get_my_trades", lambda: len(client.get_my_trades(symbol=SYMBOL)) >= 3)
    run_all()

    def api_error(what, fn, code):
        try:
            fn()
            report(False, name, what, "no error raised")
        except BinanceAPIException as e:
            report(e.code == code, name, what, f"{e.status_code} {e.code} {e.message}")

    api_error("LIMIT_MAKER that would cross -> -2010",
              lambda: client.create_order(symbol=SYMBOL, side="BUY", type="LIMIT_MAKER", quantity="0.01",
                                          price=str(ask + 100)), -2010)
    api_error("unknown symbol -> -1121", lambda: client.get_symbol_ticker(symbol="NOPEUSDT"), -1121)
    api_error("unknown order -> -2013", lambda: client.get_order(symbol=SYMBOL, orderId=987654321), -2013)
    api_error("filter failure -> -1013",
              lambda: client.order_limit_buy(symbol=SYMBOL, quantity="0.000001", price=low), -1013)
    wrong = Client(API_KEY, "wrong", ping=False)
    wrong.API_URL = mock.http + "/api"
    api_error("bad signature -> -1022", lambda: wrong.get_account(), -1022)
    wrong_key = Client("nope", SECRET, ping=False)
    wrong_key.API_URL = mock.http + "/api"
    api_error("bad API key -> -2015", lambda: wrong_key.get_account(), -2015)
    used = client.response.headers.get("X-MBX-USED-WEIGHT-1M")
    report(used is not None and int(used) > 0, name, "X-MBX-USED-WEIGHT-1M header", f"used {used}")
    loop.close()


async def run_python_binance_ws(mock):
    import binance
    from binance import AsyncClient, BinanceSocketManager
    from binance.ws.depthcache import DepthCacheManager

    name = f"python-binance {binance.__version__}"
    client = AsyncClient(API_KEY, SECRET)
    client.API_URL = mock.http + "/api"
    bm = BinanceSocketManager(client)
    bm.STREAM_URL = mock.ws + "/"
    try:
        async with bm.trade_socket(SYMBOL) as ts:
            msg = await asyncio.wait_for(ts.recv(), 10)
            report(msg.get("e") == "trade", name, "trade_socket", f"trade {msg.get('t')}")
        async with bm.kline_socket(SYMBOL, interval="1m") as ks:
            msg = await asyncio.wait_for(ks.recv(), 10)
            report(msg.get("e") == "kline", name, "kline_socket")
        async with bm.symbol_book_ticker_socket(SYMBOL) as bs:
            msg = await asyncio.wait_for(bs.recv(), 10)
            report("b" in msg and "a" in msg, name, "symbol_book_ticker_socket")
        async with bm.multiplex_socket([f"{SYMBOL.lower()}@ticker", f"{SYMBOL.lower()}@depth5@100ms"]) as ms:
            seen = set()
            while len(seen) < 2:
                msg = await asyncio.wait_for(ms.recv(), 10)
                seen.add(msg["stream"])
            report(True, name, "multiplex_socket (combined streams)", ", ".join(sorted(seen)))

        for interval in (None, 100):
            label = "@depth@100ms" if interval else "@depth"
            dcm = DepthCacheManager(client, SYMBOL, bm=bm, limit=1000, ws_interval=interval)
            async with dcm as socket:
                async def pump():
                    while True:
                        await socket.recv()
                pumping = asyncio.ensure_future(pump())
                await asyncio.sleep(4)
                await quiet(mock)
                bids, asks, target = snapshot(mock)
                reached = await wait_for(lambda: dcm._last_update_id == target)
                cache = dcm.get_depth_cache()
                if reached:
                    await check(name, f"DepthCacheManager ({label}) equals REST depth",
                                lambda: same_book("DepthCacheManager", cache.get_bids(), cache.get_asks(),
                                                  bids, asks, target))
                else:
                    report(False, name, f"DepthCacheManager ({label}) equals REST depth",
                           f"cache at {dcm._last_update_id}, REST at {target}")
                pumping.cancel()
                mock.command("quiet off")
    finally:
        mock.command("quiet off")
        await client.close_connection()


async def run_rate_limits(binary):
    """A second mock with a tiny weight limit: both clients see 429, then the 418 ban."""
    import ccxt
    import ccxt.pro as ccxtpro
    from binance.client import Client
    from binance.exceptions import BinanceAPIException

    mock = start(binary, "--weight-limit", "12")
    try:
        client = Client(API_KEY, SECRET, ping=False)
        client.API_URL = mock.http + "/api"
        statuses = []
        for _ in range(5):
            try:
                client.get_order_book(symbol=SYMBOL, limit=5)
                statuses.append(200)
            except BinanceAPIException as e:
                statuses.append(e.status_code)
                if e.status_code in (429, 418):
                    retry = client.response.headers.get("Retry-After")
                    statuses[-1] = f"{e.status_code} (Retry-After {retry}, {e.code})"
        ok = statuses[:2] == [200, 200] and str(statuses[2]).startswith("429") and str(statuses[3]).startswith("418")
        report(ok, "python-binance", "weight limit: 429 then 418 with Retry-After", ", ".join(map(str, statuses)))

        ex = ccxt_exchange(ccxtpro, mock)
        try:
            await expect_error(f"ccxt {ccxt.__version__}", "banned IP -> DDoSProtection (418)",
                               lambda: ex.fetch_time(), ccxt.DDoSProtection)
        finally:
            await ex.close()
    finally:
        mock.stop()


async def run(binary):
    mock = start(binary)
    print(f"spot mock at {mock.http} / {mock.ws}", flush=True)
    try:
        for part in (run_ccxt, run_python_binance_ws):
            try:
                await part(mock)
            except Exception as e:  # noqa: BLE001
                report(False, part.__name__, "aborted", f"{type(e).__name__}: {e}")
                traceback.print_exc()
        try:
            await asyncio.get_running_loop().run_in_executor(None, run_python_binance_rest, mock)
        except Exception as e:  # noqa: BLE001
            report(False, "python-binance", "aborted", f"{type(e).__name__}: {e}")
            traceback.print_exc()
        try:
            await run_rate_limits(binary)
        except Exception as e:  # noqa: BLE001
            report(False, "rate limits", "aborted", f"{type(e).__name__}: {e}")
            traceback.print_exc()
    finally:
        mock.stop()
