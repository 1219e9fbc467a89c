"""The WSGI entry point. It runs Django's system checks first, so a production server started by a WSGI server
(which does not run them, unlike `sotclinic runserver`) refuses a default secret key, DEBUG on or an open host list
in the same way."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
application = get_wsgi_application()

_errors = [message for message in checks.run_checks() if message.level >= checks.ERROR]
if _errors:
    raise ImproperlyConfigured("sotclinic cannot start: " + "; ".join(f"{m.id}: {m.msg}" for m in _errors))
