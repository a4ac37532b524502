"""The app as ``config.wsgi`` serves it, with the benchmark's URLconf (``config.bench.urls``): what the benchmark's
gunicorn runs, so the saturation run can compare the pages with the bare view on the same server."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
settings.ROOT_URLCONF = "config.bench.urls"
