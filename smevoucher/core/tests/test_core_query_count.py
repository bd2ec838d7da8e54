import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_constant_json_without_touching_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@override_settings(QUERY_COUNT_HEADER=True)
def test_query_count_header_counts_the_requests_statements():
    # given the benchmark's setting on (middleware is built per client handler)
    # when a page that reads the database is served
    response = Client().get("/products/")
    # then the header says how many statements it ran
    assert response.status_code == 200
    assert int(response["X-Query-Count"]) > 0
    assert Client().get("/healthz")["X-Query-Count"] == "0"


def test_query_count_header_is_absent_by_default():
    assert "X-Query-Count" not in Client().get("/healthz")
