"""Drives third-party Python exchange SDKs against the three mocks of `mock-exchange`.

Started by scripts/real-clients, which installs them into a virtualenv and builds the mock's
binary. Binance spot (binance_spot.py): ccxt (with ccxt.pro) and python-binance. Binance USD-M futures
(binance_usdm.py): ccxt's `binanceusdm`. Bybit v5 spot (bybit_spot.py): ccxt's `bybit`. Every check prints
one line, PASS or FAIL; the last line is "N passed, M failed", and the exit status is non-zero
when anything failed.

The order-book checks compare each client's own book with the mock's REST depth at the same
update id: the market is made quiet (it stops moving by itself, streams stay up), the REST
snapshot gives the id L, and the client's book must reach L and then equal the snapshot level
for level.

Usage: run.py --mock-bin PATH [--venue spot|futures|bybit]... [-v]
"""

import argparse
import asyncio
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import binance_spot  # noqa: E402
import binance_usdm  # noqa: E402
import bybit_spot  # noqa: E402
from common import RESULTS, report  # noqa: E402

VENUES = {"spot": binance_spot, "futures": binance_usdm, "bybit": bybit_spot}


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mock-bin", required=True)
    parser.add_argument("--venue", action="append", choices=sorted(VENUES),
                        help="run only these venues (default: all)")
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    for venue in args.venue or ["spot", "futures", "bybit"]:
        try:
            await VENUES[venue].run(args.mock_bin)
        except Exception as e:  # noqa: BLE001
            report(False, venue, "aborted", f"{type(e).__name__}: {e}")
            traceback.print_exc()
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed", flush=True)
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
