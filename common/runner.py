"""Run one nameko service from `python -m services.<name>`, same as `nameko run`."""
import os
import sys

from common.settings import ROOT


def run_service(module):
    from nameko.cli.main import main

    sys.argv = ["nameko", "run", "--config", os.path.join(ROOT, "deploy", "nameko.yaml"), module]
    main()
