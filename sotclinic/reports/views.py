"""The researcher's download. Their landing page (what the export holds and never holds, and the button) is
clinic/research.html, the start page `/` shows researchers."""

from __future__ import annotations

import tempfile
import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sotclinic.clinic.access import require_researcher
from sotclinic.clinic.authn import require_recent_auth
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.models import Clinic
from sotclinic.reports.services import research_export


@login_required
@require_POST
def research_download(request: ClinicRequest) -> HttpResponse:
    """Any other role is refused (403) before it is asked to re-authenticate."""
    clinic_id = require_researcher(request.user)
    return _download(request, clinic_id)


@require_recent_auth(minutes=5)
def _download(request: ClinicRequest, clinic_id: uuid.UUID) -> HttpResponse:
    # Built in a temporary file (never all in memory), handed out only after its audit row is written.
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        research_export(by=request.user, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    slug = Clinic.objects.values_list("slug", flat=True).get(pk=clinic_id)
    name = f"research-{slug}-{timezone.localdate().isoformat()}.zip"
    response = FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")
    # Cache-Control: no-store comes from NoStoreMiddleware, as for every page of the app.
    return response  # type: ignore[return-value]  # streamed: the decorators pass it through untouched
