"""Essay attachments over HTTP: upload and remove (JSON for attempt.js, a redirect back to the
attempt for plain forms) and download, only ever as a download, to the file's owner and graders.

An upload's size is judged from its Content-Length before its body is read: the view is
exempt from the CSRF middleware (which would parse the whole multipart body first) and checks
the token itself once the size is known, as Django's docs advise for upload handling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from . import api, attachments

# Room for the multipart framing, the CSRF token and the position around the file itself.
FORM_OVERHEAD = 64 * 1024


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _refuse(request, error, attempt_id):
    """The error as JSON for scripts; for a form, a page (someone else's or no such attempt),
    the attempt (closed: it shows the result) or the attempt with the reason on top."""
    if _wants_json(request):
        return JsonResponse({"error": str(error)}, status=error.status)
    if isinstance(error, api.AttemptNotFound):
        return render(request, "403.html", {"reason": str(error)}, status=error.status)
    if not isinstance(error, api.AttemptClosed):
        messages.error(request, str(error))
    return redirect("quizzes:attempt", attempt_id)


@csrf_exempt
@require_POST
@login_required
def upload(request, attempt_id):
    """Attach the form's `file` to essay `position`: 201 with the file (JSON) or back to the attempt."""
    length = request.headers.get("Content-Length") or "0"
    if not (length.isascii() and length.isdigit()):
        return _refuse(request, api.BadResponse(_("The request's Content-Length is not a number.")), attempt_id)
    if int(length) > attachments.max_bytes() + FORM_OVERHEAD:
        return _refuse(request, attachments.FileTooLarge(attachments.too_large_message()), attempt_id)
    return _upload(request, attempt_id)


@csrf_protect
def _upload(request, attempt_id):
    try:
        record = attachments.add_attachment(request.user, attempt_id, request.POST.get("position"),
                                            request.FILES.get("file"))
    except api.QuizError as error:
        return _refuse(request, error, attempt_id)
    position = record.attempt_question.position
    if _wants_json(request):
        return JsonResponse({
            "id": record.pk, "name": record.name, "size": record.size, "size_label": filesizeformat(record.size),
            "position": position, "url": reverse("quizzes:attachment", args=[record.pk]),
            "remove_url": reverse("quizzes:attachment_remove", args=[attempt_id, record.pk]),
        }, status=201)
    return redirect(reverse("quizzes:attempt", args=[attempt_id]) + f"#essay-{position}")


@require_POST
@login_required
def remove(request, attempt_id, file_id):
    """Remove one of the attempt's files: 200 (JSON) or back to the attempt."""
    try:
        position = attachments.remove_attachment(request.user, attempt_id, file_id)
    except api.QuizError as error:
        return _refuse(request, error, attempt_id)
    if _wants_json(request):
        return JsonResponse({"removed": file_id, "position": position})
    return redirect(reverse("quizzes:attempt", args=[attempt_id]) + f"#essay-{position}")


@require_GET
@login_required
def download(request, file_id):
    """The file, as a download under its cleaned name and the type its content showed; never
    rendered by the browser (nosniff, a sandbox policy), never kept by a shared cache."""
    try:
        record = attachments.file_for(request.user, file_id)
        stream = record.file.open("rb")
    except (api.QuizError, OSError):  # OSError: the row outlived its file
        return render(request, "404.html", status=404)
    response = FileResponse(stream, as_attachment=True, filename=record.name, content_type=record.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
