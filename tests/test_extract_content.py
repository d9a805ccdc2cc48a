"""Main-content selection: class vocabularies, leads, widening, link-wrapped blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract import extract
from scraper.extract.content import _attr_kind, section_headings

SENTENCE = "This sentence belongs to the article, and it is long enough to be counted as text. "
BODY = "".join(f"<p>{SENTENCE * 2}Paragraph {i}.</p>" for i in range(6))


def page(body: str) -> str:
    return f"<html><head><title>T</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("nav", 2),
        ("main-nav", 2),
        ("relatedarticles", 2),
        ("read_more", 2),
        ("about-the-author", 2),
        ("screen-reader-text", 2),
        ("widget blog", 1),
        ("newsletter-cta", 2),  # a call to action
        ("octane", 0),
        ("entry themeform share", 1),  # a container class with a boilerplate modifier
        ("field field--label-hidden", 0),
        ("elementor-widget-container", 0),
        ("cmp-text", 0),
        ("zen-one-sidebar-second", 0),  # the page's layout, not a sidebar
        ("js-code-nav-container", 0),  # a script's hook
        ("story-body", 0),
        ("adler", 0),
        ("testreport__section--ads", 1),  # a BEM modifier styles the block
        ("block--with-ads", 1),
        ("c-newsletter--promo", 2),  # the block itself names boilerplate
    ],
)
def test_class_vocabulary(key: str, kind: int) -> None:
    assert _attr_kind(key) == kind


def test_content_class_with_boilerplate_modifier_is_kept() -> None:
    html = page(f'<nav><a href="/">Home</a></nav><div class="entry share">{BODY}</div>')
    assert "Paragraph 5." in extract(html).text


def test_layout_wrapper_is_kept() -> None:
    html = page(f'<div class="panel one-sidebar-second"><div class="text">{BODY}</div></div>')
    assert "Paragraph 0." in extract(html).text


def test_lead_paragraph_before_the_body() -> None:
    lead = "The lead tells the whole story in one long sentence, as leads do in many newspapers."
    html = page(
        f'<article><header><h1>Title</h1><p class="standfirst">{lead}</p></header>'
        f'<div class="article-body">{BODY}</div></article>'
    )
    text = extract(html).text
    assert text.startswith(lead)
    assert "Paragraph 5." in text


@pytest.mark.parametrize(
    "deck",
    [
        '<div class="bajada"><h2>{}</h2></div>',  # the class on the deck's wrapper
        '<div class="ngart-hl__deck"><h2>{}</h2></div>',
        '<h2 class="copete">{}</h2>',  # named in another language
        '<h3 class="entradilla">{}</h3>',
        '<h2 class="article-chapeau">{}</h2>',
        '<h2 class="vorspann">{}</h2>',
    ],
)
def test_a_deck_named_on_its_wrapper_or_in_another_language(deck: str) -> None:
    summary = "The deck sums the whole story up in one long sentence, the way a subtitle does it."
    html = page(
        f'<div class="news"><div class="head"><p class="kicker">Politics</p><h1>Title</h1>'
        f'{deck.format(summary)}</div><div class="main"><div class="story-text">{BODY}'
        "</div></div></div>"
    )
    text = extract(html).text
    assert text.startswith(summary) and "Paragraph 5." in text


def test_first_paragraphs_before_the_rest_of_the_article_are_kept() -> None:
    # the article's first paragraphs, then the rest in a wrapper (a "read more" expander)
    first = [f"<p>Opening paragraph {i} of the story, {SENTENCE}</p>" for i in range(3)]
    html = page(
        '<div class="story"><h1>Title</h1><div class="story-body">'
        f'{"".join(first)}<div id="read-more"><p>Read more</p>'
        f'<div id="read-more-content">{BODY * 3}</div></div></div></div>'
    )
    text = extract(html).text
    assert text.startswith("Opening paragraph 0 of the story")
    assert "Opening paragraph 1" in text and "Paragraph 5." in text
    # a title's header before them is not part of the run (its deck stays out)
    deck = (
        "<h2 class='subtitle'>A deck that sums the whole story up in one long sentence, "
        "as subtitles often do.</h2>"
    )
    html = page(
        f'<div><div class="story-head"><h1>Title</h1>{deck}</div><div class="intro">{first[0]}'
        f'</div><div class="intro">{first[1]}</div><div class="body">{BODY * 3}</div></div>'
    )
    text = extract(html).text
    assert text.startswith("Opening paragraph 0 of the story") and "A deck" not in text


def test_picture_caption_is_no_lead() -> None:
    caption = "In this file photo, people walk past a building on a sunny afternoon downtown."
    html = page(
        f'<article><div class="image"><img src="a.jpg"><p>{caption}</p></div>'
        f'<div class="article-body">{BODY}</div></article>'
    )
    assert caption not in extract(html).text


def test_teasers_wrapped_in_links_are_dropped() -> None:
    teasers = "".join(
        f'<a href="/story-{i}"><h3>Another story number {i} worth a click</h3></a>'
        for i in range(3)
    )
    html = page(f'<article><div class="article-body">{BODY}{teasers}</div></article>')
    text = extract(html).text
    assert "Paragraph 5." in text
    assert "Another story" not in text


def test_article_in_noscript_is_kept() -> None:
    html = page(f'<div class="post-body"><noscript>{BODY}</noscript></div>')
    assert "Paragraph 3." in extract(html).text


def test_container_widens_to_the_rest_of_the_article() -> None:
    half = "".join(f"<p>{SENTENCE * 2}Part {i}.</p>" for i in range(4))
    html = page(
        f"<main><div><div class='intro'>{half}</div></div>"
        f"<div><div>{half.replace('Part', 'Section')}</div></div></main>"
    )
    text = extract(html).text
    assert "Part 3." in text and "Section 3." in text


def test_widening_and_leads_on_large_pages() -> None:
    # their time is measured in bench/hostile_bench.py ("nested paragraphs", "empty divs")
    para = f"<p>{SENTENCE * 2}</p>"
    nested = page("".join("<div>" * 40 + para + "</div>" * 40 for _ in range(3000)))
    assert extract(nested).text.count(SENTENCE.strip()) == 6000  # every paragraph
    empty = page("<main>" + "<div></div>" * 100_000 + f"<article>{BODY}</article></main>")
    text = extract(empty).text
    assert text.count(SENTENCE.strip()) == 12 and text.endswith("Paragraph 5.")


def test_nested_boilerplate_goes_with_its_container() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract.content import clean_tree

    related = "".join(
        f'<li class="menu-item" id="item-{i}">'
        f'<a class="share-link" href="/{i}">Related {i}</a></li>'
        for i in range(5)
    )
    html = page(
        f'<div class="sidebar" id="side"><ul class="menu">{related}</ul></div>'
        f'<div class="story-body" id="story">{BODY}</div>'
        '<div class="comments"><div class="comment" id="c1"><p>First!</p></div></div>'
    )
    body = LexborHTMLParser(html).body
    assert body is not None
    clean_tree(body)
    text = body.text()
    assert "Related" not in text and "First!" not in text
    assert "Paragraph 5." in text


def test_the_walk_goes_on_after_a_removed_element() -> None:
    """Removals wait for the end of clean_tree's walk: the walk skips what is inside an
    element marked for removal and resumes at the next node after it, past text, a
    comment and the ends of its ancestors (the last in the page ends the walk)."""
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract.content import clean_tree

    html = page(
        '<div class="wrap"><div class="inner"><div class="share-box"><span class="share-'
        'count">Share 1</span></div></div> text <!-- a comment --></div>'
        '<div class="newsletter-signup">Subscribe 2</div>'
        f'<div class="story-body">{BODY}<div class="share-tools">Share 3</div>'
        '<p class="related-links">Related 4</p></div> tail'
        '<div class="outer"><div class="social-bar">Share 5</div></div>'
    )
    body = LexborHTMLParser(html).body
    assert body is not None
    clean_tree(body)
    text = body.text()
    for word in ("Share 1", "Subscribe 2", "Share 3", "Related 4", "Share 5"):
        assert word not in text
    assert "Paragraph 0." in text and "Paragraph 5." in text and "tail" in text


def test_an_aside_holding_the_article_is_kept_a_sidebar_is_not() -> None:
    sidebar = "<aside><h3>Most read</h3><p>Another story people clicked on today.</p></aside>"
    text = extract(page(f"<main><aside class='content'>{BODY}</aside>{sidebar}</main>")).text
    assert "Paragraph 0." in text and "Paragraph 5." in text
    assert "Most read" not in text and "Another story" not in text


def _ld_page(article_body: object, markup: str = '<div id="app">Opinion</div>') -> str:
    import json

    ld = json.dumps({"@type": "NewsArticle", "headline": "T", "articleBody": article_body})
    return (
        f'<html><head><title>T</title><script type="application/ld+json">{ld}</script></head>'
        f"<body>{markup}</body></html>"
    )


def test_a_page_its_scripts_render_gets_its_json_ld_article_body() -> None:
    text = extract(_ld_page(f"{SENTENCE * 3}\n{SENTENCE * 3}Last one.")).text
    assert text == f"{(SENTENCE * 3).strip()}\n\n{(SENTENCE * 3).strip()} Last one."
    html_body = extract(_ld_page(f"<p>{SENTENCE * 4}</p><p>Read more: another story</p>")).text
    assert html_body == (SENTENCE * 4).strip()  # HTML in the body is rendered and filtered


def test_json_ld_article_body_does_not_replace_the_text_in_the_markup() -> None:
    # a teaser or a copy of the same length in JSON-LD leaves the page's own text alone
    text = extract(_ld_page(SENTENCE * 6, markup=BODY)).text
    assert "Paragraph 5." in text


def _ld_item_page(item: dict, markup: str = '<div id="app"><p>Loading</p></div>') -> str:
    import json

    ld = json.dumps({"@context": "https://schema.org", **item})
    return (
        f'<html><head><title>Cake</title><script type="application/ld+json">{ld}</script>'
        f"</head><body>{markup}</body></html>"
    )


STEP_1 = (
    "Mix the flour and the sugar in a large bowl until they are well combined, then add "
    "the butter in small pieces."
)
STEP_2 = (
    "Bake the mixture for forty minutes at one hundred and eighty degrees, until a knife "
    "comes out of the middle clean."
)
RECIPE = {
    "@type": "Recipe",
    "name": "Cake",
    "description": "A plain cake for a Sunday afternoon, with flour, sugar &amp; butter.",
    "recipeIngredient": ["200 g flour", "100 g sugar"],
    "recipeInstructions": [
        {"@type": "HowToStep", "text": STEP_1},
        {
            "@type": "HowToSection",
            "name": "Baking",
            "itemListElement": [{"@type": "HowToStep", "text": STEP_2}],
        },
    ],
}


def test_a_recipe_its_scripts_render_gets_its_json_ld_steps() -> None:
    article = extract(_ld_item_page(RECIPE))
    assert article.text.split("\n\n") == [
        "A plain cake for a Sunday afternoon, with flour, sugar & butter.",
        "200 g flour",
        "100 g sugar",
        STEP_1,
        "Baking",
        STEP_2,
    ]
    assert "- 200 g flour" in article.markdown and "### Baking" in article.markdown


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # a how-to's steps as one text, a step a line
        ({"@type": "HowTo", "name": "Cake", "step": f"{STEP_1}\n{STEP_2}"}, [STEP_1, STEP_2]),
        # a question and its answers (one of them HTML), under a QAPage's mainEntity
        (
            {
                "@type": "QAPage",
                "mainEntity": {
                    "@type": "Question",
                    "text": "Why is the sky blue during the day, and red at sunset?",
                    "acceptedAnswer": {"@type": "Answer", "text": STEP_1},
                    "suggestedAnswer": [{"@type": "Answer", "text": f"<p>{STEP_2}</p>"}],
                },
            },
            ["Why is the sky blue during the day, and red at sunset?", STEP_1, STEP_2],
        ),
        ({"@type": "Review", "reviewBody": f"{STEP_1} {STEP_2}"}, [f"{STEP_1} {STEP_2}"]),
    ],
)
def test_json_ld_items_other_than_articles_give_their_text(item: dict, expected: list[str]) -> None:
    assert extract(_ld_item_page(item)).text.split("\n\n") == expected


def test_json_ld_steps_leave_the_text_in_the_markup_alone() -> None:
    assert "Paragraph 5." in extract(_ld_item_page(RECIPE, markup=BODY)).text


@pytest.mark.parametrize(
    ("steps", "count"),
    [
        (None, 0),
        (7, 0),
        ([None, 3, {"@type": "HowToStep"}, {"itemListElement": {"text": 5}}], 0),
        ([[[STEP_1, STEP_2]]], 1),
        ([[[[[STEP_1, STEP_2]]]]], 0),  # nested past the depth read (a hostile page's)
        ([{"@type": "HowToStep", "text": STEP_1}] * 5_000, 200),  # bounded
    ],
)
def test_odd_json_ld_steps_do_not_break_extraction(steps: object, count: int) -> None:
    article = extract(_ld_item_page({"@type": "Recipe", "recipeInstructions": steps}))
    assert article.text.count(STEP_1) == count


def test_a_json_ld_items_text_is_bounded() -> None:
    lines = "\n".join([STEP_1] * 5_000)  # one text, a paragraph a line
    assert (
        extract(_ld_item_page({"@type": "Review", "reviewBody": lines})).text.count(STEP_1) == 200
    )


def test_a_named_anchor_is_a_target_not_a_link() -> None:
    target = f'<p><a name="q1">{SENTENCE}Is this a question worth keeping?</a></p>'
    button = '<p><a class="share-button">Share this story with your friends today</a></p>'
    text = extract(page(f"<article>{BODY}{target}{BODY}{button}</article>")).text
    assert "Is this a question worth keeping?" in text
    assert "Share this story" not in text  # an <a> without href is still link text


def test_a_recirculation_label_set_as_a_paragraph_goes_with_its_teasers() -> None:
    teaser = '<p><a href="/other">Another story from this site</a></p>'
    tail = f"<p>{SENTENCE}The story goes on after the promo.</p>"
    text = extract(page(f"<article>{BODY}<p>Lea también</p>{teaser}{tail}</article>")).text
    assert "Lea también" not in text and "Another story" not in text
    assert "The story goes on after the promo." in text  # link-free text ends the run


def test_prose_ends_a_recirculation_run_but_comments_need_more() -> None:
    teaser = '<p><a href="/other">Another story from this site</a></p>'
    prose = f"<p>{SENTENCE * 2}The article goes on here.</p>"  # 170 characters, link-free
    text = extract(page(f"<article>{BODY}<h3>Read more</h3>{teaser}{prose}{BODY}</article>")).text
    assert "Another story" not in text and "The article goes on here." in text
    comment = f"<p>{SENTENCE * 2}A reader wrote this.</p>"
    text = extract(page(f"<article>{BODY}<h3>Comments</h3>{comment}</article>")).text
    assert "A reader wrote this." not in text


def test_prose_named_like_boilerplate_is_kept_teasers_are_not() -> None:
    rest = "".join(f"<p>{SENTENCE * 2}Second half {i}.</p>" for i in range(3))
    teasers = "".join(
        f'<div><h3><a href="/story-{i}">Another story that readers liked a lot {i}</a></h3>'
        f"<p>{SENTENCE * 2}</p></div>"
        for i in range(3)
    )
    html = page(
        f'<div class="story">{BODY}<div id="read-more"><a href="">Read more</a>'
        f'<div id="read-more-content">{rest}</div></div></div>'
        f'<div class="related-stories">{teasers}</div>'
    )
    text = extract(html).text
    assert "Paragraph 0." in text and "Second half 2." in text
    assert "Another story" not in text


def test_two_long_paragraphs_named_like_boilerplate_are_prose() -> None:
    rest = "".join(f"<p>{SENTENCE * 2}Second half {i}.</p>" for i in range(2))
    html = page(f'<div class="story">{BODY}<div class="more-stories-body">{rest}</div></div>')
    assert "Second half 1." in extract(html).text
    html = page(f'<div class="story">{BODY}<div class="comments-body">{rest}</div></div>')
    assert "Second half 1." not in extract(html).text  # comments look like prose too


def test_a_boilerplate_word_only_in_a_bem_modifier_drops_small_blocks_only() -> None:
    verdict = f"<h2>Verdict</h2><p>{SENTENCE * 4}The verdict.</p>"
    html = page(
        f'<div class="review">{BODY}<section class="Report__Section Report__Section--Ads">'
        f'{verdict}</section><div class="Report__Box--ads">Anzeige</div></div>'
    )
    text = extract(html).text
    assert "Verdict" in text and "The verdict." in text
    assert "Anzeige" not in text


def test_an_id_spelling_the_sections_heading_names_nothing() -> None:
    section = (
        '<div class="section" id="sharing-with-a-single-developer">'
        f"<h2>Sharing with a single developer</h2><p>{SENTENCE}Shared.</p></div>"
    )
    html = page(f'<div class="body">{BODY}{section}<div id="social-sharing-bar">Tweet</div></div>')
    text = extract(html).text
    assert "Sharing with a single developer" in text and "Shared." in text
    assert "Tweet" not in text


def test_lead_behind_bare_wrappers_is_found_a_notice_above_the_title_is_not() -> None:
    lead = "The lead tells the whole story in one long sentence, as leads do in many newspapers."
    notice = "Need an account? Create one in a minute to save the articles and follow your topics."
    deep = "<div><div><div><div>" + f'<div class="article-body">{BODY}</div>' + "</div>" * 4
    html = page(
        f'<div class="notice"><p>{notice}</p></div><main><div><h1>Title</h1><p>{lead}</p></div>'
        f"<div><p>Short.</p></div>{deep}</main>"
    )
    text = extract(html).text
    assert text.startswith(lead) and "Paragraph 5." in text
    html = page(f"<main><div><p>{notice}</p></div>{deep}<h1>Title</h1></main>")
    assert notice not in extract(html).text


def test_an_inline_element_in_a_sentence_stays_with_it() -> None:
    html = page(
        f'<div class="story">{BODY}<p><span class="dateline">CAIRO —</span> Gunmen opened '
        "fire on visitors at the museum on Wednesday, and the police said so later.</p>"
        '<p><span class="byline">By Jane Doe</span></p></div>'
    )
    text = extract(html).text
    assert "CAIRO — Gunmen opened fire" in text
    assert "Jane Doe" not in text  # alone in its paragraph: still a byline


def test_ruby_annotations_are_not_read_inline() -> None:
    html = page(
        f"<article>{BODY}<p><ruby>漢<rp>(</rp><rt>かん</rt>字<rt>じ</rt></ruby>を読む。</p></article>"
    )
    assert "漢字を読む。" in extract(html).text


def test_a_small_header_inside_the_article_is_kept() -> None:
    deck = "What happens in the brain at the moment of insight? New research has looked into it."
    html = page(f"<article><h1>Title</h1><div><header>{deck}</header>{BODY}</div></article>")
    assert extract(html).text.startswith(deck)
    html = page(f"<div><header>{deck}</header><div>{BODY}</div></div>")
    assert deck not in extract(html).text  # the page's header, not the article's


def test_a_heading_linking_to_its_own_section_is_kept() -> None:
    step = f"<p>{SENTENCE * 2}Mix it.</p>"
    html = page(
        f'<article>{BODY}<h2><a href="#step-3">Step 3 - Mix the dough</a></h2>{step}'
        f'<h2><a href="/other-story">Another story from the site</a></h2>{step}</article>'
    )
    text = extract(html).text
    assert "Step 3 - Mix the dough" in text
    assert "Another story" not in text  # a link away: a teaser


def test_a_sentence_mostly_one_link_between_prose_paragraphs_is_kept() -> None:
    before, after = (f"<p>{SENTENCE * 2}{word}.</p>" for word in ("Before", "After"))
    linked = (
        '<p><a href="/report">The full report shows that the city spent twice its budget '
        "on roads</a> last year.</p>"
    )
    text = extract(page(f"<article>{BODY}{before}{linked}{after}</article>")).text
    assert "The full report shows that the city spent twice its budget on roads last year." in text
    promo = '<p>Also: <a href="/deals">See all of our coverage of the sales this week</a>.</p>'
    teaser = '<p><a href="/other">Another story that readers of this site liked a lot.</a></p>'
    download = '<p><a href="/letter.pdf">The letter to the parents of 14 October 2021</a> PDF</p>'
    # a labelled promo, a teaser that is all link, a download that is no sentence
    for line in (promo, teaser, download):
        text = extract(page(f"<article>{BODY}{before}{line}{after}</article>")).text
        assert "Also" not in text and "Another story" not in text and "letter" not in text


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("Stand: 28.04.2020 18:00 Uhr", True),
        ("Datum: 18.10.2021", True),
        ("Erscheinungsdatum: 07.02.2022", True),
        ("DATE : 27/09/2020", True),
        ("Veröffentlichung: 2. Februar 2022", True),
        ("28.04.2020", True),
        # a label of more than three words, or words beside the date: a sentence's
        ("Die Ergebnisse der Studie vom: 12.11.2009", False),
        ("Stand: 28.04.2020, die Zahlen steigen", False),
    ],
)
def test_labelled_date_line_is_metadata(line: str, dropped: bool) -> None:
    a = extract(page(f"<article><h1>A title</h1><p>{line}</p>{BODY}</article>"))
    assert (line not in a.text) is dropped


@pytest.mark.parametrize("byline", ["Von: Jane Doe", "By: Jane Doe", "Von:<br><br>Jane Doe"])
def test_byline_with_a_colon_is_not_text(byline: str) -> None:
    a = extract(page(f"<article><h1>A title</h1>{BODY}<p>{byline}</p></article>"))
    assert "Jane Doe" not in a.text and a.authors == ["Jane Doe"]


@pytest.mark.parametrize("label", ["Relacionadas", "Über den Autor", "Mehr zu:"])
def test_spanish_and_german_recirculation_labels_go_with_their_teasers(label: str) -> None:
    teaser = '<p><a href="/other">Another story from this site</a></p>'
    for heading in (f"<h3>{label}</h3>", f"<p>{label}</p>"):
        html = page(f"<article>{BODY}{heading}{teaser}</article>")
        text = extract(html).text
        assert label not in text and "Another story" not in text and "Paragraph 5." in text


@pytest.mark.parametrize(
    "attrs",
    [
        "hidden",
        'aria-hidden="true"',
        'role="navigation"',
        'role="dialog"',
        'itemprop="author"',
        'rel="author"',
        'style="display: none"',
        'style="color: red; visibility: hidden"',
    ],
)
def test_hidden_and_aside_elements_go_by_their_attributes(attrs: str) -> None:
    marker = "Marker text that only the tested element holds, long enough to count."
    html = page(f"<article>{BODY}<div {attrs}><p>{marker}</p></div></article>")
    assert marker not in extract(html).text


@pytest.mark.parametrize(
    "attrs",
    ['style="color: red"', 'style="display: block"', 'role="main"', 'aria-hidden="false"'],
)
def test_elements_that_do_not_hide_stay(attrs: str) -> None:
    marker = "Marker text that only the tested element holds, long enough to count."
    html = page(f"<article>{BODY}<div {attrs}><p>{marker}</p></div></article>")
    assert marker in extract(html).text


def test_a_data_tables_rows_stay_though_their_titles_are_links() -> None:
    synopsis = "A long synopsis of the film, long enough. " * 3
    rows = "".join(
        f'<tr><td><a href="/film/{i}">Film number {i}</a></td><td>19{60 + i}</td>'
        f"<td>{'A remake.' if i % 2 else synopsis}</td></tr>"
        for i in range(6)
    )
    menu = (
        '<tr><td><a href="/">Home</a></td><td><a href="/news">News</a></td>'
        '<td><a href="/archive">Archive</a></td></tr>'
        '<tr><td>1</td><td><a href="?p=2">2</a></td><td><a href="?p=3">3</a></td></tr>'
        '<tr><td>Powered by <a href="https://example.net">Example</a></td></tr>'
    )
    table = f"<table><tr><th>Film</th><th>Year</th><th>Description</th></tr>{rows}{menu}</table>"
    # teasers laid out as a table: no kept row before their first
    teasers = "".join(
        f'<tr><td><a href="/story/{i}">Other title {i}</a></td>'
        "<td>Yesterday, two comments</td></tr>"
        for i in range(3)
    )
    text = extract(
        page(f"<article>{BODY}{table}<p>{SENTENCE}</p><table>{teasers}</table></article>")
    ).text
    for i in range(6):
        assert f"Film number {i} 19{60 + i}" in text  # "A remake." rows too
    assert "Archive" not in text and "Powered by" not in text
    assert "1 2 3" not in text
    assert "Other title" not in text


SNIPPETS = Path(__file__).parent / "pages" / "snippets"


def test_a_container_with_a_small_share_of_the_page_gives_way_to_the_whole_body() -> None:
    # kulturkaufhaus.de: a blog post written in <span>s and <br>s, and a print notice of
    # two sentences in <div>s that wins the choice (so do a school's tables, a front page)
    html = (SNIPPETS / "kulturkaufhaus_print_notice.html").read_bytes()
    text = extract(html).text
    assert "wie man ein Büchlein aus einem A3 Blatt faltet" in text
    assert "1 Wasserglas mit Wasser" in text and "Viel Spaß beim Basteln!" in text


def test_a_container_with_most_of_the_page_is_kept_alone() -> None:
    items = "".join(f"<li>A list item beside the story, item {i} of a list.</li>" for i in range(8))
    text = extract(page(f"<article>{BODY}</article><ul class='box'>{items}</ul>")).text
    assert "Paragraph 5." in text and "list item" not in text


def _vox_entry(rank: int, film: str) -> str:
    # vox.com's "21 best films of 2017" (and yahoo.com's PlayStation VR games): each entry a
    # heading that is a link, a trailer, a paragraph on it
    return (
        f'<h3>{rank}) <a href="https://www.vox.com/culture/review-{rank}"><em>{film}</em></a></h3>'
        '<div><iframe src="https://www.youtube.com/embed/x"></iframe></div>'
        f"<p>I am as shocked as anyone that {film} found its way onto my list, but I was bowled "
        f"over by it, which may be one of the year's best films.</p>"
    )


FILMS = ("The Last Jedi", "Faces Places", "Ingrid Goes West")


def test_linked_headings_of_a_list_article_stay() -> None:
    entries = "".join(_vox_entry(21 - i, film) for i, film in enumerate(FILMS))
    text = extract(page(f"<article>{BODY}{entries}</article>")).text
    assert all(f"{21 - i}) {film}" in text for i, film in enumerate(FILMS))


@pytest.mark.parametrize(
    "label",
    ["Quellenangaben:", "Quellen", "Zusatzinformationen:", "Weitere Informationen zum Thema:"],
)
def test_a_sources_or_more_information_heading_goes_with_its_short_lines(label: str) -> None:
    # careelite.de, internetchemie.info, mdr.de: a label over references or links
    source = "<p>WWF (2020): Living Planet Report 2020, abrufbar unter https://www.wwf.de.</p>"
    html = page(f"<article>{BODY}<h4>{label}</h4>{source}</article>")
    text = extract(html).text
    assert label not in text and "Living Planet" not in text and "Paragraph 5." in text


def test_linked_headings_under_a_recirculation_label_are_teasers() -> None:
    # ndr.de (w0794): "Weitere Informationen" boxes between the transcript's paragraphs,
    # each a linked headline and its summary: not a list article's entries
    box = (
        "<p>Weitere Informationen</p>"
        '<h3><a href="/glossar">Das Glossar zum Corona-Podcast</a></h3>'
        f"<p>{SENTENCE * 2}Ein Glossar erklärt die Begriffe.</p>"
    )
    text = extract(page(f"<article>{(BODY + box) * 3}{BODY}</article>")).text
    assert "Das Glossar zum Corona-Podcast" not in text and "Paragraph 5." in text


def test_a_linked_teaser_heading_after_the_article_goes() -> None:
    # one or two headline links with a summary under the story: teasers, not entries
    teasers = "".join(_vox_entry(21 - i, film) for i, film in enumerate(FILMS[:2]))
    text = extract(page(f"<article>{BODY}{teasers}</article>")).text
    assert "Paragraph 5." in text and "21) The Last Jedi" not in text


def test_boilerplate_the_filter_drops_does_not_count_against_the_container() -> None:
    # swr.de (w0484): a video's two paragraphs, a kicker line outside them and a long menu of
    # links laid out in <div>s; the container holds most of what the whole body keeps
    menu = "".join(
        f'<div class="x"><a href="/s/{i}">Sendung Nummer {i} aus dem Archiv</a></div>'
        for i in range(60)
    )
    story = (
        '<div class="kicker">Eine Sendung der Reihe Betrifft über Gesundheit</div>'
        '<div class="story"><p>Dubiose Händler versprechen Hilfe bei Schlafstörungen, '
        "Gelenkschmerzen, erhöhten Cholesterinwerten oder sogar Krebs, und sie verdienen gut "
        "daran.</p><p>Die Sendung beleuchtet, wie es Gesetzeslücken ermöglichen, dass sogar "
        "gefährliche Mittel völlig unkontrolliert auf den Markt gelangen.</p></div>"
    )
    text = extract(page(menu + story)).text
    assert text.startswith("Dubiose Händler") and "Eine Sendung der Reihe" not in text


def test_a_line_that_is_only_the_authors_name_goes() -> None:
    # caktusgroup.com (w0542): an author box's <h5> with the name the metadata gives
    head = '<head><meta name="author" content="Mark Lavin"><title>T</title></head>'
    box = '<div class="full authors"><img alt="Mark Lavin" src="a.jpg"><h5>Mark Lavin</h5></div>'
    a = extract(f"<html>{head}<body><article>{box}{BODY}</article></body></html>")
    assert a.authors == ["Mark Lavin"]
    assert "Mark Lavin" not in a.text and "Paragraph 5." in a.text


@pytest.mark.parametrize(
    "notice", ["Verraten Sie gerne in den Kommentaren: Was bedeutet das für Sie?", "Foto: Pixabay"]
)
def test_a_boilerplate_line_at_the_end_of_a_paragraph_goes(notice: str) -> None:
    # houzz.de (w0694): a prompt after a <br> closing the article's last paragraph
    last = f"<p>{SENTENCE}The last sentence of the story.<br>{notice}</p>"
    text = extract(page(f"<article>{BODY}{last}</article>")).text
    assert text.endswith("The last sentence of the story.") and notice not in text


@pytest.mark.parametrize(
    "notice", ["(Alle Angaben ohne Gewähr)", "[Anzeige]", "(Lea también: Otra)"]
)
def test_a_boilerplate_line_in_brackets_goes(notice: str) -> None:
    # handwerksblatt.de (w0680), eltiempo.com (w0618)
    text = extract(page(f"<article>{BODY}<p>{notice}</p>{BODY}</article>")).text
    assert notice not in text and "Paragraph 5." in text


def test_a_picture_with_a_caption_and_a_credit_outside_figure_goes() -> None:
    # macwelt.de (w0760), austria.info (w0486): <div><picture><img></picture><div>Vergrößern
    # <strong>caption</strong> © credit</div></div> between the paragraphs
    visual = (
        '<div class="visual inline"><picture><img src="a.jpg"></picture>'
        '<div class="description"><a class="btn" href="a.jpg"><strong>Vergrößern</strong></a>'
        '<strong class="title">Eine kleine runde Aussparung für die Kamera.</strong>'
        '<div class="box"><span class="copy">© Jon Prosser</span></div></div></div>'
    )
    text = extract(page(f"<article>{BODY}{visual}{BODY}</article>")).text
    assert "Aussparung" not in text and "Vergrößern" not in text and "Paragraph 5." in text


def test_a_picture_beside_a_paragraph_with_a_credit_stays() -> None:
    # a paragraph is text, whatever picture and credit stand beside it
    story = f'<div><img src="a.jpg"><p>{SENTENCE * 2}The photo shows the mayor. © AP</p></div>'
    text = extract(page(f"<article>{BODY}{story}{BODY}</article>")).text
    assert "The photo shows the mayor." in text


def test_a_link_in_a_sentence_stays_whatever_its_class() -> None:
    # nytimes.com: a place or a name in the sentence links to its topic page under a
    # class of boilerplate words ("meta-loc", "meta-per")
    html = page(
        f'<div class="story">{BODY}<p>The government plans to reverse its position on '
        '<a class="meta-loc" href="/topic/sudan">Sudan</a> and lift trade sanctions, '
        "officials said late on Thursday.</p>"
        "<p>The envoy will answer readers' questions on Friday at noon, the paper said. "
        '<a class="read-more" href="/envoy">Read more</a></p>'
        '<p><a class="meta-share" href="/share">Share this story</a></p></div>'
    )
    text = extract(html).text
    assert "its position on Sudan and lift trade sanctions" in text
    assert "at noon, the paper said." in text
    assert "Read more" not in text  # after the sentence, not in it
    assert "Share this" not in text  # alone in its paragraph: still boilerplate


def test_a_data_table_that_outscores_its_article_brings_the_article_along() -> None:
    # Wikipedia's "List of films featuring time loops": the table's cells outscore the
    # introduction before it and the see-also list and notes after it
    synopsis = "A long synopsis of the film, with commas, places, and people, long enough. " * 2
    rows = "".join(
        f"<tr><td>Film number {i}</td><td>19{60 + i}</td><td>{synopsis}</td></tr>"
        for i in range(12)
    )
    intro = "This list of films is about characters who live the same day again and again."
    notes = "Notes: the years given are those of each film's first release in cinemas."
    html = page(
        f"<div class='page'><h1>Films</h1><div class='text'><p>{intro}</p>"
        f"<table><tbody>{rows}</tbody></table><p>{notes}</p>"
        "</div><div class='foot'><p>Footer text of the site.</p></div></div>"
    )
    text = extract(html).text
    assert intro in text and "Film number 11 1971" in text and notes in text
    assert "Footer" not in text


def test_a_table_of_contents_is_part_of_the_text() -> None:
    # a documentation page's and a tutorial's list of their own sections (links to
    # "#setting-up", each naming its section's heading): the reader's view keeps it;
    # links to other targets (a skip link, a box's tabs) or to "#" are still links
    toc = "".join(
        f'<li><a href="#{slug}">{name}</a></li>'
        for slug, name in (("detecting", "1 Detecting anomalies"), ("setting-up", "Setting up"))
    )
    skip = '<ul><li><a href="#main">Jump to main content</a></li></ul>'
    tabs = '<ul><li><a href="#about">Author</a></li><li><a href="#">Show all</a></li></ul>'
    sections = (
        f'<h2><span id="detecting">Detecting anomalies</span>[edit]</h2>{BODY}'
        f'<div id="setting-up"><h2>Setting up¶</h2><p>{SENTENCE * 2}</p></div>'
        f'<div id="about"><p>{SENTENCE}</p></div>'
    )
    text = extract(
        page(f"{skip}<main id='main'><article><ul>{toc}</ul>{sections}{tabs}</article></main>")
    ).text
    assert "1 Detecting anomalies" in text and "Setting up\n" in text
    assert "Jump to" not in text and "Author" not in text and "Show all" not in text


def test_section_headings_by_query_and_by_index_agree() -> None:
    # a long contents or reference list: the first targets looked up by a query each,
    # the rest in an index of the page's targets built once; both take the first
    # element in document order (an <a name> before an element with that id wins)
    # and both find an id that is no valid selector string
    sections = "".join(f'<h2 id="s{i}">Section {i}</h2><p>Text.</p>' for i in range(20))
    html = (
        "<body><a name='s15'></a><h3>Named first</h3>"
        f"{sections}<div id='odd\nid'><h2>Odd id</h2></div></body>"
    )
    asked = [f"s{i}" for i in range(20)]
    want = [f"Section {i}" for i in range(20)]
    want[15] = "Named first"
    for order in (asked, [*reversed(asked)], ["s15", "odd\nid", *asked]):
        heading_of = section_headings(LexborHTMLParser(html).body)
        got = {target: heading_of(target) for target in order}
        assert [got[t] for t in asked] == want
        assert heading_of("odd\nid") == "Odd id" and heading_of("missing") is None


def test_an_empty_box_inside_a_line_does_not_break_it() -> None:
    # a browser extension's badge (an empty <div> in a citation) cut the line in two
    # pieces, its linked half then dropped as a link list
    cite = (
        '<li><cite>Bratersky, Alexander (29 July 2013). <a href="https://example.com/a">'
        '"Dance Troupe to Conquer Middle East"</a><div class="badge"><div></div></div>. '
        "<i>The Moscow Times</i>. Archived from the original on 2 May 2015. Retrieved 1 May 2015."
        "</cite></li>"
    )
    text = extract(page(f"<article>{BODY}<ol>{cite}</ol><div>Sun<div></div>day</div></article>"))
    text = text.text
    assert "Sun\n\nday" in text  # between blocks' lines, a box still breaks them
    assert (
        'Bratersky, Alexander (29 July 2013). "Dance Troupe to Conquer Middle East". '
        "The Moscow Times. Archived" in text
    )


def test_a_lead_between_the_title_and_a_distant_article_is_kept_a_styled_deck_is_not() -> None:
    lead = "The lead tells the whole story in one long sentence, as leads do in many magazines."
    byline = '<div class="hero-date"><a href="/author/jane">Jane Doe</a> 18 May 2021</div>'
    article = (
        '<div id="page"><div id="content"><div id="primary"><main><article>'
        f'<div class="entry-content">{BODY}</div></article></main></div></div></div>'
    )

    def hero(paragraph: str) -> str:
        return page(
            '<div class="hero-wrapper"><div class="hero-posts"><div class="container">'
            f'<div class="hero-text"><h1>Title</h1>{paragraph}{byline}</div></div></div></div>'
            f"{article}"
        )

    # styled as the article's paragraphs: the article's first paragraph
    text = extract(hero(f"<p>{lead}</p>")).text
    assert text.startswith(lead) and "Paragraph 5." in text and "Jane Doe" not in text
    # and a paragraph added after it comes out after it
    added = "An update added to the story after it was published, with new details from officials."
    text = extract(hero(f"<p>{lead}</p><p>{added}</p>")).text
    assert text.startswith(f"{lead}\n\n{added}\n\nThis sentence")
    # a class of its own: a deck, which summaries of the article leave out
    assert lead not in extract(hero(f'<p class="dek">{lead}</p>')).text
    # no sentence's end: a subtitle
    assert lead[:-1] not in extract(hero(f"<p>{lead[:-1]}</p>")).text
    # more text than the lead between them: no lead
    topics = " ".join(f"<span>Topic {i}</span>" for i in range(30))
    menu = f"<div class='topics'>{topics}</div>"
    assert lead not in extract(hero(f"<p>{lead}</p>{menu}")).text
    # but the same words as links are a menu, not text
    links = " ".join(f"<a href='/topic/{i}'>Topic {i}</a>" for i in range(30))
    menu = f"<div class='topics'>{links}</div>"
    assert extract(hero(f"<p>{lead}</p>{menu}")).text.startswith(lead)


def test_an_opening_of_four_paragraphs_before_the_body_is_a_lead() -> None:
    # an abstract's paragraphs (w0288), over 1,000 characters, deep in a section of
    # their own just before the body: one paragraph more must not push them out
    opening = "".join(
        f"<p>Opening paragraph {i} of the story sets out what the study found, {SENTENCE * 3}</p>"
        for i in range(4)
    )
    html = page(
        f'<div class="story"><section class="opening"><div><div><div>{opening}</div></div></div>'
        f'</section><div class="story-body">{BODY * 3}</div></div>'
    )
    text = extract(html).text
    assert text.startswith("Opening paragraph 0") and "Paragraph 5." in text


def test_a_pretty_printed_links_line_breaks_do_not_count_as_link_text() -> None:
    # Wikipedia as saved by an editor (r115): a link's words on two indented lines; its
    # whitespace, folded to one space in the text, counted as link text and made a list
    # item a third link (9 letters of 33) look like a menu's (more than 0.3)
    item = (
        '<ul><li><i><a href="/wiki/Day_Break">Day\n                  Break</a></i>, '
        "2006 television series</li></ul>"
    )
    text = extract(page(f"<article>{BODY}{item}{BODY}</article>")).text
    assert "Day Break, 2006 television series" in text


@pytest.mark.parametrize(
    "sentence",
    [
        # money.cnn.com (r023): a name linked inside the sentence
        'But a new report released on Monday by <a href="/spi">Stanford University\'s Center on '
        "Poverty and Inequality</a> calls that into question.",
        # vox.com (r105): where to watch, a list of links closing the sentence
        'A Ghost Story <em>is available to digitally rent on</em> <a href="/i">iTunes</a>, '
        '<a href="/v">Vudu</a>, <a href="/a">Amazon</a>, <a href="/g">Google Play</a>, and '
        '<a href="/y">YouTube</a>.',
        # four words before the first link
        'The Square <em>is currently</em> <a href="/h"><em>streaming on Hulu</em></a> and on '
        '<a href="/y">YouTube</a>.',
    ],
)
def test_a_short_sentence_with_links_in_it_stays(sentence: str) -> None:
    # after a subheading: no prose paragraph before it to vouch for it
    deck = "<h2>The U.S. has long been heralded as a land of opportunity for anyone.</h2>"
    text = extract(page(f"<article>{BODY}{deck}<p>{sentence}</p>{BODY}</article>")).text
    assert " ".join(sentence.split("</a>")[-1].split()) in text and "Paragraph 5." in text
    assert any(
        words in text
        for words in ("Inequality calls", "Google Play, and YouTube.", "Hulu and on YouTube.")
    )


@pytest.mark.parametrize(
    "line",
    [
        # a label's few words before the link (itfjuniors, w0534)
        'Weitere Infos unter <a href="/x">www.itfjuniors.de</a>.',
        # a prompt after the sentence (w0022)
        'Submit your letter to the editor via <a href="/f">this form</a>. Read more '
        '<a href="/l">Letters to the Editor</a>.',
    ],
)
def test_a_link_line_after_a_few_words_or_a_second_sentence_goes(line: str) -> None:
    # at the story's end (between prose paragraphs a sentence with one link stays)
    text = extract(page(f"<article>{BODY}<p>{line}</p></article>")).text
    assert "itfjuniors" not in text and "this form" not in text and "Paragraph 5." in text


def test_a_list_articles_linked_heading_after_a_where_to_watch_sentence_stays() -> None:
    # vox.com (r105): each film's paragraph ends in a sentence of store links, then the
    # next film's linked heading: an entry, though the paragraph before it is link-heavy
    entries = "".join(
        _vox_entry(21 - i, film)
        + f'<p>{film} is currently streaming on <a href="/n">Netflix</a> and available to '
        'rent on <a href="/g">Google Play</a> and <a href="/y">YouTube</a>.</p>'
        for i, film in enumerate(FILMS)
    )
    text = extract(page(f"<article>{BODY}{entries}</article>")).text
    assert all(f"{21 - i}) {film}" in text for i, film in enumerate(FILMS))


@pytest.mark.parametrize("label", ["ADVERTISING", "- Advertisement -", "— Anzeige —"])
def test_an_ad_slots_label_goes(label: str) -> None:
    # money.cnn.com (r023), cnet.com (r021): 'ADVERTISING'; w0032: '- Advertisement -'
    text = extract(page(f"<article>{BODY}<div>{label}</div>{BODY}</article>")).text
    assert label not in text and "Paragraph 5." in text


def test_a_prose_paragraph_whose_random_id_starts_like_boilerplate_stays() -> None:
    # vox.com (r105) keys each paragraph with six random letters: 'NavzzU' reads as 'nav'
    para = f'<p id="NavzzU">Winner of the Palme d\'Or, The Square is a comedy. {SENTENCE * 3}</p>'
    promo = '<p id="newsletter-signup">Sign up for our daily newsletter today.</p>'
    teaser = f'<p class="nav-teaser" id="k2">{SENTENCE * 3}</p>'
    text = extract(page(f"<article>{BODY}{para}{promo}{teaser}{BODY}</article>")).text
    assert "Winner of the Palme" in text and "Sign up" not in text
    assert text.count(SENTENCE.strip()) == 2 * 6 * 2 + 3  # the class's teaser still goes


def test_a_title_header_named_header_keeps_its_deck() -> None:
    # w0816 (a <header class="article-header"> outside <article>), w0984, w0604: the
    # header holding the <h1> and the deck is the article's, though "header" names it
    deck = "We're about to get 20 terabyte hard drives, but the path looks clear to scale up."
    header = f'<header class="article-header"><h1>Next-Gen Platters</h1><p>{deck}</p></header>'
    masthead = '<div class="site-header"><p>A short tagline of the site, all it says.</p></div>'
    text = extract(page(f"{masthead}{header}<div><article>{BODY}</article></div>")).text
    assert text.startswith(deck) and "Paragraph 5." in text and "tagline" not in text


def test_a_heading_after_the_h1_in_its_hgroup_is_the_deck() -> None:
    # w0588: <header><hgroup><h3>kicker</h3><h1>title</h1><h2>deck</h2></hgroup></header>
    deck = "Risks and side effects come not only with medicines, but with the measures taken too."
    header = f"<header><hgroup><h3>Würzburg</h3><h1>Why We Need Humility</h1><h2>{deck}</h2>"
    header += "</hgroup></header>"
    teaser = "<aside><hgroup><h3>Read also</h3><h2>A linked teaser's title</h2></hgroup></aside>"
    text = extract(page(f"<article>{header}<div><div>{teaser}{BODY}</div></div></article>")).text
    assert text.startswith(deck) and "Würzburg" not in text and "teaser" not in text


def test_the_titles_heading_under_a_kicker_line_goes_with_the_title() -> None:
    # w0382: <h1><small>Einheit der Woche</small><br>Lagen-Pyramide mit GA2</h1>
    h1 = "<h1><small>Einheit der Woche</small><br>Lagen-Pyramide mit GA2</h1>"
    html = (
        "<html><head><title>Lagen-Pyramide mit GA2 | swim.de</title>"
        '<meta property="og:title" content="Lagen-Pyramide mit GA2"></head>'
        f"<body><article>{h1}{BODY}</article></body></html>"
    )
    article = extract(html)
    assert article.title == "Lagen-Pyramide mit GA2"
    assert "Lagen-Pyramide" not in article.text and "Paragraph 5." in article.text


def test_a_list_in_a_wrapper_named_as_a_deck_leads_the_article() -> None:
    # w0726: <div class="teaser-text"><p></p><ul><li>...</li></ul></div> before the body
    points = [
        "The care home mandate is the wrong approach, the director says.",
        "He says so in a statement on Friday.",
    ]
    items = "".join(f"<li>{p}</li>" for p in points)
    deck = f'<div class="teaser-text"><p></p><ul>{items}</ul></div>'
    other = (
        "<div><ul><li>A list before the article that no deck class names at all.</li></ul></div>"
    )
    html = page(f"<article><h1>Title</h1>{other}{deck}<div class=body>{BODY}</div></article>")
    text = extract(html).text
    assert text.startswith(points[0]) and "no deck class" not in text and "Paragraph 5." in text


def test_gathered_hidden_elements_clean_as_a_lookup_of_their_own() -> None:
    """clean_tree drops the hidden and aside-role elements that gather's query found (one
    whole-tree query fewer) as it drops those it looks up itself: the ones in the body,
    not the head's, whatever else they match (an anchor's role, an author's itemprop)."""
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract import metadata, rules
    from scraper.extract.content import clean_tree

    html = page(
        '<a href="/menu" role="navigation">Menu 1</a><div hidden>Hidden 2</div>'
        '<span itemprop="author">Jane Doe 3</span><div style="display: none">Gone 4</div>'
        '<div role="search"><a href="/s" aria-hidden="true" itemprop="url">Search 5</a></div>'
        '<a name="top" role="dialog">Dialog 6</a><p rel="author">By Jane 7</p>'
        f'<div class="story-body" role="main" style="margin: none">{BODY}</div>'
    ).replace("<head>", '<head><link rel="author" href="/jane"><meta role="navigation">')
    tree = LexborHTMLParser(html)
    src = metadata.gather(tree, None, html)
    assert src.hidden and any(node.tag == "link" for node in src.hidden)
    body = tree.body
    assert body is not None
    clean_tree(body, hidden=src.hidden)
    own = LexborHTMLParser(html)
    assert own.body is not None
    clean_tree(own.body)
    assert tree.html == own.html  # the head's elements stay
    text = body.text()
    assert "Paragraph 5." in text
    for word in ("Menu 1", "Hidden 2", "Doe 3", "Gone 4", "Search 5", "Dialog 6", "Jane 7"):
        assert word not in text
    # gather's query covers every part of the lookup ([itemprop] covers [itemprop=author])
    for part in rules.DROP_ATTR_CANDIDATES.split(", "):
        assert part in metadata._BODY_QUERY or part == "[itemprop=author]"


