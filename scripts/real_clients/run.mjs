// Drives ccxt's JavaScript SDK (with ccxt.pro) against the three mocks of `mock-exchange`:
// `binance` against Binance spot, `binanceusdm` against Binance USD-M futures, `bybit` against
// Bybit v5 spot. The same checks as run.py's ccxt ones. Every check prints one line, PASS or
// FAIL; the last line is "N passed, M failed", and the exit status is non-zero when anything
// failed.
//
// Started by scripts/real-clients, which installs ccxt 4.x with npm into
// <target>/real-clients-node and builds the mock's binary.
//
// Usage: node run.mjs --mock-bin PATH --node-dir DIR [--venue spot|futures|bybit]... [-v]

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const API_KEY = 'real-clients-key';
const SECRET = 'real-clients-secret';
// No single call may hang the run.
const CALL_TIMEOUT_MS = 20_000;

const args = process.argv.slice(2);
const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};
const verbose = args.includes('-v');
const mockBin = option('--mock-bin');
const nodeDir = option('--node-dir');
if (!mockBin || !nodeDir) {
    console.error('usage: run.mjs --mock-bin PATH --node-dir DIR [--venue NAME]... [-v]');
    process.exit(2);
}
const venues = args.flatMap((a, i) => (a === '--venue' ? [args[i + 1]] : []));

// ccxt lives in the npm directory the script installed it into, not beside this file.
const requireFromNodeDir = createRequire(join(resolve(nodeDir), 'package.json'));
const ccxt = (await import(pathToFileURL(requireFromNodeDir.resolve('ccxt')).href)).default;

const results = { passed: 0, failed: 0 };

function report(ok, client, what, detail = '') {
    results[ok ? 'passed' : 'failed'] += 1;
    let line = `${ok ? 'PASS' : 'FAIL'}  ${client.padEnd(15)} ${what}`;
    if (detail) {
        line += `  (${detail})`;
    }
    console.log(line);
}

function withTimeout(promise) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs fn; a falsy result (or [false, detail]) or an exception is a failure. */
async function check(client, what, fn) {
    try {
        const result = await withTimeout(Promise.resolve().then(fn));
        const [ok, detail] = Array.isArray(result) ? result : [Boolean(result), ''];
        report(ok, client, what, detail);
        return ok;
    } catch (e) {
        report(false, client, what, `${e.constructor.name}: ${e.message}`);
        if (verbose) {
            console.error(e);
        }
        return false;
    }
}

/** fn must throw an instance of errorType. */
async function expectError(client, what, fn, errorType) {
    try {
        await withTimeout(Promise.resolve().then(fn));
    } catch (e) {
        report(e instanceof errorType, client, what, `${e.constructor.name}${e instanceof errorType ? '' : `: ${e.message}`}`);
        return;
    }
    report(false, client, what, 'no error raised');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (predicate()) {
            return true;
        }
        await sleep(50);
    }
    return predicate();
}

/** A mock-exchange process (one venue) and its control channel (standard input). */
class Mock {
    static async start(venue, extra) {
        const mock = new Mock();
        mock.proc = spawn(mockBin, ['--venue', venue, '--api-key', API_KEY, '--secret', SECRET, ...extra], {
            stdio: ['pipe', 'pipe', 'inherit'],
        });
        mock.lines = [];
        mock.waiting = [];
        createInterface({ input: mock.proc.stdout }).on('line', (line) => {
            const next = mock.waiting.shift();
            if (next) {
                next(line.trim());
            } else {
                mock.lines.push(line.trim());
            }
        });
        const info = {};
        for (;;) {
            const line = await withTimeout(mock.readLine());
            if (line === 'ready') {
                break;
            }
            const at = line.indexOf('=');
            info[line.slice(0, at)] = line.slice(at + 1);
        }
        mock.http = info.http_url;
        mock.ws = info.ws_url;
        return mock;
    }

    readLine() {
        if (this.lines.length) {
            return Promise.resolve(this.lines.shift());
        }
        return new Promise((resolve) => this.waiting.push(resolve));
    }

    async command(line) {
        this.proc.stdin.write(`${line}\n`);
        const answer = await withTimeout(this.readLine());
        if (answer.startsWith('error')) {
            throw new Error(`mock: ${line}: ${answer}`);
        }
        return answer;
    }

    async get(path) {
        const response = await withTimeout(fetch(this.http + path));
        return response.json();
    }

