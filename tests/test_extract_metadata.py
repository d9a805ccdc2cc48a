"""Metadata cascades: authors and dates from JSON-LD, meta tags, microdata and the DOM."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scraper.extract import dates, extract
from scraper.models import DayDate

FILLER = "<p>" + "Filler paragraph of the page's template and text. " * 120 + "</p>"


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# ---------------------------------------------------------------- title


def test_heading_that_writes_quotes_and_dashes_typographically_is_the_title() -> None:
    head = "<title>Editor's Letter - bye OC Baby | Site</title>"
    a = extract(page(head, "<h1>Editor’s Letter – bye OC Baby</h1>" + FILLER))
    assert a.title == "Editor’s Letter – bye OC Baby"


@pytest.mark.parametrize(
    "title",
    ["Chronik: Lotte Tobisch ist tot - wien.ORF.at", "SARS-2 - Lotte Tobisch ist tot | Blog"],
)
def test_heading_that_is_one_part_of_the_title_is_the_title(title: str) -> None:
    a = extract(page(f"<title>{title}</title>", "<h1>Lotte Tobisch ist tot</h1>" + FILLER))
    assert a.title == "Lotte Tobisch ist tot"


def test_html_escaped_json_ld_headline_is_unescaped() -> None:
    ld = """<script type="application/ld+json">{"@type": "NewsArticle", "headline":
      "Rene Benko-Firma Signa in Sorge &#8211; Finanzdaten &amp; Beraterauftrag"}</script>"""
    title = extract(page(ld, FILLER)).title
    assert title == "Rene Benko-Firma Signa in Sorge – Finanzdaten & Beraterauftrag"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        (
            '<span class="dachzeile">Nach Corona-Lockerungen</span> '
            '<span class="headline">Autohäuser rechnen mit langsamem Anlauf</span>',
            "Autohäuser rechnen mit langsamem Anlauf",
        ),
        (
            "<span><small>Einheit der Woche</small><br>Lagen-Pyramide mit GA2 und mehr</span>",
            "Lagen-Pyramide mit GA2 und mehr",
        ),
        (
            "<span>Klimaschutz</span><span>: </span><span>Bohren, bis es heiß wird</span>",
            "Bohren, bis es heiß wird",
        ),
        # emphasis in the heading's sentence is no kicker; nor is a word before plain text
        ("<b>Editor’s Letter:</b><i> bye OC Baby, hi Bernsi!</i>", None),
        ("<span>Star Wars</span> Original Cuts Might Get Released", None),
    ],
)
def test_kicker_line_of_the_heading_is_not_the_title(heading: str, expected: str | None) -> None:
    a = extract(page("", f"<h1>{heading}</h1>" + FILLER))
    h1 = " ".join(extract(page("", f"<div>{heading}</div>")).text.split())
    assert a.title == (expected or h1)


def test_social_title_that_the_title_tag_extends_keeps_its_parts() -> None:
    head = (
        '<meta property="og:title" content="Bericht vom 22.04.2020 – worauf wartet die Politik?">'
        "<title>Bericht vom 22.04.2020 – worauf wartet die Politik? – ACHGUT.COM</title>"
    )
    a = extract(page(head, FILLER))
    assert a.title == "Bericht vom 22.04.2020 – worauf wartet die Politik?"
    # without the longer <title>, a short part may still be the site's name
    a = extract(page(head.split("<title>")[0], FILLER))
    assert a.title == "worauf wartet die Politik?"


# ---------------------------------------------------------------- authors


def test_json_ld_graph_author_reference_is_resolved() -> None:
    ld = """<script type="application/ld+json">{"@graph": [
      {"@type": "Article", "headline": "Hi", "author": {"@id": "https://x.org/#/person/1"}},
      {"@type": ["Person"], "@id": "https://x.org/#/person/1", "name": "Ana Ruiz"}]}</script>"""
    a = extract(page(ld, "<h1>Hi</h1><p>Von Ana Ruiz</p>" + FILLER))
    assert a.authors == ["Ana Ruiz"]


def test_metadata_author_not_shown_on_a_full_page_is_dropped() -> None:
    head = '<meta name="author" content="Jannik Westerkamp">'
    a = extract(page(head, "<h1>Title here</h1>" + FILLER))
    assert a.authors == []


def test_organisation_author_is_not_a_person() -> None:
    ld = """<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
      "author": [{"@type": "Organization", "name": "Daily Example"},
                 {"@type": "Person", "name": "Lee Chan"}]}</script>"""
    assert extract(page(ld, "<p>Lee Chan</p>")).authors == ["Lee Chan"]


def test_microdata_author() -> None:
    body = (
        '<article itemscope itemtype="https://schema.org/Article"><h1 itemprop="headline">H</h1>'
        '<span itemprop="author" itemscope><span itemprop="name">Marta Gómez</span></span>'
        "<p>Text.</p></article>"
    )
    assert extract(page("", body)).authors == ["Marta Gómez"]


@pytest.mark.parametrize("href", [' href="/p/7"', ""])
def test_microdata_author_on_a_link(href: str) -> None:
    # a link is one of the page's links and, with its itemprop, the author's name too
    body = (
        f'<h1>H</h1><p>Text.</p><footer><a{href} itemprop="author">Marta Gómez</a></footer>'
        '<a href="/other">Other page</a>'
    )
    a = extract(page("", body), "https://example.org/story")
    assert a.authors == ["Marta Gómez"]
    expected = ["https://example.org/other"]
    if href:
        expected.insert(0, "https://example.org/p/7")
    assert [link.url for link in a.links] == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Von Anna Schmidt und Peter Müller", ["Anna Schmidt", "Peter Müller"]),
        ("Por María López y Juan Pérez", ["María López", "Juan Pérez"]),
        ("Par Claire Martin et Luc Bernard", ["Claire Martin", "Luc Bernard"]),
        ("Di Giulia Rossi", ["Giulia Rossi"]),
        ("Door Sanne de Vries", ["Sanne de Vries"]),
        ("Veröffentlicht von Chris Jung", ["Chris Jung"]),
        ("Eingestellt von Karl Weber", ["Karl Weber"]),
        ("By Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Autor: Max Mustermann", ["Max Mustermann"]),
    ],
)
def test_bylines_in_several_languages(byline: str, expected: list[str]) -> None:
    body = f'<h1>A title</h1><div class="byline">{byline}</div><p>Body text.</p>'
    assert extract(page("", body)).authors == expected


@pytest.mark.parametrize(
    ("under_title", "expected"),
    [
        ("<p>Von <a href='/a/1'>Vanessa Franke</a></p>", ["Vanessa Franke"]),
        ("<p>Posted on September 21, 2020 by Adi Tzlil</p>", ["Adi Tzlil"]),
        ("<p>Von Kinderbetten sind möglich</p>", []),
        (
            "<p>Text von Christian Seiler &nbsp; &nbsp; Illustration von Markus Roost</p>",
            ["Christian Seiler"],
        ),
        ("<p>Ein Interview von <b>Eugen Zentner</b> mit Sonja Silberhorn.</p>", ["Eugen Zentner"]),
        ("<p>11.12.2019 - Amelie Loevenich</p>", ["Amelie Loevenich"]),
        ("<p>06.11.2023 13:30 von Olga</p>", ["Olga"]),
        ("<p>- Redaktion: Eberhard Fuhr (Pressesprecher)</p>", ["Eberhard Fuhr"]),
        ("<p>Text: Klaus Friedrich</p>", ["Klaus Friedrich"]),
        ("<p>Ein Beitrag von Olga</p>", []),
        ("<p>Jane Doe | 3. Mai 2021</p>", ["Jane Doe"]),
        ("<p>01. November 2021 | Naturschutz, BUND</p>", []),
        ("<p>By</p>", []),
        # a user name in an element of its own after the byline's word
        ("<p>Von <a href='/u/7'>zahlenzauberin</a> am 3. Mai 2021</p>", ["zahlenzauberin"]),
        ("<p><span>by</span> <a href='/u/7'>LD</a></p>", ["LD"]),
        ("<p>Von <a href='/u/1'>admin</a></p>", []),
        # "von" in a caption's sentence names no author
        ("<p>Die Polizei fand die Leiche von Esmeralda Merlot</p>", []),
    ],
)
def test_byline_text_under_the_title(under_title: str, expected: list[str]) -> None:
    body = f"<h1>A longer title of the article</h1>{under_title}{FILLER}"
    assert extract(page("<title>A longer title of the article</title>", body)).authors == expected


def test_separator_after_a_name_goes_with_the_label_after_it() -> None:
    byline = "erstellt von Dominique — veröffentlicht 28.01.2022 06:00"
    body = f'<h1>A title</h1><div class="byline">{byline}</div><p>Body text.</p>'
    assert extract(page("", body)).authors == ["Dominique"]


@pytest.mark.parametrize(
    ("site", "expected"),
    [("Elavegan", ["Ela"]), ("Ela Kocht", []), ("ela.com", []), ("E-L-A", []), ("e.la.com", [])],
)
def test_author_is_dropped_only_when_it_names_the_site_in_whole_words(
    site: str, expected: list[str]
) -> None:
    ld = """<script type="application/ld+json">{"@type": "Article", "headline": "A title",
      "author": {"@type": "Person", "name": "Ela"}}</script>"""
    head = f'{ld}<meta property="og:site_name" content="{site}">'
    assert extract(page(head, "<h1>A title</h1><p>By Ela</p>" + FILLER)).authors == expected


def test_writer_credit_at_the_end_of_the_article_names_the_author() -> None:
    credit = "<p>Text von Jane Doe &nbsp; Illustration von John Roe</p>"
    a = extract(page("", f"<h1>A longer title of the article</h1>{FILLER}{FILLER}{credit}"))
    assert a.authors == ["Jane Doe"] and "Illustration" not in a.text


@pytest.mark.parametrize(
    "value", ["Expertin für Neue Arbeit", "MeetingsLike319Comment160ShareLinkedInFacebook"]
)
def test_phrases_and_words_run_together_are_not_names(value: str) -> None:
    head = f'<meta name="author" content="{value}">'
    assert extract(page(head, f"<h1>A title</h1><p>{value}</p>{FILLER}")).authors == []


def test_comment_authors_are_not_bylines() -> None:
    body = '<h1>A title</h1><p>Text.</p><div class="vcard"><b class="fn">Peter</b> sagt:</div>'
    assert extract(page("", body)).authors == []


def test_author_cleanup() -> None:
    names = "By jane@example.com, @janedoe, Jane Doe, Redaktion, jane doe"
    head = f'<meta name="author" content="{names}">'
    assert extract(page(head, "<p>x</p>")).authors == ["Jane Doe"]
    head = '<meta name="author" content="https://x.org/jane">'
    assert extract(page(head, "<p>x</p>")).authors == []


# ---------------------------------------------------------------- dates


def test_published_preferred_over_modified() -> None:
    head = (
        '<meta property="article:modified_time" content="2021-05-06T10:00:00Z">'
        '<meta property="article:published_time" content="2021-05-01T10:00:00Z">'
    )
    a = extract(page(head, "<p>x</p>"))
    assert a.published == datetime(2021, 5, 1, 10, tzinfo=UTC)
    assert a.modified == datetime(2021, 5, 6, 10, tzinfo=UTC)


def test_microdata_and_time_tag_dates() -> None:
    body = '<h1>T</h1><meta itemprop="datePublished" content="2020-02-03"><p>x</p>'
    assert extract(page("", body)).published == datetime(2020, 2, 3, tzinfo=UTC)
    body = (
        '<h1>T</h1><time class="updated" datetime="2020-03-09">9 March</time>'
        '<time class="published" datetime="2020-03-04T08:00:00+01:00">4 March</time><p>x</p>'
    )
    published = extract(page("", body)).published
    assert published is not None and published.isoformat() == "2020-03-04T08:00:00+01:00"


def test_url_date() -> None:
    a = extract(page("", "<p>x</p>"), "https://example.com/news/2018/11/09/some-story")
    assert a.published == datetime(2018, 11, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("24. März 2021", (2021, 3, 24)),
        ("24 de marzo de 2021", (2021, 3, 24)),
        ("March 24, 2021", (2021, 3, 24)),
        ("24.03.2021 | Politik", (2021, 3, 24)),
        ("Kultur, 24.3.21", (2021, 3, 24)),
        ("2021年3月24日", (2021, 3, 24)),
        ("24 марта 2021", (2021, 3, 24)),
        ("Publié le 24 mars 2021", (2021, 3, 24)),
    ],
)
def test_date_shown_near_the_title(shown: str, expected: tuple[int, int, int]) -> None:
    body = f'<div class="x"><h1>A title</h1><p class="sub">{shown}</p></div>{FILLER}'
    assert extract(page("", body)).published == datetime(*expected, tzinfo=UTC)


def test_date_shown_before_the_title() -> None:
    body = "<p>Menu</p><span>12.01.2022</span><h1>A title</h1>" + FILLER
    assert extract(page("", body)).published == datetime(2022, 1, 12, tzinfo=UTC)


def test_date_in_running_text_is_not_a_dateline() -> None:
    text = "Als wir uns trafen, war es noch kalt und am 12. Mai 2006 begann eine lange Geschichte."
    body = f"<h1>A title</h1><p>{text * 3}</p>"
    assert extract(page("", body)).published is None


ARTICLE = "<p>" + "A sentence of the article that goes on for a while. " * 6 + "</p>"


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("(21. November 2022) Energieverbraucher erhalten eine Preiserhöhung", (2022, 11, 21)),
        ("Karlsruhe, (12.11.2021). Traditionell gedenken Christen", (2021, 11, 12)),
        ("2021-10-16 | Botschaft", (2021, 10, 16)),
        ("Am 15.12.2016 treffen sich Akteure zum monatlichen Stammtisch", None),  # running text
    ],
)
def test_a_dateline_starting_the_articles_text_dates_a_page_without_one(
    first: str, expected: tuple[int, int, int] | None
) -> None:
    # energieverbraucher.de (w0622; its news list's first date was taken), ditib.de (w0186)
    side = '<div class="news-date">29.11.2022</div><a href="/n">Eine andere Meldung</a>'
    body = f'<h2>A title</h2><p>Von Jane Doe</p><p>{first}</p>{ARTICLE * 4}<div id="x">{side}</div>'
    published = extract(page("", body)).published
    assert published == (
        datetime(*expected, tzinfo=UTC) if expected else datetime(2022, 11, 29, tzinfo=UTC)
    )


def test_a_machine_date_outranks_a_dateline_in_the_text() -> None:
    head = '<meta property="article:published_time" content="2022-11-22T10:00:00Z">'
    body = f"<p>(21. November 2022) Energieverbraucher erhalten</p>{ARTICLE * 4}"
    assert extract(page(head, body)).published == datetime(2022, 11, 22, 10, tzinfo=UTC)


def test_shown_date_settles_a_machine_time_near_midnight() -> None:
    head = '<meta property="article:published_time" content="2022-11-06T23:00:00Z">'
    body = "<h1>A title</h1><p>07.11.2022</p>" + FILLER
    assert extract(page(head, body)).published == datetime(2022, 11, 7, tzinfo=UTC)


def test_implausible_dates() -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    for value in (future, "1985-01-01", "2021-13-40"):
        head = f'<meta property="article:published_time" content="{value}">'
        assert extract(page(head, "<p>x</p>")).published is None


def test_dates_are_timezone_aware() -> None:
    for text in ("2021-03-04", "2021-03-04T05:06:07", "1614834367", "4. März 2021"):
        found = dates.parse_iso(text)
        assert found is not None and found.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("3/5/2022 22:41", True, (2022, 5, 3)),
        ("3/5/2022", False, (2022, 3, 5)),
        ("13/5/2022", False, (2022, 5, 13)),
        ("Posted on September 21, 2020 by Adi", True, (2020, 9, 21)),
    ],
)
def test_find_date(text: str, day_first: bool, expected: tuple[int, int, int]) -> None:
    assert dates.find_date(text, day_first=day_first) == datetime(*expected, tzinfo=UTC)


def test_date_shown_at_the_title_wins_over_a_machine_date_it_does_not_show() -> None:
    head = '<meta property="article:published_time" content="2021-11-29T14:13:37+00:00">'
    body = "<h1>A title</h1><p>Christoph Hein</p><p>12.01.2022</p>" + FILLER
    assert extract(page(head, body)).published == datetime(2022, 1, 12, tzinfo=UTC)
    head = '<meta property="article:published_time" content="2019-02-10T09:00:00+00:00">'
    body = "<h1>A title</h1><p>10. Februar 2019 9. Februar 2019 von Heiko</p>" + FILLER
    published = extract(page(head, body)).published
    assert published == datetime(2019, 2, 10, 9, tzinfo=UTC)


def test_machine_date_settles_the_order_of_a_shown_date() -> None:
    # "11/01/2021" on a German page: the machine date says it is 1 November
    head = '<meta property="article:published_time" content="2021-11-01T05:00:14+00:00">'
    body = "<h1>A title</h1><p>Stand: 11/01/2021, 05:00</p>" + FILLER
    published = extract(page(head, body).replace("<html>", '<html lang="de">')).published
    assert published == datetime(2021, 11, 1, 5, 0, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Perry Bacon Jr.", ["Perry Bacon Jr."]),
        ("Poppy Reid Feb 3, 2021", ["Poppy Reid"]),
        ("Sara Zinnecker Stand 12.01.2022", ["Sara Zinnecker"]),
        ("Dezember", []),
        ("Publiziert am", []),
        ("Josh Willink von Pexels", []),
    ],
)
def test_author_tails_and_labels(value: str, expected: list[str]) -> None:
    assert extract(page(f'<meta name="author" content="{value}">', "<p>x</p>")).authors == expected


def test_comment_author_followed_by_says_element() -> None:
    body = (
        "<h1>A title</h1><p>Text.</p>"
        '<div class="comment"><cite class="fn">Aylin</cite> <span class="says">sagt:</span></div>'
    )
    assert extract(page("", body)).authors == []


def test_labelled_date_anywhere_in_the_body() -> None:
    footer = "<p>Letzte Änderung: 31.10.2023<br>Erschienen am: 01.11.2023</p>"
    body = "<h1>A title</h1>" + FILLER + footer
    assert extract(page("", body)).published == datetime(2023, 11, 1, tzinfo=UTC)
    body = "<h1>A title</h1>" + FILLER + "<p>Published on March 3, 2021</p>"
    assert extract(page("", body)).published == datetime(2021, 3, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "Feuerwehr Oldenburg, Abteilung Wasserrettung",
        "Eidgenössisches Departement für Wirtschaft, Bildung und Forschung WBF",
        "Bundesverband WindEnergie",
        "Mehr",
    ],
)
def test_organisations_and_labels_are_not_authors(value: str) -> None:
    assert extract(page(f'<meta name="author" content="{value}">', "<p>x</p>")).authors == []


def test_machine_date_that_a_time_element_shows_is_not_overruled_by_a_date_in_the_text() -> None:
    head = '<meta property="article:published_time" content="2016-01-15T09:00:18+00:00">'
    time = '<time class="entry-date" datetime="2016-01-15T09:00:18+00:00">15/01/2016</time>'
    body = f"<h1>A title</h1><p>Wir suchen zum 1. April 2016 eine Kraft.</p>{FILLER}{time}"
    assert extract(page(head, body)).published == datetime(2016, 1, 15, 9, 0, 18, tzinfo=UTC)
    # the same time element without the day in its text: the shown date wins, as before
    body = body.replace(">15/01/2016<", "><")
    assert extract(page(head, body)).published == datetime(2016, 4, 1, tzinfo=UTC)


def test_published_microdata_wins_over_a_meta_tag_that_says_only_date() -> None:
    head = '<meta name="dcterms.date" content="2022-01-21T15:38:44+01:00">'
    body = '<h1>T</h1><meta itemprop="datePublished" content="2022-01-27T08:00:00Z"><p>x</p>'
    assert extract(page(head, body)).published == datetime(2022, 1, 27, 8, tzinfo=UTC)
    assert extract(page(head, "<p>x</p>")).published == datetime(
        2022, 1, 21, 14, 38, 44, tzinfo=UTC
    )
    head += '<meta property="article:published_time" content="2022-01-20T10:00:00Z">'
    assert extract(page(head, body)).published == datetime(2022, 1, 20, 10, tzinfo=UTC)


def test_day_without_time_takes_the_time_a_machine_date_of_that_day_gives() -> None:
    ld = """<script type="application/ld+json">{"@type": "NewsArticle", "headline": "T",
      "datePublished": "2021-03-04"}</script>"""
    head = ld + '<meta property="article:published_time" content="2021-03-04T09:30:00+01:00">'
    published = extract(page(head, "<p>x</p>")).published
    assert published is not None and published.isoformat() == "2021-03-04T09:30:00+01:00"
    # a time of another day is another date: the day stays a day
    head = head.replace("2021-03-04T", "2021-03-05T")
    published = extract(page(head, "<p>x</p>")).published
    assert isinstance(published, DayDate) and published.date() == date(2021, 3, 4)


def test_og_article_modified_time_is_the_modified_date() -> None:
    head = '<meta property="og:article:modified_time" content="2021-05-06T10:00:00Z">'
    assert extract(page(head, "<p>x</p>")).modified == datetime(2021, 5, 6, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<p>von <a href='/author/seifert/'>Redaktion</a></p>", ["Redaktion"]),
        ("<p>By Staff Writer</p>", ["Staff Writer"]),
        ("<p>By Jane Doe, Staff Writer</p>", ["Jane Doe"]),
        ("<p>By Senior Editor</p>", []),
        ("<p>By Staff Photographer</p>", []),
    ],
)
def test_newsroom_byline_is_the_author_when_no_person_is_named(
    byline: str, expected: list[str]
) -> None:
    body = f'<h1>A longer title of the article</h1><div class="byline">{byline}</div>{FILLER}'
    assert extract(page("", body)).authors == expected


def test_first_name_in_the_metadata_is_completed_by_the_byline_at_the_title() -> None:
    ld = """<script type="application/ld+json">{"@type": "Article", "headline": "A title here",
      "author": {"@type": "Person", "name": "Todd"}}</script>"""
    body = "<h1>A title here</h1><p>By</p><p>Todd Bates</p>" + FILLER
    assert extract(page(ld, body)).authors == ["Todd Bates"]
    # another name at the title completes nothing
    body = "<h1>A title here</h1><p>By</p><p>Jane Bates</p><p>Todd</p>" + FILLER
    assert extract(page(ld, body)).authors == ["Todd"]


def test_byline_at_the_title_wins_over_microdata_authors_of_the_page() -> None:
    teaser = '<div itemprop="author" itemscope><span itemprop="name">{}</span></div>'
    body = (
        "<h1>A title here</h1><p>by</p><p>Jake Goulding</p>"
        + FILLER
        + "".join(teaser.format(n) for n in ("Jake Goulding", "Ben Popper", "Emma Bostian"))
    )
    assert extract(page("", body)).authors == ["Jake Goulding"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/media-news/meldungen/29-10-2021", (2021, 10, 29)),
        ("https://x.org/news/10-29-2021/", (2021, 10, 29)),
        ("https://x.org/news/05-06-2021", None),  # 5 June or May 6: unread
    ],
)
def test_url_date_with_the_year_last(url: str, expected: tuple[int, int, int] | None) -> None:
    published = extract(page("", "<p>x</p>"), url).published
    assert published == (datetime(*expected, tzinfo=UTC) if expected else None)


# ---------------------------------------------------------------- issue 9 item 9: unseen pages

TITLE_H1 = "<h1>A longer title of the article</h1>"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ('<div class="byline">Jane Doe - Berlin</div>', ["Jane Doe"]),
        ('<div class="byline">Jane Doe ― Staff</div>', ["Jane Doe"]),
        ('<div class="byline">Jane Doe −</div>', ["Jane Doe"]),
        ("<p>By Jane Doe ‒ 3 May 2021</p>", ["Jane Doe"]),
        ('<div class="byline">Text – Jane Doe</div>', ["Jane Doe"]),
        ('<div class="byline">Jane Doe</div>', ["Jane Doe"]),
        # one word before the dash is no name in full: the whole is read as before
        ('<div class="byline">L-MAG – Das Magazin für Lesben</div>', []),
    ],
)
def test_separator_after_a_name_and_what_follows_it_go(byline: str, expected: list[str]) -> None:
    assert extract(page("", TITLE_H1 + byline + FILLER)).authors == expected


@pytest.mark.parametrize(
    "credit",
    [
        "<p>Photo by Jane Doe</p>",
        "<p>Foto von Jane Doe</p>",
        "<p>Imagen por Jane Doe</p>",
        '<span class="photo-author">Jane Doe</span>',
        '<figure><img src="a.jpg"><figcaption>Bild: <span class="author">Jane Doe</span>'
        "</figcaption></figure>",
        '<figure itemscope itemtype="https://schema.org/ImageObject"><img src="a.jpg">'
        '<span itemprop="author">Jane Doe</span></figure>',
    ],
)
def test_photo_credit_is_not_the_author(credit: str) -> None:
    assert extract(page("", TITLE_H1 + credit + FILLER)).authors == []


@pytest.mark.parametrize(
    ("name", "shown", "expected"),
    [
        ("Lee Chan", "<p>Lee Chan</p>", ["Lee Chan"]),
        ("Lee Chan", "<p>Lee Chan | 3 May 2021</p>", ["Lee Chan"]),
        ("Lee Chan", '<span class="author-name">Lee Chan</span>', ["Lee Chan"]),
        # shown, but in a sentence: not a byline
        ("Lee Chan", "<p>Lee Chan wrote about it in a letter to the editors</p>", []),
        # the publisher (the site's name), and no name in full
        ("Daily Example", "<p>Daily Example</p>", []),
        ("Dominique", "<p>Dominique</p>", []),
    ],
)
def test_json_ld_organisation_author_naming_the_byline_person_is_the_author(
    name: str, shown: str, expected: list[str]
) -> None:
    ld = f"""<script type="application/ld+json">{{"@type": "NewsArticle",
      "headline": "A longer title of the article",
      "publisher": {{"@type": "Organization", "name": "Daily Example"}},
      "author": {{"@type": "Organization", "name": "{name}"}}}}</script>"""
    assert extract(page(ld, TITLE_H1 + shown + FILLER)).authors == expected


@pytest.mark.parametrize(
    ("og", "expected"),
    [
        ("Open flow for logic devices", "Open flow for logic devices"),
        (None, "Silicon Exposed"),  # nothing says the heading is only the blog's name
    ],
)
def test_blog_name_heading_before_the_post_in_the_title_tag_is_not_the_title(
    og: str | None, expected: str
) -> None:
    head = "<title>Silicon Exposed: Open flow for logic devices</title>"
    head += f'<meta property="og:title" content="{og}">' if og else ""
    body = "<h1>Silicon Exposed</h1><h2>Open flow for logic devices</h2>" + FILLER
    assert extract(page(head, body)).title == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.sonnenenergie.de/index.php?id=30", "Der WindRebell"),
        ("https://www.example.org/a", "SONNENENERGIE: Der WindRebell"),
        (None, "SONNENENERGIE: Der WindRebell"),
    ],
)
def test_site_name_before_a_short_heading_in_the_title_tag(url: str | None, expected: str) -> None:
    head = "<title>SONNENENERGIE: Der WindRebell</title>"
    assert extract(page(head, "<h1>Der WindRebell</h1>" + FILLER), url).title == expected


@pytest.mark.parametrize("key", ["og:article:published", "og:article:published_time"])
def test_og_article_date_tags_are_read(key: str) -> None:
    head = f'<meta property="{key}" content="2021-03-04T09:30:00+01:00">'
    published = extract(page(head, TITLE_H1 + FILLER)).published
    assert published is not None and published.isoformat() == "2021-03-04T09:30:00+01:00"


def test_plain_article_tag_wins_over_its_og_article_spelling() -> None:
    head = (
        '<meta property="og:article:published" content="2021-03-05T09:30:00+01:00">'
        '<meta property="article:published" content="2021-03-04T09:30:00+01:00">'
    )
    published = extract(page(head, TITLE_H1 + FILLER)).published
    assert published is not None and published.date() == date(2021, 3, 4)


@pytest.mark.parametrize(
    ("ld_date", "expected"),
    [
        ("2021-03-04T09:30:00+01:00", "2021-03-04T09:30:00+01:00"),
        ("2021-03-05T09:30:00+01:00", "2021-03-04T00:00:00+00:00"),  # another day: no time
    ],
)
def test_day_shown_takes_its_time_from_any_json_ld_object_of_that_day(
    ld_date: str, expected: str
) -> None:
    ld = f"""<script type="application/ld+json">{{"@type": "WebPage",
      "datePublished": "{ld_date}"}}</script>"""
    body = f"{TITLE_H1}<p>4. März 2021</p>{ld}{FILLER}"
    published = extract(page("", body)).published
    assert published is not None and published.isoformat() == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("<p><strong>Autor:</strong> <a href='/p/7'>Klaus Friedrich</a></p>", ["Klaus Friedrich"]),
        ("<p>Von Leonora Holling</p>", ["Leonora Holling"]),
        ("<p><span>erstellt von</span> <a href='/u/d'>Dominique</a> —</p>", ["Dominique"]),
        ("<p>4. Februar 2020 <span>von</span> <a href='/u/a'>Anna Lee</a></p>", ["Anna Lee"]),
        # a bare "by" with no date before it: a theme's or a tool's credit
        ("<p>Theme <span>by</span> <a href='/'>Anna Lee</a></p>", []),
        # a user name only after a label that says it is one
        ("<p>4. Februar 2020 <span>von</span> <a href='/u/kj'>kj</a></p>", []),
        ("<p>Ein Service von: <a href='/ad'>Anzeige</a></p>", []),
        # a brand or a heading in capitals
        ("<p>© 2017 <a href='/'>VON DER SEE Werbeagentur</a></p>", []),
        ("<p>By U.S. CUSTOMS AND BORDER PROTECTION</p>", []),
        # a label word in a list, no colon
        ("<ul><li>author</li><li>Margaret Atwood</li></ul>", []),
    ],
)
def test_byline_line_anywhere_in_the_body_names_the_author(line: str, expected: list[str]) -> None:
    body = f"<div><h1>A longer title of the article</h1>{FILLER}</div><div>{line}</div>"
    assert extract(page("", body)).authors == expected


def test_time_element_of_a_readers_comment_is_not_the_publication_date() -> None:
    comment = (
        '<ol class="commentlist"><li id="comment-96"><div class="comment-metadata">'
        '<a href="#comment-96"><time datetime="2019-08-24T03:36:11+02:00">24. August 2019'
        "</time></a></div><p>Also erstmal: danke!</p></li></ol>"
    )
    body = "<h1>A title</h1>" + FILLER + "<p>Veröffentlicht am 16.08.2019</p>" + comment
    assert extract(page("", body)).published == datetime(2019, 8, 16, tzinfo=UTC)
    # the same <time> in the article's own meta line is its date
    body = body.replace('class="comment-metadata"', 'class="entry-meta"')
    body = body.replace('class="commentlist"', "").replace('id="comment-96"', "")
    assert extract(page("", body)).published == datetime(
        2019, 8, 24, 3, 36, 11, tzinfo=timezone(timedelta(hours=2))
    )


# a forum post's and an old CMS's byline (foren.myoos.de, dzs-clan.de), no <h1> that is the title
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '<p class="clock"><span class="date">Aktuelle Zeit: 14.10.2020, 12:18</span></p>'
            '<h2>Was ist Freie Software</h2><p class="author">Beitrag von <strong>'
            '<a class="username" href="/u/5">r23</a></strong> » 21.01.2009, 05:42</p>',
            (2009, 1, 21),
        ),
        (
            '<div class="left author">Author: <a href="/profile/58"><b>Bo2man</b></a> am '
            "29.12.2010, 13:36 Uhr</div>",
            (2010, 12, 29),
        ),
    ],
)
def test_date_in_the_byline(body: str, expected: tuple[int, int, int]) -> None:
    assert extract(page("", body + FILLER)).published == datetime(*expected, tzinfo=UTC)


def test_url_date_wins_over_a_much_later_machine_date() -> None:
    # a Squarespace post republished two years after its path was written (befifty.de)
    head = '<meta itemprop="datePublished" content="2019-06-17T18:28:00+0200">'
    url = "https://www.example.de/home/2017/7/12/unter-uns-montauk"
    assert extract(page(head, FILLER), url).published == datetime(2017, 7, 12, tzinfo=UTC)
    # a machine time the next day (a time zone away) is the same publication
    head = '<meta property="article:published_time" content="2022-05-07T01:10:00+02:00">'
    url = "https://www.example.de/2022/05/06/story"
    published = extract(page(head, FILLER), url).published
    assert published is not None and published.isoformat() == "2022-05-07T01:10:00+02:00"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the German WordPress footer (bewegliche-lettern.de, Kubrick's translation)
        (
            'Der Artikel <a href="/x">Literatur</a> wurde am <nobr>19. Mai 2010</nobr> um '
            "<nobr>23:03</nobr> Uhr gepostet und unter Lesenswert abgelegt.",
            (2010, 5, 19),
        ),
        (
            "Dieser Beitrag wurde am 05.11.2021 in der Kategorie Neuheiten veröffentlicht.",
            (2021, 11, 5),
        ),
        ("Er wurde am 12. Mai 2006 in Wien zum Bürgermeister der Stadt gewählt.", None),
    ],
)
def test_date_the_footer_says_the_post_was_published_on(
    sentence: str, expected: tuple[int, int, int] | None
) -> None:
    published = extract(page("", FILLER + f"<p><small>{sentence}</small></p>")).published
    assert published == (datetime(*expected, tzinfo=UTC) if expected else None)
