"""The numbers the compiled path's shell and kernels share: codes, indexes and columns.

A kernel sees a run as two flat arrays, an int64 arena ``mi`` and a float64
arena ``mf``. Each starts with a header: the loop's state (``SI_*``, ``SF_*``:
kept between calls, so the shell can grow the arenas and resume the loop
where it stopped), then the parameters (``PI_*``, ``PF_*``), then where each
record region starts and how many rows it holds (``SI_*_AT``, ``SI_*_CAP``).
The regions follow: row ``r``, column ``c`` of a region is at ``at + r *
width + c``, with the columns named below.

Two arrays and not one per record kind because every array a compiled
function passes on costs a reference-count increment and decrement per call:
with two, a helper call costs a few nanoseconds; with twenty, the
bookkeeping cost more than the simulation.

Every name is a module-level integer, which numba freezes into the compiled
code as a constant; enumerated values are the `tickdeck.core` enums'
integers, so records leave the kernel in the vocabulary of the rest of the
system.
"""

from __future__ import annotations

from tickdeck.core import FillBasis, Liquidity, OrderStatus, OrderType, RejectReason, TimeInForce

# -- what one evaluation is -----------------------------------------------------------

MODE_QUOTES = 0  # every quote is an evaluation (price: the mid)
MODE_QUOTE_BARS = 1  # bars built from the delivered quotes' mids; the exchange sees quotes
MODE_BARS = 2  # stored bars, replayed; the exchange walks each bar's path

# Rules that fired (were *true*) at an evaluation, one bit each.
RULE_LONG_ENTRY = 1
RULE_SHORT_ENTRY = 2
RULE_LONG_EXIT = 4
RULE_SHORT_EXIT = 8

# Order tags, by the code a kernel records; `TAG_NAMES[code]` is the strategy's tag.
TAG_NAMES = (
    "long_entry",
    "short_entry",
    "long_exit",
    "short_exit",
    "stop_loss",
    "take_profit",
    "trailing_stop",
    "time_exit",
)
TAG_LONG_ENTRY, TAG_SHORT_ENTRY, TAG_LONG_EXIT, TAG_SHORT_EXIT = 0, 1, 2, 3
TAG_STOP_LOSS, TAG_TAKE_PROFIT, TAG_TRAILING_STOP, TAG_TIME_EXIT = 4, 5, 6, 7

FEES_NONE, FEES_BPS, FEES_PER_UNIT, FEES_MAKER_TAKER = 0, 1, 2, 3
SLIPPAGE_NONE, SLIPPAGE_BPS, SLIPPAGE_SPREAD, SLIPPAGE_SQUARE_ROOT = 0, 1, 2, 3
SIZING_FIXED, SIZING_PERCENT, SIZING_RISK, SIZING_VOLATILITY = 0, 1, 2, 3

NEVER = 2**63 - 1
EARLIEST = -(2**63)

# -- enum values ------------------------------------------------------------------------

BUY, SELL = 1, -1
MARKET, LIMIT = int(OrderType.MARKET), int(OrderType.LIMIT)
GTC, DAY, IOC, FOK = (
    int(TimeInForce.GTC),
    int(TimeInForce.DAY),
    int(TimeInForce.IOC),
    int(TimeInForce.FOK),
)
SUBMITTED = int(OrderStatus.SUBMITTED)
ACCEPTED = int(OrderStatus.ACCEPTED)
PARTIALLY_FILLED = int(OrderStatus.PARTIALLY_FILLED)
FILLED = int(OrderStatus.FILLED)
CANCELED = int(OrderStatus.CANCELED)
EXPIRED = int(OrderStatus.EXPIRED)
REJECTED = int(OrderStatus.REJECTED)
REASON_NONE = int(RejectReason.NONE)
INVALID_QUANTITY = int(RejectReason.INVALID_QUANTITY)
INVALID_PRICE = int(RejectReason.INVALID_PRICE)
NO_MARKET = int(RejectReason.NO_MARKET)
FOK_NOT_FILLABLE = int(RejectReason.FOK_NOT_FILLABLE)
ORDER_NOT_OPEN = int(RejectReason.ORDER_NOT_OPEN)
MAKER, TAKER = int(Liquidity.MAKER), int(Liquidity.TAKER)
BASIS_BOOK = int(FillBasis.BOOK)
BASIS_QUOTE = int(FillBasis.QUOTE)
BASIS_SYNTHETIC = int(FillBasis.SYNTHETIC_DEPTH)
BASIS_BAR_PATH = int(FillBasis.BAR_PATH)

