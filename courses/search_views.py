"""The learner's lesson search, /<lang>/search/?q=… (courses.search)."""

from django.shortcuts import render
from django.utils.translation import get_language

from . import search


def search_page(request):
    query = search.parse_query(request.GET.get("q", ""))
    results = None
    if query.terms:
        results = search.search_lessons(query, language=get_language(), hidden=search.hidden_sections(request))
    return render(request, "courses/search/results.html", {
        "query": query, "results": results, "max_query": search.MAX_QUERY, "min_term": search.MIN_TERM})
