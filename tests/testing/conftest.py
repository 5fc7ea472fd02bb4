"""pytest's own ``pytester``: example test files run in a sub-pytest and their outcomes checked."""

pytest_plugins = ["pytester"]
