import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
import time_machine

from analytics.models import MetricSnapshot
from publishing.models import PostVersion
from tests.factories import ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(account):
    profile = ProfileFactory(connection__account=account, name="Acme IG")
    rows = []
    for n, (bucket, likes) in enumerate((("tips", 90), ("promo", 10), ("tips", 50))):
        target = TargetFactory(
            post__account=account, post__bucket=bucket, post__caption=f"Post {n}", profile=profile,
            status="published", published_at=datetime(2026, 11, 16 + n, 9, 0, tzinfo=UTC),
            platform_post_id=f"m{n}", permalink=f"https://www.instagram.com/p/{n}/",
        )  # fmt: skip
        MetricSnapshot.objects.create(target=target, window="24h", collected_at=NOW, reach=1000,
                                      views=1500, likes=likes, comments=5, engagements=likes + 5)  # fmt: skip
        rows.append(target)
    return rows


def test_reports_totals_groups_top_and_heatmap(owner_client, account, published):
    page = owner_client.get(f"/a/{account.slug}/reports/").content.decode()
    assert "<strong>3</strong> posts (3 measured)" in page
    assert "reach <strong>3000</strong>" in page and "engagements <strong>165</strong>" in page
    assert "By content bucket" in page and "promo" in page
    assert page.index("Post 0") < page.index("Post 2") < page.index("Post 1")  # top posts order
    assert "chart.umd.min.js" in page and 'id="chart-data"' in page
    assert 'class="heat-10"' in page  # the best hour of week is the darkest cell


def test_chart_data_is_a_json_object_for_the_charts_script(owner_client, account, published):
    page = owner_client.get(f"/a/{account.slug}/reports/").content.decode()
    data = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page)
    chart = json.loads(data.group(1))  # static/js/reports.js reads it with one JSON.parse
    assert chart["platforms"]["labels"] == ["Instagram"]
    assert chart["buckets"]["labels"] and len(chart["buckets"]["rates"]) == 2


def test_empty_state_explains_when_data_will_appear(owner_client, account):
    page = owner_client.get(f"/a/{account.slug}/reports/").content.decode()
    assert "Metrics appear 1 hour after a post goes out" in page


def test_range_filter_and_bad_range(owner_client, account, published):
    page = owner_client.get(
        f"/a/{account.slug}/reports/", {"start": "2026-11-17", "end": "2026-11-17"}
    )
    assert "<strong>1</strong> posts" in page.content.decode()
    bad = owner_client.get(
        f"/a/{account.slug}/reports/", {"start": "2026-11-18", "end": "2026-11-01"}
    )
    assert bad.status_code == 200 and "To must be on or after From" in bad.content.decode()
    assert (
        owner_client.get(f"/a/{account.slug}/reports/", {"start": "yesterday"}).status_code == 200
    )


def csv_rows(client, account) -> list[dict]:
    response = client.get(f"/a/{account.slug}/reports/metrics.csv")
    assert response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_has_one_row_per_published_target(owner_client, account, published):
    rows = csv_rows(owner_client, account)
    assert [r["post_id"] for r in rows] == [str(t.post_id) for t in published]
    assert rows[0]["likes"] == "90" and rows[0]["engagement_rate_percent"] == "9.500"
    assert "engagement_rate" not in rows[0]  # a fraction no longer hides behind a vague name
    assert rows[0]["saves"] == ""  # not reported is empty, not zero


def test_csv_times_are_local_with_offset_to_the_second(owner_client, account, published):
    account.timezone = "America/New_York"
    account.save()
    published[0].published_at = datetime(2026, 11, 16, 9, 0, 30, 123456, tzinfo=UTC)
    published[0].save()
    rows = csv_rows(owner_client, account)
    assert rows[0]["published_at"] == "2026-11-16T04:00:30-05:00"  # no microseconds, not UTC
    assert rows[0]["timezone"] == "America/New_York"


def test_csv_caption_is_what_each_target_published(
    owner_client, account, published, django_assert_max_num_queries
):
    post = published[0].post
    PostVersion.objects.create(post=post, platform=published[0].profile.platform, caption="IG cut")
    with django_assert_max_num_queries(7):  # not one per row
        rows = csv_rows(owner_client, account)
    assert [r["caption"] for r in rows] == ["IG cut", "Post 1", "Post 2"]


def test_rates_read_as_percentages_with_one_decimal(owner_client, account, published):
    page = owner_client.get(f"/a/{account.slug}/reports/").content.decode()
    # 165 engagements / 3000 reach = 5.5%; tips 150 / 2000 = 7.5%; promo 15 / 1000 = 1.5%
    assert "engagement rate <strong>5.5%</strong>" in page
    assert "<td>7.5%</td>" in page and "<td>1.5%</td>" in page
    assert "0.075" not in page and "0.055" not in page  # no bare fractions anywhere
    assert 'title="9.5% engagement"' in page  # the heatmap cell's hover text
    chart = json.loads(
        re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page)[1]
    )
    assert sorted(chart["buckets"]["rates"]) == [1.5, 7.5]


def test_outsiders_get_404(outsider_client, account, published):
    assert outsider_client.get(f"/a/{account.slug}/reports/").status_code == 404
    assert outsider_client.get(f"/a/{account.slug}/reports/metrics.csv").status_code == 404


def test_post_page_shows_snapshots(owner_client, account, published):
    page = owner_client.get(f"/a/{account.slug}/posts/{published[0].post_id}/").content.decode()
    assert "<td>24h</td><td>1000</td><td>1500</td><td>90</td>" in page
