"""The Italian interface speaks Italian: every page of the menu, rendered in Italian and in
English, has no interface text left in English (how such text is found: tests/untranslated.py)."""

from __future__ import annotations

from django.urls import reverse

from quartieri.core.navigation import navigation_items
from tests.untranslated import english_left, texts_in_both_languages


def menu_paths() -> list[str]:
    return ["/", "/todo/"] + [reverse(item.url_name) for item in navigation_items()]


def test_no_english_is_left_on_the_italian_pages(client_for, admin_user):
    client = client_for(admin_user)
    left = {}
    for path in menu_paths():
        pages = texts_in_both_languages(client, path)
        assert pages["it"] != pages["en"], path  # the page did switch language
        if english := english_left(pages["it"], pages["en"]):
            left[path] = english
    assert left == {}


def test_months_are_lower_case_mid_sentence_in_italian(client_for, analyst):
    """ "Salvato … il 3 maggio 2021", not "3 Maggio": Django's Italian capitalises month
    names; core's catalogue writes them as Italian does (quartieri/core/dates.py)."""
    import datetime as dt

    from django.template import Context, Template
    from django.utils import timezone, translation

    from quartieri.planner.models import SavedPlan

    plan = SavedPlan.objects.create(name="Primavera", inputs={}, result={})
    at = dt.datetime(2021, 5, 3, 10, 0, tzinfo=timezone.get_current_timezone())
    SavedPlan.objects.filter(pk=plan.pk).update(created_at=at)
    client = client_for(analyst)
    client.cookies["django_language"] = "it"
    html = client.get(f"/planner/saved/{plan.pk}/", headers={"accept-language": "it"})
    assert "il 3 maggio 2021, 10:00" in html.content.decode()
    with translation.override("it"):
        heading = Template('{{ d|date:"F Y"|capfirst }}').render(Context({"d": at}))
    assert heading == "Maggio 2021"  # a heading that starts with the month
