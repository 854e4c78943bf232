"""Tax inside tax-inclusive prices, per line, half-up to cents."""

from decimal import Decimal as D

from bakery.domain.tax import net_of_tax, rate_for, tax_by_rate, tax_in


def test_tax_in_a_price_is_the_part_above_the_net():
    assert tax_in(D("12.00"), D("20")) == D("2.00")
    assert net_of_tax(D("12.00"), D("20")) == D("10.00")


def test_tax_rounds_half_up_to_cents():
    # 1.05 x 10 / 110 = 0.0954... -> 0.10; 0.55 x 10 / 110 = 0.05 exactly
    assert tax_in(D("1.05"), D("10")) == D("0.10")
    assert tax_in(D("0.55"), D("10")) == D("0.05")
    # 2.31 x 5.5 / 105.5 = 0.12042... -> 0.12
    assert tax_in(D("2.31"), D("5.5")) == D("0.12")


def test_no_rate_means_no_tax():
    assert tax_in(D("9.99"), D("0")) == D("0.00")


def test_a_rate_of_one_hundred_takes_half():
    assert tax_in(D("3.00"), D("100")) == D("1.50")


def test_eat_in_uses_its_own_rate_when_the_product_has_one():
    assert rate_for(D("7"), D("19"), eat_in=True) == D("19")
    assert rate_for(D("7"), D("19"), eat_in=False) == D("7")
    assert rate_for(D("7"), None, eat_in=True) == D("7")


def test_tax_is_summed_per_rate_lowest_first():
    assert tax_by_rate([(D("20"), D("1.00")), (D("5.5"), D("0.10")), (D("20.00"), D("0.50"))]) \
        == {D("5.50"): D("0.10"), D("20.00"): D("1.50")}
