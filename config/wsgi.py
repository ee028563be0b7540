import gc
import os

from django.core.wsgi import get_wsgi_application

from config.warmup import warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# What start-up loads (apps, models, the URLconf and its reverse tables, built by warm_up: some
# 200,000 objects) lives as long as the worker. Frozen, it is left out of the collector's full
# passes, which otherwise stall one request for tens of milliseconds every few hundred: the p99
# of every page (docs/performance.md).
warm_up()
gc.freeze()
