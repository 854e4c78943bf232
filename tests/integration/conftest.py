import pytest

from .helpers import Shop


@pytest.fixture
def shop(sessions):
    return Shop(sessions)
