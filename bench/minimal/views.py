"""The quiz benchmark's write anchor (bench/quiz.py): read a small JSON body, insert one row,
answer 200 with JSON, behind the same middleware (sessions, CSRF, auth) as the quiz views."""

import json

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import BenchRow


@require_POST
def insert(request):
    payload = json.loads(request.body or b"null")
    row = BenchRow.objects.create(user_id=request.user.pk or 0, payload=payload)
    return JsonResponse({"saved_at": row.saved_at.isoformat(), "id": row.pk})