# -- the int64 arena's header: loop state, region table, parameters ---------------------

(
    SI_EVENT,  # the next event to process
    SI_SEQ,  # the scheduling sequence (equal times keep their scheduling order)
    SI_LAST_ARRIVAL,
    SI_LAST_REPORT,
    SI_NOW,
    SI_ORDERS,
    SI_FILLS,
    SI_SAMPLES,
    SI_NEXT_SAMPLE,
    SI_NEXT_EXPIRY,
    SI_ENTRY_NS,
    SI_EVALUATIONS,  # evaluations since the position's first fill (exit_after_bars)
    SI_A_HEAD,
    SI_A_TAIL,
    SI_R_HEAD,
    SI_R_TAIL,
    SI_WORKING,
    SI_PENDING,
    SI_L_HEAD,
    SI_L_TAIL,
    SI_BOOK_SIGN,
    SI_BARS_ONLY,
    SI_ERROR,
    SI_ERROR_AT,
    # where the record regions are (offsets into mi or mf) and their rows
    SI_ORDERS_AT,
    SI_ORDERS_F_AT,
    SI_ORDERS_CAP,
    SI_FILLS_AT,
    SI_FILLS_F_AT,
    SI_FILLS_CAP,
    SI_SAMPLES_AT,
    SI_SAMPLES_F_AT,
    SI_SAMPLES_CAP,
    SI_ARRIVALS_AT,
    SI_ARRIVALS_CAP,
    SI_REPORTS_AT,
    SI_REPORTS_F_AT,
    SI_REPORTS_CAP,
    SI_WORKING_AT,
    SI_SCRATCH_AT,
    SI_WORKING_CAP,
    SI_PENDING_AT,
    SI_PENDING_F_AT,
    SI_PENDING_CAP,
    SI_LOTS_AT,
    SI_LOTS_F_AT,
    SI_LOTS_CAP,
    SI_CLOSED,  # closed lot portions written so far
    SI_CLOSED_AT,
    SI_CLOSED_F_AT,
    SI_CLOSED_CAP,
    SI_TAKE_F_AT,
    # the parameters follow the state
    PI_MODE,
    PI_EVERY,  # 1: event i is evaluation i (quotes), else `evaluation_at` maps them
    PI_LIMIT,  # 1: limit orders, 0: market orders
    PI_TIF,
    PI_OFFSET,  # limit offset, ticks of the spec's tick size
    PI_DECIMALS,  # decimals of the spec's tick size (limit prices are rounded to them)
    PI_LEVELS,  # synthetic depth
    PI_STEP_TICKS,
    PI_K,  # the instrument's tick is K * 10**-p (`Instrument.grid`)
    PI_FEES,
    PI_SLIPPAGE,
    PI_SIZING,
    PI_STOP,  # 1 when the risk rule is set
    PI_TAKE,
    PI_TRAIL,
    PI_MAX_BARS,  # 0: none
    PI_MAX_NS,  # the time exit in whole ns (a duration at least this long exits); NEVER: none
    PI_CAP,  # 1 when risk.max_position is set
    PI_HAS_RISK,
    PI_ORDER_LATENCY,
    PI_REPORT_LATENCY,
    PI_EQUITY_INTERVAL,
    PI_SESSION_END,
    HEADER_I,
) = range(76)


ERROR_NONE, ERROR_SAMPLE_TIME, ERROR_FILL_PRICE = 0, 1, 2
DONE, NEED_ROOM, FAILED = 0, 1, 2

# -- the float64 arena's header: loop state, parameters ---------------------------------

