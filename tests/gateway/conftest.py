"""Gateway tests run in plain asyncio: `.venv/bin/python -m pytest -p no:pytest_nameko tests/gateway`."""


def pytest_addoption(parser):
    # pyproject's addopts carries a flag of nameko's pytest plugin, which is disabled here.
    try:
        parser.addoption("--suppress-nameko-eventlet-notification", action="store_true")
    except ValueError:  # the nameko plugin is loaded after all and owns the flag
        pass
