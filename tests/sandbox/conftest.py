from tests.sandbox.fixtures import sandbox  # noqa: F401  (fixture)
