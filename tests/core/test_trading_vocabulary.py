"""Order and fill vocabulary: enum codes, final states, and validated fills."""

import math

import pytest

from tickdeck.core import Fill, InputError, Liquidity, OrderStatus, OrderType, Side, TimeInForce


def test_final_statuses_are_exactly_the_terminal_ones() -> None:
    final = {s for s in OrderStatus if s.is_final}
    assert final == {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
    }


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("stop_limit", OrderType.STOP_LIMIT),
        ("stop-limit", OrderType.STOP_LIMIT),
        ("ioc", TimeInForce.IOC),
    ],
)
def test_order_enums_parse_from_edge_strings(text: str, member: object) -> None:
    assert type(member).parse(text) is member  # type: ignore[attr-defined]


def test_fill_signs_its_quantity_by_side() -> None:
    buy = Fill(1, "ACME.XNAS", 10, Side.BUY, 100.0, 12.5, fee=0.1)
    sell = Fill(2, "ACME.XNAS", 11, Side.SELL, 40.0, 12.6, liquidity=Liquidity.MAKER, fee=-0.02)
    assert buy.signed_quantity == 100.0
    assert sell.signed_quantity == -40.0


@pytest.mark.parametrize(
    ("quantity", "price", "fee", "field"),
    [
        (0.0, 1.0, 0.0, "fill.quantity"),
        (1.0, -1.0, 0.0, "fill.price"),
        (1.0, 1.0, math.nan, "fill.fee"),
    ],
)
def test_fills_reject_impossible_values(
    quantity: float, price: float, fee: float, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        Fill(1, "ACME.XNAS", 0, Side.BUY, quantity, price, fee=fee)
    assert caught.value.field == field
