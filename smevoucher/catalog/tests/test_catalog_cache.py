"""The public catalogue's cache: aggregates and page ids cached, products read fresh, and
every change of what the catalogue shows visible at once after commit."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smevoucher.catalog import services
from smevoucher.catalog.selectors import catalog_category_counts, catalog_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _page_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalog:index"))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_a_visitor_gets_the_cached_catalogue_without_a_query(client, make_product):
    # given three products on sale and a first visit that fills the cache
    for _ in range(3):
        make_product("on_sale")
    first, _content = _page_queries(client)
    # when a visitor who is not logged in asks again
    again, content = _page_queries(client)
    # then the page's body comes from the cache whole
    assert first > 0
    assert again == 0
    assert content.count("专利分级评价") >= 3
    assert 'name="csrfmiddlewaretoken"' in content  # the header's forms are rendered fresh


def test_a_logged_in_catalogue_reads_only_the_programs_and_its_products(
    client, make_product, enterprise_user
):
    # given products on sale and a logged-in person's first visit that fills the cache
    for _ in range(3):
        make_product("on_sale")
    client.force_login(enterprise_user)
    first, _content = _page_queries(client)
    # when the page is asked again
    again, content = _page_queries(client)
    # then the counts and the page's ids come from the cache (two statements fewer; the
    # number of matches is the counts' sum); the products of the page are still read, by id
    assert again == first - 2
    assert content.count("专利分级评价") >= 3


def test_the_cached_catalogue_is_per_language(client, make_product):
    make_product("on_sale")
    chinese = client.get(reverse("catalog:index")).content.decode()
    english = client.get(reverse("catalog:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "没有符合条件" not in chinese
    assert chinese != english


def test_a_product_going_off_sale_leaves_the_cached_catalogue_after_commit(
    client, make_product, provider_user, django_capture_on_commit_callbacks
):
    # given a product on sale, listed and counted from the cache
    product = make_product("on_sale")
    assert [p.pk for p in catalog_listing()[0:12]] == [product.pk]
    assert sum(catalog_category_counts().values()) == 1
    # when the provider takes it off sale (the change commits)
    with django_capture_on_commit_callbacks(execute=True):
        services.product_transition(actor=provider_user, product_id=product.pk, action="unpublish")
    # then neither the list nor the counts still show it
    assert list(catalog_listing()[0:12]) == []
    assert catalog_listing().count() == 0
    assert sum(catalog_category_counts().values()) == 0


def test_a_stale_cached_page_never_shows_a_product_that_left_the_catalogue(
    make_product, provider_user
):
    # given page ids cached while a product was on sale
    product = make_product("on_sale")
    assert [p.pk for p in catalog_listing()[0:12]] == [product.pk]
    # when it goes off sale and the generation has not moved yet (before commit)
    services.product_transition(actor=provider_user, product_id=product.pk, action="unpublish")
    # then the page, read fresh by id, leaves it out
    assert list(catalog_listing()[0:12]) == []


def test_with_the_cache_off_every_call_reads_the_database(settings, make_product):
    settings.CATALOG_CACHE_SECONDS = 0
    make_product("on_sale")
    catalog_category_counts()
    with CaptureQueriesContext(connection) as queries:
        catalog_category_counts()
    assert len(queries) == 1


def test_without_a_category_the_number_of_matches_is_the_sum_of_the_counts(settings, make_product):
    # given products on sale and the cache off (every read goes to the database)
    settings.CATALOG_CACHE_SECONDS = 0
    for _ in range(3):
        make_product("on_sale")
    listing = catalog_listing()
    # when the number of matches is asked, then it is the data's, read by the counts' query
    with CaptureQueriesContext(connection) as queries:
        assert listing.count() == 3
    assert "GROUP BY" in queries[0]["sql"]
    # and with a category the listing counts its own matches
    category = catalog_listing(category=make_product("on_sale").category)
    assert category.count() == 4