def test_gather_finds_the_first_h1_even_without_text() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from scraper.extract import metadata

    tree = LexborHTMLParser(page('<h1><img src="/logo.png"></h1><h1>The title</h1>' + BODY))
    src = metadata.gather(tree, None)
    assert src.first_h1 is not None and src.first_h1.html == '<h1><img src="/logo.png"></h1>'
    assert src.h1 == ["The title"]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # an editor's empty paragraph: a zero-width space, a soft hyphen, a BOM
        ("<p>\u200b</p>", None),
        ("<p>&#8203; \u00ad\ufeff</p>", None),
        # a line of only invisible characters between <br>s is an empty line, and
        # empty lines in a row are one
        ("<p>First line.<br>\u200b<br><br><br>Second line.</p>", "First line.\n\nSecond line."),
        ("<p>First line.<br><br>Second line.<br>\u200b</p>", "First line.\n\nSecond line."),
        # a zero-width space inside words stays (Thai, Khmer write with it)
        ("<p>ภาษา\u200bไทย is written so.</p>", "ภาษา\u200bไทย is written so."),
    ],
)
def test_invisible_lines_and_empty_lines(markup: str, expected: str | None) -> None:
    text = extract(page(BODY + markup + BODY)).text
    blocks = text.split("\n\n")
    assert not [b for b in blocks if not b.strip("\u200b\u200c\u200d\u2060\ufeff\u00ad \n")]
    assert "\n\n\n" not in text
    if expected is not None:
        assert expected in text