    async stop() {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
            return;
        }
        const exited = new Promise((resolve) => this.proc.once('exit', resolve));
        this.proc.stdin.end('exit\n');
        const timer = setTimeout(() => this.proc.kill(), 5_000);
        await exited;
        clearTimeout(timer);
    }
}

const levels = (side) => side.map(([p, q]) => `${Number(p)}@${Number(q)}`);

function sameBook(bids, asks, wantBids, wantAsks, updateId) {
    const [gb, ga, wb, wa] = [levels(bids), levels(asks), levels(wantBids), levels(wantAsks)];
    if (JSON.stringify([gb, ga]) === JSON.stringify([wb, wa])) {
        return [true, `${gb.length}+${ga.length} levels at update id ${updateId}`];
    }
    return [false, `differs at update id ${updateId}: bids ${gb.slice(0, 3)}.. vs ${wb.slice(0, 3)}.., `
        + `asks ${ga.slice(0, 3)}.. vs ${wa.slice(0, 3)}..`];
}

/**
 * Watches unified's book on ex, makes the market quiet, takes the REST snapshot
 * (snapshot() -> [bids, asks, updateId]), waits until the client's book is at that update id
 * (nonce(), default the book's own nonce), and compares the two level for level.
 */
async function bookMatches(name, ex, unified, mock, snapshot, label, nonce) {
    nonce ??= () => ex.orderbooks[unified]?.nonce;
    let stop = false;
    let failure;
    const watching = (async () => {
        while (!stop) {
            await ex.watchOrderBook(unified);
        }
    })().catch((e) => {
        failure = e;
    });
    const what = `watch_order_book equals REST depth ${label}`;
    try {
        await sleep(4_000);
        if (failure) {
            throw failure;
        }
        await mock.command('quiet on');
        await sleep(1_500);
        const [bids, asks, target] = await snapshot();
        const reached = await waitFor(() => nonce() === target);
        if (!reached) {
            report(false, name, what, `book at ${nonce()}, REST at ${target}`);
        } else {
            const ob = ex.orderbooks[unified];
            await check(name, what, () => sameBook(ob.bids, ob.asks, bids, asks, target));
        }
    } catch (e) {
        report(false, name, what, `${e.constructor.name}: ${e.message}`);
    } finally {
        stop = true;
        await mock.command('quiet off');
    }
    // The watcher ends at its next update, now that the market moves again.
    await withTimeout(watching).catch(() => {});
}

/** ccxt opens plain `ws://` URLs (the mock's loopback ones) only through node's HTTP agent,
 * which it loads on request. */
async function withWsAgent(ex) {
    await ex.loadHttpProxyAgent();
    return ex;
}

/** Copies the markets ex loaded onto other, so that other's first call is the one tested. */
function shareMarkets(ex, other) {
    other.setMarkets(ex.markets, ex.currencies);
}

// ---------------------------------------------------------------------------------------------
// Binance spot
// ---------------------------------------------------------------------------------------------

const SPOT_ARGS = [
    '--symbol', 'BTCUSDT:BTC:USDT:60000', '--symbol', 'ETHUSDT:ETH:USDT:3000',
    '--balance', 'USDT:1000000', '--balance', 'BTC:10', '--balance', 'ETH:100',
];

function binanceSpot(mock, secret = SECRET) {
    const ex = new ccxt.pro.binance({
        apiKey: API_KEY,
        secret,
        enableRateLimit: false,
        options: {
            // The mock is Binance spot: no futures, margin or wallet (sapi) endpoints.
            fetchMarkets: { types: ['spot'] },
            fetchCurrencies: false,
            fetchMargins: false,
            adjustForTimeDifference: false,
        },
    });
    ex.urls.api.public = `${mock.http}/api/v3`;
    ex.urls.api.private = `${mock.http}/api/v3`;
    ex.urls.api.v1 = `${mock.http}/api/v1`;
    ex.urls.api.ws.spot = `${mock.ws}/ws`;
    return ex;
}

async function spotBest(mock) {
    const d = await mock.get('/api/v3/depth?symbol=BTCUSDT&limit=5000');
    return [Number(d.bids[0][0]), Number(d.asks[0][0])];
}

async function spotSnapshot(mock) {
    const d = await mock.get('/api/v3/depth?symbol=BTCUSDT&limit=5000');
    return [d.bids, d.asks, d.lastUpdateId];
}

