"""Properties of drawing stock that hold for any layers and any withdrawal."""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bakery.domain.fifo import StockLayer, available, consume_fifo, draw_up_to

quantities = st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3)
costs = st.decimals(min_value=D("0"), max_value=D("100"), places=2)


@st.composite
def stock_and_withdrawal(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    layers = [
        StockLayer(i, 1, draw(quantities), draw(costs),
                   date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 30))))
        for i in ids
    ]
    total = available(layers)
    wanted = draw(st.decimals(min_value=D("0.001"), max_value=total, places=3))
    return layers, wanted


@settings(max_examples=200, deadline=None)
@given(stock_and_withdrawal())
def test_consumption_takes_exactly_what_was_wanted(case):
    layers, wanted = case
    draws = consume_fifo(layers, wanted)
    assert sum((d.quantity for d in draws), D(0)) == wanted
    assert all(d.quantity > 0 for d in draws)


@settings(max_examples=200, deadline=None)
@given(stock_and_withdrawal())
def test_consumption_conserves_quantity_and_value(case):
    layers, wanted = case
    draws = consume_fifo(layers, wanted)
    taken = {}
    for d in draws:
        taken[d.layer_id] = taken.get(d.layer_id, D(0)) + d.quantity
    by_id = {x.id: x for x in layers}
    for layer_id, quantity in taken.items():
        assert quantity <= by_id[layer_id].remaining
    left = [by_id[i].remaining - taken.get(i, D(0)) for i in by_id]
    assert sum(left, D(0)) + wanted == available(layers)
    value_before = sum((x.remaining * x.unit_cost for x in layers), D(0))
    value_after = sum((by_id[i].remaining - taken.get(i, D(0))) * by_id[i].unit_cost for i in by_id)
    assert value_after + sum((d.cost for d in draws), D(0)) == value_before


@settings(max_examples=200, deadline=None)
@given(stock_and_withdrawal())
def test_consumption_follows_the_order_the_layers_come_in(case):
    layers, wanted = case
    draws = consume_fifo(layers, wanted)
    used = [d.layer_id for d in draws]
    assert used == [x.id for x in layers][: len(used)]
    by_id = {x.id: x for x in layers}
    # every layer drawn before the last one is emptied completely
    for d in draws[:-1]:
        assert d.quantity == by_id[d.layer_id].remaining


@settings(max_examples=200, deadline=None)
@given(stock_and_withdrawal(), st.decimals(min_value=D("0"), max_value=D("100"), places=3))
def test_drawing_up_to_a_need_covers_what_stock_allows_and_names_the_rest(case, extra):
    layers, _ = case
    wanted = available(layers) + extra
    draws, short = draw_up_to(layers, wanted)
    assert sum((d.quantity for d in draws), D(0)) == available(layers)
    assert short == extra
