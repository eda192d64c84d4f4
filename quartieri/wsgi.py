from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")

application = get_wsgi_application()

# An app may answer a few hot paths in front of Django's request stack (analytics: the
# short-link redirect and the page-view beacon) with an ``edge.py`` exposing wrap(app).
from quartieri.core.navigation import app_modules  # noqa: E402 (needs the apps loaded)

for _module in app_modules("edge"):
    application = _module.wrap(application)

# What loading Django and the apps made lives as long as the process: out of the cyclic
# collector's reach, every full collection stays short. Measured on the short-link redirect
# under wrk: p99 from 40-500 ms down to about 20 ms (docs/benchmarks.md, issue 17).
gc.freeze()