async function runSpot() {
    const mock = await Mock.start('spot', SPOT_ARGS);
    console.log(`spot mock at ${mock.http} / ${mock.ws}`);
    const name = `ccxt.js ${ccxt.version}`;
    const U = 'BTC/USDT';
    const ex = await withWsAgent(binanceSpot(mock));
    try {
        await check(name, 'loadMarkets (exchangeInfo)', () => ex.loadMarkets());
        await check(name, 'market precision and limits', () => ex.market(U).limits.amount.min === 1e-05);
        await check(name, 'fetchTime', () => ex.fetchTime());
        await check(name, 'fetchOrderBook', async () => {
            const ob = await ex.fetchOrderBook(U, 100);
            return ob.bids.length > 0 && ob.nonce > 0;
        });
        await check(name, 'fetchTicker (ticker/24hr)', async () => {
            const t = await ex.fetchTicker(U);
            return t.bid < t.ask;
        });
        await check(name, 'fetchTrades (aggTrades)', async () => Array.isArray(await ex.fetchTrades(U)));
        await check(name, 'fetchOHLCV (klines)', async () => (await ex.fetchOHLCV(U, '1m')).length >= 1);
        await check(name, 'fetchBalance (account)', async () => (await ex.fetchBalance()).USDT.free === 1000000);
        await check(name, 'fetchOpenOrders (none)', async () => (await ex.fetchOpenOrders(U)).length === 0);

        const [bid, ask] = await spotBest(mock);
        const low = bid - 500;
        const resting = await ex.createOrder(U, 'limit', 'buy', 0.01, low);
        report(resting.status === 'open', name, 'createOrder limit GTC rests', resting.id);
        await check(name, 'fetchOrder', async () => {
            const o = await ex.fetchOrder(resting.id, U);
            return [o.status === 'open' && o.price === low, o.status];
        });
        await check(name, 'fetchOpenOrders (one)', async () => (await ex.fetchOpenOrders(U)).map((o) => o.id).join() === resting.id);
        await check(name, 'cancelOrder', async () => (await ex.cancelOrder(resting.id, U)).status === 'canceled');
        await check(name, 'createOrder market', async () => {
            const o = await ex.createOrder(U, 'market', 'buy', 0.02);
            return [o.status === 'closed' && o.filled === 0.02, `avg ${o.average}`];
        });
        await ex.createOrder(U, 'limit', 'buy', 0.01, low, { postOnly: true });
        await expectError(name, 'postOnly limit that would cross -> OrderImmediatelyFillable',
            () => ex.createOrder(U, 'limit', 'buy', 0.01, ask + 100, { postOnly: true }), ccxt.OrderImmediatelyFillable);
        await check(name, 'cancelAllOrders (DELETE openOrders)', async () => (await ex.cancelAllOrders(U)).length === 1);

        await expectError(name, 'unknown order -> OrderNotFound', () => ex.fetchOrder('987654321', U), ccxt.OrderNotFound);
        await expectError(name, 'too large an order -> InsufficientFunds',
            () => ex.createOrder(U, 'limit', 'buy', 100, low), ccxt.InsufficientFunds);
        await expectError(name, 'bad symbol -> BadSymbol', () => ex.publicGetTickerPrice({ symbol: 'NOPEUSDT' }), ccxt.BadSymbol);
        const wrong = binanceSpot(mock, 'wrong');
        shareMarkets(ex, wrong);
        await expectError(name, 'bad signature -> AuthenticationError', () => wrong.fetchBalance(), ccxt.AuthenticationError);
        await wrong.close();

        await check(name, 'watchTrades', async () => (await ex.watchTrades(U)).length > 0);
        await check(name, 'watchTicker', async () => (await ex.watchTicker(U)).last > 0);
        await bookMatches(name, ex, U, mock, () => spotSnapshot(mock), 'after a moving market');
        await ex.createOrder(U, 'market', 'sell', 0.03);
        const [b2] = await spotBest(mock);
        await mock.command(`move BTCUSDT ${(b2 - 25).toFixed(2)}`);
        await bookMatches(name, ex, U, mock, () => spotSnapshot(mock), 'after orders and a price move');
    } finally {
        await ex.close();
        await mock.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Binance USD-M futures
// ---------------------------------------------------------------------------------------------

const FUTURES_ARGS = [
    '--symbol', 'BTCUSDT:BTC:USDT:60000', '--symbol', 'ETHUSDT:ETH:USDT:3000',
    '--balance', 'USDT:100000', '--leverage', '20',
];

function binanceUsdm(mock, secret = SECRET) {
    const ex = new ccxt.pro.binanceusdm({
        apiKey: API_KEY,
        secret,
        enableRateLimit: false,
        options: {
            // The mock is USD-M only: no spot, COIN-M, options or wallet (sapi) endpoints.
            fetchMarkets: { types: ['linear'] },
            fetchCurrencies: false,
            adjustForTimeDifference: false,
        },
    });
    for (const [suffix, version] of [['', 'v1'], ['V2', 'v2'], ['V3', 'v3']]) {
        ex.urls.api[`fapiPublic${suffix}`] = `${mock.http}/fapi/${version}`;
        ex.urls.api[`fapiPrivate${suffix}`] = `${mock.http}/fapi/${version}`;
    }
    ex.urls.api.fapiData = `${mock.http}/futures/data`;
    // ccxt names USD-M's stream base `linear` in newer 4.x releases and `future` in older ones.
    ex.urls.api.ws.linear = `${mock.ws}/ws`;
    ex.urls.api.ws.future = `${mock.ws}/ws`;
    // ccxt picks Binance's per-market error table (USD-M's -2019 -> InsufficientFunds, -2022 ->
    // InvalidOrder, ...) by the request's host (https://fapi.binance.com/), which a loopback
    // URL is not: tell it that the mock's URLs are USD-M's.
    const linear = ex.exceptions.linear;
    ex.getExceptionsByUrl = (url, kind) => ((url ?? '').startsWith(mock.http) ? (linear[kind] ?? {}) : {});
    return ex;
}

async function futuresBest(mock) {
    const d = await mock.get('/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
    return [Number(d.bids[0][0]), Number(d.asks[0][0])];
}

async function futuresSnapshot(mock) {
    const d = await mock.get('/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
    return [d.bids, d.asks, d.lastUpdateId];
}

async function runFutures() {
    const mock = await Mock.start('futures', FUTURES_ARGS);
    console.log(`futures mock at ${mock.http} / ${mock.ws}`);
    const name = `ccxt.js ${ccxt.version} usdm`;
    const U = 'BTC/USDT:USDT';
    const ex = await withWsAgent(binanceUsdm(mock));
    const open = (ps) => ps.filter((p) => p.contracts);
    try {
        await check(name, 'loadMarkets (fapi exchangeInfo)', () => ex.loadMarkets());
        await check(name, 'market is a linear perpetual', () => {
            const m = ex.market(U);
            return [m.swap && m.linear && m.settle === 'USDT' && m.limits.amount.min === 0.001, `${m.id} ${m.type}`];
        });
        await check(name, 'fetchTime', () => ex.fetchTime());
        await check(name, 'fetchOrderBook', async () => {
            const ob = await ex.fetchOrderBook(U, 100);
            return ob.bids.length > 0 && ob.nonce > 0;
        });
        await check(name, 'fetchBalance (v3 account)', async () => {
            const b = await ex.fetchBalance();
            return [b.USDT?.total === 100000, `USDT ${JSON.stringify(b.USDT)}`];
        });
        await check(name, 'setLeverage', async () => Number((await ex.setLeverage(10, U)).leverage) === 10);
        await check(name, 'fetchPositions (flat)', async () => open(await ex.fetchPositions([U])).length === 0);
        await check(name, 'fetchOpenOrders (none)', async () => (await ex.fetchOpenOrders(U)).length === 0);

        const [bid] = await futuresBest(mock);
        const low = bid - 500;
        const resting = await ex.createOrder(U, 'limit', 'buy', 0.01, low);
        report(resting.status === 'open', name, 'createOrder limit GTC rests', resting.id);
        await check(name, 'fetchOrder', async () => {
            const o = await ex.fetchOrder(resting.id, U);
            return [o.status === 'open' && o.price === low && o.amount === 0.01, o.status];
        });
        await check(name, 'fetchOpenOrders (one)', async () => (await ex.fetchOpenOrders(U)).map((o) => o.id).join() === resting.id);
        await check(name, 'cancelOrder', async () => (await ex.cancelOrder(resting.id, U)).status === 'canceled');

        const bought = await ex.createOrder(U, 'market', 'buy', 0.02);
        const filled = await ex.fetchOrder(bought.id, U);
        report(filled.status === 'closed' && filled.filled === 0.02, name, 'createOrder market',
            `${filled.status}, avg ${filled.average}`);
        await check(name, 'fetchPositions (v3 positionRisk) shows the long', async () => {
            const long = open(await ex.fetchPositions([U]));
            return [long.length === 1 && long[0].side === 'long' && long[0].contracts === 0.02
                && long[0].entryPrice === filled.average, JSON.stringify(long.map((p) => [p.side, p.contracts, p.entryPrice]))];
        });
        // V3 has no leverage field; V2's shows what setLeverage set.
        await check(name, 'fetchPositions (v2 positionRisk) shows the new leverage', async () => {
            const long = open(await ex.fetchPositions([U], { useV2: true }));
            return [long.length === 1 && long[0].leverage === 10, JSON.stringify(long.map((p) => [p.side, p.leverage]))];
        });
        for (const offset of [400, 600]) {
            await ex.createOrder(U, 'limit', 'buy', 0.01, bid - offset);
        }
        await ex.cancelAllOrders(U);
        await check(name, 'cancelAllOrders (allOpenOrders)', async () => (await ex.fetchOpenOrders(U)).length === 0);

        await expectError(name, 'unknown order -> OrderNotFound', () => ex.fetchOrder('987654321', U), ccxt.OrderNotFound);
        await expectError(name, 'too large an order -> InsufficientFunds',
            () => ex.createOrder(U, 'limit', 'buy', 500, low), ccxt.InsufficientFunds);
        await expectError(name, 'reduce-only that would open -> InvalidOrder',
            () => ex.createOrder(U, 'market', 'buy', 0.01, undefined, { reduceOnly: true }), ccxt.InvalidOrder);
        const wrong = binanceUsdm(mock, 'wrong');
        shareMarkets(ex, wrong);
        await expectError(name, 'bad signature -> AuthenticationError', () => wrong.fetchBalance(), ccxt.AuthenticationError);
        await wrong.close();

        await check(name, 'reduce-only market closes the position', async () => {
            await ex.createOrder(U, 'market', 'sell', 0.02, undefined, { reduceOnly: true });
            return open(await ex.fetchPositions([U])).length === 0;
        });

        await bookMatches(name, ex, U, mock, () => futuresSnapshot(mock), 'after a moving market');
        await ex.createOrder(U, 'market', 'sell', 0.03);
        const [b2] = await futuresBest(mock);
        await mock.command(`move BTCUSDT ${(b2 - 25).toFixed(1)}`);
        await bookMatches(name, ex, U, mock, () => futuresSnapshot(mock), 'after orders and a price move');
    } finally {
        await ex.close();
        await mock.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Bybit v5 spot
// ---------------------------------------------------------------------------------------------

function bybit(mock, { key = API_KEY, secret = SECRET } = {}) {
    const ex = new ccxt.pro.bybit({
        apiKey: key,
        secret,
        enableRateLimit: false,
        options: {
            // The mock is Bybit spot only: no linear, inverse or option instruments.
            fetchMarkets: { types: ['spot'] },
            adjustForTimeDifference: false,
        },
    });
    for (const k of ['spot', 'futures', 'v2', 'public', 'private']) {
        ex.urls.api[k] = mock.http;
    }
    ex.urls.api.ws.public.spot = `${mock.ws}/v5/public/spot`;
    return ex;
}

/** ccxt's Bybit book keeps no update id: note the `u` of the last frame it applied. */
function trackUpdateIds(ex) {
    const applied = {};
    const handle = ex.handleOrderBook;
    ex.handleOrderBook = function handleOrderBook(client, message) {
        handle.call(this, client, message);
        const data = message.data ?? {};
        if (data.s !== undefined && data.u !== undefined) {
            applied[data.s] = data.u;
        }
    };
    return applied;
}

async function bybitDepth(mock) {
    return (await mock.get('/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=50')).result;
}

async function runBybit() {
    const mock = await Mock.start('bybit', SPOT_ARGS);
    console.log(`bybit mock at ${mock.http} / ${mock.ws}`);
    const name = `ccxt.js ${ccxt.version} bybit`;
    const U = 'BTC/USDT';
    const ex = await withWsAgent(bybit(mock));
    const applied = trackUpdateIds(ex);
    try {
        await check(name, 'loadMarkets (instruments-info)', () => ex.loadMarkets());
        await check(name, 'market precision and limits', () => {
            const m = ex.market(U);
            return [m.spot && m.limits.amount.min === 0.000048 && m.precision.price === 0.01, JSON.stringify(m.precision)];
        });
        await check(name, 'fetchTime', () => ex.fetchTime());
        await check(name, 'fetchOrderBook', async () => {
            const ob = await ex.fetchOrderBook(U, 50);
            return ob.bids.length === 50 && ob.bids[0][0] < ob.asks[0][0];
        });
        await check(name, 'fetchBalance (wallet-balance)', async () => {
            const b = await ex.fetchBalance();
            return [b.USDT?.free === 1000000 && b.BTC?.total === 10, `USDT ${JSON.stringify(b.USDT)}`];
        });
        await check(name, 'fetchOpenOrders (none)', async () => (await ex.fetchOpenOrders(U)).length === 0);

        const d = await bybitDepth(mock);
        const bid = Number(d.b[0][0]);
        const low = Number((bid - 500).toFixed(2));
        const resting = await ex.createOrder(U, 'limit', 'buy', 0.01, low);
        report(resting.id !== undefined, name, 'createOrder limit GTC', resting.id);
        await check(name, 'fetchOrder (realtime)', async () => {
            const o = await ex.fetchOrder(resting.id, U, { acknowledged: true });
            return [o.status === 'open' && o.price === low && o.amount === 0.01, o.status];
        });
        await check(name, 'fetchOpenOrders (one)', async () => (await ex.fetchOpenOrders(U)).map((o) => o.id).join() === resting.id);
        await check(name, 'cancelOrder', async () => (await ex.cancelOrder(resting.id, U)).id === resting.id);
        await check(name, 'fetchCanceledOrders shows it', async () => {
            const o = await ex.fetchCanceledOrders(U);
            return o.length === 1 && o[0].id === resting.id && o[0].status === 'canceled';
        });
        await check(name, 'createOrder market (sell), then fetchClosedOrder', async () => {
            const sold = await ex.createOrder(U, 'market', 'sell', 0.02);
            const o = await ex.fetchClosedOrder(sold.id, U);
            return [o.status === 'closed' && o.filled === 0.02, `${o.status} ${o.filled} at ${o.average}`];
        });
        await check(name, 'createMarketBuyOrderWithCost (qty in quote)', async () => {
            const bought = await ex.createMarketBuyOrderWithCost(U, 500);
            const o = await ex.fetchClosedOrder(bought.id, U);
            return [o.status === 'closed' && o.cost > 0 && o.cost <= 500, `cost ${o.cost}`];
        });
        for (const offset of [400, 600]) {
            await ex.createOrder(U, 'limit', 'buy', 0.01, Number((bid - offset).toFixed(2)));
        }
        await check(name, 'cancelAllOrders (cancel-all)', async () => (await ex.cancelAllOrders(U)).length === 2);
        await check(name, 'fetchOpenOrders (none again)', async () => (await ex.fetchOpenOrders(U)).length === 0);

        await expectError(name, 'cancel an unknown order -> OrderNotFound',
            () => ex.cancelOrder('1800000000000999999', U), ccxt.OrderNotFound);
        await expectError(name, 'too large an order -> InsufficientFunds',
            () => ex.createOrder(U, 'limit', 'buy', 100, low), ccxt.InsufficientFunds);
        await expectError(name, 'too small an order -> InvalidOrder',
            () => ex.createOrder(U, 'limit', 'buy', 0.00001, low), ccxt.InvalidOrder);
        for (const [what, creds] of [['bad API key', { key: 'nope' }], ['bad signature', { secret: 'wrong' }]]) {
            const wrong = bybit(mock, creds);
            shareMarkets(ex, wrong);
            Object.assign(wrong.options, { enableUnifiedAccount: true, enableUnifiedMargin: false });
            await expectError(name, `${what} -> AuthenticationError`, () => wrong.fetchOpenOrders(U), ccxt.AuthenticationError);
            await wrong.close();
        }

        const snapshot = async () => {
            const r = await bybitDepth(mock);
            return [r.b, r.a, r.u];
        };
        const nonce = () => applied.BTCUSDT;
        await bookMatches(name, ex, U, mock, snapshot, 'after a moving market', nonce);
        await ex.createOrder(U, 'market', 'sell', 0.03);
        await bookMatches(name, ex, U, mock, snapshot, 'after the market moved on', nonce);
    } finally {
        await ex.close();
        await mock.stop();
    }
}

const RUNNERS = { spot: runSpot, futures: runFutures, bybit: runBybit };
for (const venue of venues.length ? venues : ['spot', 'futures', 'bybit']) {
    const run = RUNNERS[venue];
    if (!run) {
        console.error(`unknown venue ${venue}`);
        process.exit(2);
    }
    try {
        await run();
    } catch (e) {
        report(false, venue, 'aborted', `${e.constructor.name}: ${e.message}`);
        if (verbose) {
            console.error(e);
        }
    }
}
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
