from tests.qualification.conftest import buy, qualified  # noqa: F401 - shared fixtures
