import pytest

from tests.builders import Bakery, ThroughServices


@pytest.fixture
def bakery(sessions):
    """A small bakery built through the services (no HTTP)."""
    return Bakery(ThroughServices(sessions))