(
    SF_CASH,
    SF_POSITION,  # the portfolio's position (FIFO lot book)
    SF_MARK,  # the portfolio's mark: last delivered mid or bar close (NaN before)
    SF_FILL_PRICE,
    SF_TARGET,
    SF_ENTRY,
    SF_BEST,
    SF_BID,  # the exchange's market
    SF_ASK,
    SF_BID_SIZE,
    SF_ASK_SIZE,
    SF_LAST_PRICE,
    SF_ERROR_VALUE,
    # the parameters follow the state
    PF_LIMIT_TICK,  # the spec's tick size (limit prices)
    PF_TICK,  # float(instrument.tick_size)
    PF_SCALE,  # 10**p of the instrument's grid
    PF_KF,  # K as a float
    PF_LOT,  # float(instrument.lot_size)
    PF_MULTIPLIER,
    PF_FLAT,  # the lot book's flat tolerance
    PF_DEPTH_MULTIPLE,
    PF_FEE_A,  # bps | per unit | maker bps
    PF_FEE_B,  # minimum | taker bps
    PF_SLIP_A,  # bps | fraction | coefficient
    PF_SLIP_B,  # volatility
    PF_SLIP_C,  # default volume
    PF_QUANTITY,  # fixed sizing
    PF_PERCENT,  # percent | annual percent
    PF_SIZE_LOT,
    PF_PERIODS_PER_YEAR,
    PF_RISK_STOP,  # the stop-loss percent risk sizing divides by (inf without one)
    PF_STOP,
    PF_TAKE,
    PF_TRAIL,
    PF_CAP,
    PF_INITIAL_CASH,
    HEADER_F,
) = range(37)

# -- record regions and their columns -------------------------------------------------
#
# orders (int and float parts), fills (int, float), samples (time; values), the
# arrivals queue (order and cancel arrivals at the exchange), the reports queue
# (int; the filled quantity of an update), the exchange's working list and a
# scratch copy of it to iterate over, the strategy's orders in flight (int,
# float), the open FIFO lots (int, float), the closed lot portions (int,
# float), and one taker order's fills
# (price, quantity, basis) per synthetic-depth level.

O_SIDE, O_TYPE, O_TIF, O_TAG, O_STATUS, O_CREATED, O_UPDATED, O_REASON, O_EXPIRE = range(9)
O_COLUMNS = 9
OF_QUANTITY, OF_LIMIT, OF_FILLED, OF_NOTIONAL, OF_REFERENCE = range(5)
OF_COLUMNS = 5
F_ORDER, F_TS, F_LIQUIDITY, F_BASIS = range(4)
F_COLUMNS = 4
FF_QUANTITY, FF_PRICE, FF_FEE, FF_SLIPPAGE = range(4)
FF_COLUMNS = 4
S_EQUITY, S_CASH, S_GROSS, S_NET, S_PRICE = range(5)
S_COLUMNS = 5
A_TIME, A_SEQ, A_KIND, A_ORDER = range(4)
A_COLUMNS = 4
ARRIVE_ORDER, ARRIVE_CANCEL = 0, 1
R_TIME, R_SEQ, R_KIND, R_ORDER, R_DETAIL = range(5)  # detail: the fill's index, or the status
R_COLUMNS = 5
REPORT_FILL, REPORT_UPDATE = 0, 1
PE_ORDER, PE_COUNTED, PE_FINAL = range(3)
PE_COLUMNS = 3
PEF_SIGN, PEF_QUANTITY, PEF_DELIVERED = range(3)
PEF_COLUMNS = 3
L_TS, L_ORDER = range(2)  # an open lot (`LotBook`'s _Lot)
L_COLUMNS = 2
LF_QUANTITY, LF_PRICE, LF_UNIT_COST, LF_FEE_PER_UNIT = range(4)
LF_COLUMNS = 4
C_SIDE, C_ENTRY_TS, C_ENTRY_ORDER, C_EXIT_TS, C_EXIT_ORDER = range(5)  # a `ClosedLot`
C_COLUMNS = 5
CF_QUANTITY, CF_ENTRY_PRICE, CF_EXIT_PRICE, CF_GROSS, CF_FEES = range(5)
CF_COLUMNS = 5
