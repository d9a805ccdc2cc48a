"""Selectors, vocabularies and thresholds of the extractor, as data.

Tuning the extractor should mostly mean editing this module.  Every pattern is
general (class/id vocabularies and phrases seen across many sites and
languages); none names a site.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- input bounds

MAX_INPUT_BYTES = 5_000_000  # bytes/characters beyond this are dropped before parsing
META_SNIFF_BYTES = 4096  # where <meta charset> is looked for
MAX_JSONLD_CHARS = 2_000_000  # JSON-LD scripts longer than this are ignored
MAX_LINKS = 5000  # links kept per page
MAX_SCORED_UNITS = 4000  # paragraphs scored when choosing the main container
MAX_BLOCKS = 10_000  # blocks rendered per page (the corpora's largest page has 1,556)
# Elements nested deeper than this (the corpora's deepest: 52) are flattened to their
# text: per-element work that reads a subtree's text or walks up to the body would
# otherwise grow with the square of the nesting (content.scan_tags).
MAX_DEPTH = 256
DEPTH_SAMPLE = 64  # one node in this many has its depth checked
MAX_SIBLINGS_READ = 64  # siblings read for a paragraph's own text around an inline element
SECTION_QUERIES = 8  # section headings looked up by a query each before one pass indexes all
MAX_BYLINES = 20  # dropped "By ..." lines kept for the authors

# ---------------------------------------------------------------- cleaning

# Whole subtrees that never hold article text.  Elements the renderer skips
# anyway and that rarely hold text (math, object, video, input ...) are left in
# place: every selector here costs a pass over the page.
DROP_TAGS = (
    "script, style, template, svg, iframe, button, select, textarea, nav, footer, "
    "figcaption, dialog, menu"
)
# Dropped unless they hold a large share of the page's text (BOILERPLATE_MAX_SHARE):
# some CMSs put the whole article in an <aside>.
DROP_UNLESS_MAIN_TAGS = "aside"
# Candidates for dropping by attribute, decided in Python (one cheap selector
# instead of one per value). Every element the Python check drops matches: a
# style that hides says "none" or "hidden" (the check's first test), and the
# selector reads no other style (a page styles thousands of elements inline).
DROP_ATTR_CANDIDATES = (
    "[hidden], [aria-hidden=true], [role], [itemprop=author], [rel=author], "
    '[style*="none"], [style*="hidden"]'
)
DROP_ROLES = frozenset("navigation contentinfo complementary search dialog alert".split())
HIDING_STYLES = ("display:none", "visibility:hidden")
# Dropped only when small: they sometimes wrap a whole page (forms in ASP.NET
# sites, a <header> around an article's first paragraphs, a <noscript> copy of
# an article that scripts render).
DROP_IF_SMALL_TAGS = "header, form, address, noscript"
SMALL_TEXT_CHARS = 400
# A picture's wrapper (the nearest ancestor of an <img> with text, this many levels up
# at most) whose text holds a "©" credit, is this short and has no <p>: a figure.
FIGURE_LEVELS = 3
FIGURE_MAX_CHARS = 300

# Elements whose class or id matches are boilerplate, checked on the lowercased
# class and id tokens cut into word parts at "-" and "_"; "a-b" below matches the
# parts "a", "b" and the single part "ab".  Strong words drop an element unless
# it holds a large share of the page's text; weak words (also used for wrappers
# of real content: Blogger's "widget Blog") only drop small elements.
# Words that mark boilerplate whatever follows them ("navbar", "relatedArticles").
BOILERPLATE_PREFIXES = (
    "nav breadcrumb crumb footer share sharing social sociable addthis shariff related "
    "recommend recirc newsletter subscri signup disqus side-bar "
    "advert adsbygoogle adslot adunit cookie consent gdpr outbrain taboola zergnet promo "
    "sponsor popup modal lightbox byline dateline author-bio author-box about-author "
    "about-the-author most-popular most-read most-viewed most-shared trending "
    "read-more read-also also-read read-next more-stories more-articles more-news more-from"
).split()
# Words that mark boilerplate only as a whole word part ("ad", not "adler").
BOILERPLATE_WORDS = (
    "menu menus skip skiplink topbar toolbar comment comments commentlist "
    "respond replies reply discussion "
    "ad ads adv ad-slot ad-container ad-wrapper dfp gpt cmp "
    "author-info author-card post-meta entry-meta article-meta "
    "reading-time read-time up-next tag-list tagcloud post-tags "
    "pagination pager visually-hidden sr-only screen-reader screen-reader-text jump-link "
    "login signin sign-in follow-us contact-us legend cta"
).split()
WEAK_BOILERPLATE_WORDS = (
    "widget widgets paywall regwall header masthead aside rail banner piano meter meta "
    "meta-data timestamp published posted-on tags keywords categories print hidden hide "
    "overlay caption credit credits copyright disclaimer register account search follow "
    "image images img imginline photo photos picture figure"
).split()
WEAK_MAX_CHARS = 300
# An element holding two paragraphs this long with (almost) no links is prose, not
# boilerplate, whatever its class says ("read-more-content" around the article's
# second half) - unless its name says comments, dialog, newsletter or author box.
PROSE_CHARS = 150
# An id of this many words that spells the element's heading is an anchor for a
# section ("sharing-with-a-single-developer"): its words describe nothing.
SLUG_MIN_WORDS = 3
PROSE_MIN_PARAGRAPHS = 2
PROSE_SHARE = 0.8  # of the element's text in such paragraphs
PROSE_MAX_LINK_DENSITY = 0.1
PROSE_NAMES_NOT_KEPT = re.compile(
    r"comment|disqus|respond|repl(?:y|ies)|discussion|modal|popup|lightbox|dialog|"
    r"newsletter|subscri|signup|author|bio\b|cookie|consent|gdpr|paywall|regwall"
)
BOILERPLATE_MAX_SHARE = 0.4  # strong words drop elements holding up to this share of the text
# Word parts that look like boilerplate but only style content: Drupal's field
# labels ("field--label-hidden"), page builders' wrappers ("elementor-widget-
# container"), component prefixes ("cmp-text").
NEUTRAL_PARTS = frozenset(
    ("label-hidden", "label-inline", "label-above", "widget-wrap", "widget-container")
)
NEUTRAL_PREFIX_PARTS = frozenset(("cmp",))  # neutral when more parts follow
# Page layouts named on a wrapper ("one-sidebar-second", "no-sidebars",
# "with-navigation"): a layout word before one of these nouns is neutral.
LAYOUT_PARTS = frozenset("has with without no one two three".split())
# Word parts of a class token naming the article's container: with another token
# naming boilerplate ("entry share", "node-article node-promoted"), that one is
# taken as a modifier and only drops the element when it is small.
CONTENT_PARTS = frozenset(
    "article articles content entry post story hentry main blog body artikel inhalt "
    "contenido cuerpo noticia texto testo corpo contenu".split()
)
# Tokens that are scripts' hooks, not descriptions ("js-code-nav-container").
HOOK_PREFIXES = frozenset(("js",))
LAYOUT_NOUNS = frozenset("sidebar sidebars navigation nav menu header footer aside".split())
# Containers that hold the article: never dropped by the vocabulary above.
CONTENT_ATTR = re.compile(
    r"article-?body|articlebody|article-?content|article-?text|post-?content|post-?body|"
    r"post-?entry|entry-?content|entry-?body|story-?body|story-?content|story-?text|"
    r"main-?content|content-?body|body-?text|text-?content|rich-?text|blog-?post|"
    r"single-?post|news-?text|artikel|articulo|contenido|texto"
)

# ---------------------------------------------------------------- main container

UNIT_SELECTOR = "p, pre, td, blockquote, dd"
UNIT_TAGS = frozenset(("p", "pre", "td", "blockquote", "dd"))
DIV_UNIT_SELECTOR = "div, section, article, font, center"
MIN_UNIT_CHARS = 25
POSITIVE_ATTR = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|"
    r"artikel|inhalt|contenido|texto|noticia|testo|corpo|tresc"
)
NEGATIVE_ATTR = re.compile(
    r"hidden|banner|combx|comment|com-|contact|foot|footer|footnote|masthead|media|meta|"
    r"outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|"
    r"tags|tool|widget|teaser|recommend|newsletter|social|nav|menu|breadcrumb|popular"
)
CLASS_WEIGHT = 25.0
ARTICLE_BODY_BONUS = 60.0
TAG_BONUS = {
    "article": 10.0,
    "main": 8.0,
    "div": 5.0,
    "section": 3.0,
    "pre": 3.0,
    "td": 3.0,
    "blockquote": 3.0,
    "form": -3.0,
    "ol": -3.0,
    "ul": -3.0,
    "li": -3.0,
    "dl": -3.0,
    "dd": -3.0,
    "dt": -3.0,
    "address": -3.0,
    "h1": -5.0,
    "h2": -5.0,
    "h3": -5.0,
    "th": -5.0,
}
TOP_CANDIDATES = 8
SIBLING_SHARE = 0.2  # siblings scoring above this share of the best join it
SIBLING_MIN_SCORE = 10.0
# A candidate nested with the best one (ancestor or descendant) scoring this share of
# it or more is a near-tie: the outer one is taken unless less than NESTED_PROSE_SHARE
# of the text it adds is prose paragraphs
NESTED_MARGIN = 0.9
NESTED_PROSE_SHARE = 0.5
GOOD_UNIT_CHARS = 80  # paragraphs this long count as the page's paragraph text
MIN_COVERAGE = 0.6  # a container holding less of it may widen to an ancestor
WIDEN_COST = 2.0  # per char of other text an ancestor brings, in paragraph chars
LEAD_LEVELS = 3  # a lead paragraph is looked for before the container and 2 ancestors
LEAD_MAX_CLIMB = 5  # parents climbed in all, wrappers with no other text included
LEAD_SIBLINGS = 3  # among this many preceding siblings with text
LEAD_MAX_CHARS = 1500  # a sibling with more text is no lead (an opening of four paragraphs is one)
LEAD_MAX_LINK_DENSITY = 0.2
TITLE_LEAD_STEPS = 60  # elements walked from the <h1> to the article's first node
TITLE_LEAD_MAX_CHARS = 1500  # text between them, at most (link text not counted)
TITLE_LEAD_MAX_RAW_CHARS = 3000  # and with link text
TITLE_LEAD_SHARE = 0.5  # of which the lead paragraphs make up this share
TITLE_LEAD_STYLES = 30  # the article's paragraphs' commonest class, among its first ones
# Subheadings before the article that summarise it count as lead paragraphs (the
# class on the heading or on a wrapper holding only it; Spanish, French, German names).
DECK_ATTR = re.compile(
    r"deck|\bdek\b|sub-?headline|sub-?title|standfirst|summary|teaser|intro|\blead|excerpt|"
    r"bajada|copete|entradilla|sumario|chapeau|vorspann|epigraph"
)
LEAD_BLOCKS = "ul, ol, li, table, h1, h2, h3, h4, h5, h6, blockquote"
SENTENCE_ENDS = (".", "!", "?", "…", '"', "“", "”", "»", "«", ")", "。")
# Wrappers of pictures, their captions and print-only notices: no lead inside.
MEDIA_ATTR = re.compile(r"image|img|photo|picture|caption|credit|figure|media|gallery|print")
MIN_MAIN_CHARS = 200  # below this, fall back to filtering the whole body
MAIN_MIN_SHARE = 0.2  # so does a container holding less of the cleaned body's text
# When the page's JSON-LD articleBody is this many times longer than the text
# found in the markup (a page its scripts render), that body is the text.
LD_BODY_SHARE = 3

# ---------------------------------------------------------------- blocks

BLOCK_TAGS = frozenset(
    "p div section article main header footer aside nav h1 h2 h3 h4 h5 h6 ul ol li dl dt dd "
    "blockquote pre table thead tbody tfoot tr caption figure figcaption address hr center "
    "details summary fieldset form legend body html hgroup dialog".split()
)
SKIP_TAGS = frozenset(
    "script style template svg math iframe object embed canvas video audio button "
    "input select textarea option head title meta link rt rp".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
CELL_TAGS = frozenset(("td", "th"))
MAX_LINK_DENSITY = 0.7
MAX_LINK_DENSITY_SHORT = 0.3  # for blocks under SHORT_BLOCK_CHARS
SHORT_BLOCK_CHARS = 120

_I = re.IGNORECASE
# A whole block that is boilerplate (checked on blocks up to BOILER_MAX_CHARS).
# This pattern, CREDIT_BLOCK and RECIRC_HEADING are matched on lowercased text
# (faster than re.IGNORECASE): they must be written in lowercase.
BOILER_MAX_CHARS = 260
BOILERPLATE_BLOCK = re.compile(
    r"^(?:"
    # inline promos and see-also lines
    r"(?:read|see|watch|listen)(?: (?:more|also|next|this|too))?\s*[:：>»|-]|"
    r"read more\b|read also\b|read next\b|related\b|related (?:articles?|stories|posts?|content)|"
    r"see also\b|also read\b|more\s*:|recommended\b|you (?:may|might) (?:also )?like|"
    r"most (?:popular|read|viewed|shared)|trending\b|more from\b|more must-reads|"
    r"more stories\b|top stories\b|editor'?s picks|don'?t miss\b|"
    r"lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|das könnte sie auch interessieren|"
    r"weiterlesen|weitere artikel|ähnliche (?:beiträge|artikel)|zum thema\s*:|"
    r"lea (?:también|tambien|más|mas)\b|lee (?:también|tambien|más)\b|leer más|lea\s*:|"
    r"te puede interesar|le puede interesar|noticias relacionadas|ver (?:también|tambien|más)|"
    r"lire aussi|à lire aussi|a lire aussi|voir aussi|lire la suite|sur le même sujet|"
    r"leggi anche|leggi pure|potrebbe interessarti|leia (?:também|mais)|veja (?:também|mais)|"
    r"lees ook|zie ook|läs också|læs også|les også|czytaj (?:też|także|również)|"
    r"читайте также|смотрите также|"
    # reading time, bylines' companions
    r"\d+\s*(?:-\s*)?(?:minute|min\.?|minuten|minutos|minutes)\s+(?:read|lesezeit|de lectura|"
    r"de lecture|lettura)|(?:reading time|lesezeit|lesedauer|tiempo de lectura)\b|"
    # feedback, comment and sharing prompts, post navigation
    r"(?:was|is) this (?:article|page|post) (?:helpful|useful)|"
    r"war (?:der|dieser) (?:artikel|beitrag) (?:hilfreich|nützlich)|"
    r"möchten sie (?:den|diesen) (?:artikel|beitrag) teilen|"
    r"(?:kommentare?|kommentar) schreiben|write a comment|"
    r"(?:permalink|permalien)\s*:?\s*(?:\S+\s*)?$|"
    r"(?:next|previous) (?:article|post|story)\b|(?:nächster|vorheriger) (?:artikel|beitrag)|"
    r"vorschau auf den nächsten|weiterführende[rn]? links?|artículos relacionados|"
    r"follow (?:the )?[\w .@-]{1,40} on (?:twitter|facebook|instagram)\b|"
    r"photo(?:graph)?s? by\b|(?:von|by|por|par)\s*:\s*$|kontakt\s*:?\s*$|contact\s*:?\s*$|"
    r"\*?(?:werbung|anzeige)\s*[.:]|dieser (?:beitrag|artikel) enthält werbung|"
    r"zum weiterlesen|mehr themen\b|alle angaben ohne gewähr|"
    r"(?:tags?|categor(?:y|ies|ias|ías|ie|ien)|archives?|arquivos|archivos|"
    r"partner (?:news|content)|advert|anuncio|publicidade)\s*$|"
    r"this (?:slideshow|video|content|page|site) requires javascript|"
    r"(?:please )?enable javascript|"
    r"(?:sie sind|du bist) (?:aktuell |derzeit |noch )?nicht (?:eingeloggt|angemeldet)|"
    r"you are not logged in|"
    r"(?:verraten sie|sagen sie|schreiben sie) (?:uns )?(?:gerne )?in den kommentaren|"
    r"(?:let us|tell us) know in the comments|crédits? photos?\s*:|"
    # contact, tips, disclosures
    r"this (?:post|article|page|story|site) (?:may )?contains? (?:affiliate|sponsored)|"
    r"contact us at\b|write to [^.]{1,80} at\b|send (?:us )?(?:your )?tips\b|email us at\b|"
    # share, follow, subscribe
    r"share (?:this|on|via|the article|article)|share\s*$|teilen\b|compartir\b|partager\b|"
    r"follow us\b|folgen sie uns|síguenos|suivez-nous|seguici|"
    r"sign up\b|subscribe\b|subscribers? only|newsletter|get (?:our|the) (?:newsletter|daily)|"
    r"abonnieren\b|jetzt abonnieren|suscríbete|abonnez-vous|iscriviti|"
    r"already (?:a subscriber|have an account)|log ?in to (?:continue|read)|"
    r"this (?:article|content) is (?:only )?(?:available|for) (?:to )?subscribers|"
    # ads, credits, copyright
    r"(?:[-–—]\s*)?(?:advertisement|advertising|anzeige|werbung|publicidad|publicité|pubblicità|"
    r"iklan|реклама)\s*(?:[-–—]\s*)?$|"
    r"sponsored\s*$|ad\s*$|"
    r"[(\[]?(?:photo|photograph|image|picture|foto|bild|imagen|credit|source|quelle|fuente)s?"
    r"\s*(?:by)?\s*[:©]|©|\(c\) |copyright\b|all rights reserved|alle rechte vorbehalten|"
    r"todos los derechos|tous droits|"
    # cookies
    r"(?:this (?:web)?site|we) uses? cookies|diese (?:web)?seite verwendet cookies|"
    r"wir verwenden cookies|utilizamos cookies|nous utilisons des cookies|"
    r"(?:accept|manage) (?:all )?cookies|cookie (?:policy|settings|einstellungen)|"
    # comments
    r"leave a (?:reply|comment)|post a comment|\d* ?comments?\s*$|kommentare?\s*$|"
    r"comentarios?\s*$|commentaires?\s*$|schreibe einen kommentar|"
    # misc
    r"back to top|nach oben|zurück zur übersicht|print\s*$|drucken\s*$|tags?\s*:|schlagwörter|"
    # a player's or a gallery's controls, a pager's count
    r"(?:caption|close|text size|expand|full screen)\s*$|\d+\s*[-–]\s*\d+ of \d+\s*$|"
    # who else reported, prompts to share
    r"\(?(?:additional )?(?:reporting|writing|editing) by\b|"
    r"citation\s*:|this (?:document|article|content) is subject to copyright|"
    r"follow @\w+|"
    r"(?:like|liked|enjoy|enjoyed) this (?:story|article|post)\?|"
    r"filed under\b|categories\s*:|kategorie(?:n)?\s*:|posted in\b|"
    r"(?:updated|published|posted|veröffentlicht|aktualisiert|publicado|actualizado|publié|"
    r"mis à jour|pubblicato)\b(?:[^.!?]|\.(?=\d|\s*$)){0,60}$"
    r")",
)
# A dateline alone ("sexta-feira, 22 de outubro de 2010 às 20:13", "November 20,
# 2019 - 11:28 AMT") is metadata: a paragraph this short with a year whose words
# are all month or weekday names, these fillers or a time zone in capitals.
DATELINE_MAX_CHARS = 70
# A date this near the start of the article's text is its dateline ("Karlsruhe, (12.11.2021).")
DATELINE_START_CHARS = 30
DATELINE_BLOCKS = 4  # among the text's first blocks, paragraphs (not headings or list items)
WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag "
    "lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miércoles miercoles "
    "jueves viernes sábado sabado domingo segunda terça terca quarta quinta sexta lunedì "
    "lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato "
    "domenica maandag dinsdag woensdag donderdag vrijdag zaterdag zondag".split()
)
DATELINE_FILLERS = frozenset(
    "feira de del do da at às as a um am pm uhr h hs hrs le el the on of den der die".split()
)
# Searched (not matched at the start) in short blocks, each behind a cheap test:
# "Jane Doe contributed reporting from Hong Kong.", a caption ending with its credit.
CONTRIBUTED = re.compile(
    r"^[^.!?]{0,100}\bcontributed (?:reporting|to this (?:report|story|article))"
)
CREDIT_AT_END = re.compile(r"\((?:credit|photo|image|foto|bild|crédito|crédit)s?\s*:[^()]{1,80}\)$")
# Lines anywhere in a short block that mark it as a contact or credit line.
CREDIT_BLOCK = re.compile(
    r"(?:getty images|shutterstock|ap photo|afp(?: via|/| photo)|reuters/|/reuters|istock|"
    r"личный архив|фото\s*:|"
    r"imago images|picture alliance|dpa-bildfunk|epa-efe|photo illustration|©)",
)
# Calls to follow a channel, join, or get an app, anywhere in a short block.
PROMO_BLOCK = re.compile(
    r"(?:canal de|channel on|our|nuestro|nuestra|unser(?:en)?|notre|nosso) "
    r"(?:telegram|whatsapp|youtube|instagram|tiktok)|"
    r"(?:telegram|whatsapp|youtube)[- ]?(?:kanal|channel)|for the latest (?:news|stories|updates)|"
    r"hazte miembro|únete a (?:nuestro|nuestra)|download (?:our|the) app|"
    r"(?:to|in|meet|hits?) your inbox|"
    r"descarga (?:nuestra|la) app"
)
# Every match of PROMO_BLOCK holds one of these (a cheap test first; CREDIT_BLOCK is
# cheaper searched alone).
PROMO_WORDS = (
    "app", "telegram", "youtube", "instagram", "tiktok", "latest", "miembro", "únete", "inbox",
)  # fmt: skip
PROMO_MAX_CHARS = 240
CONTACT_BLOCK = re.compile(r"[\w.+-]+@[\w-]+\.\w")  # an e-mail address (when "@" is there)
CONTACT_CUE = re.compile(  # in a longer block with an e-mail address
    r"here'?s our email|let us know at|send (?:us )?(?:your )?(?:tips|letters|news tips)|"
    r"letters to the editor|write to us|schreiben sie uns|escríbenos|écrivez-nous"
)
FOLLOW_PROMPT = re.compile(
    r"\bfollow (?:him|her|them|us|me) (?:on|at) (?:twitter|x|facebook|instagram|linkedin)\b"
)
CREDIT_MAX_CHARS = 140
# "By Jane Doe" ("Von: Jane Doe") alone on a line.
BYLINE_BLOCK = re.compile(
    r"^(?:(?:by|von|por|par|di|door|av|af|przez)(?:\s*:)?\s+|(?:text|texto|words)"
    r"(?:\s*:|\s+(?:von|by|por|de))\s*)\S+(?:\s+\S+){0,6}$",
    _I,
)
BYLINE_MAX_CHARS = 80
# Headings that open a comment section: a kind of recirculation heading whose
# run of long link-free text is readers' comments, not the article.
_COMMENT_HEADINGS = (
    r"comments?|\d+ (?:comments?|responses?|replies)|leave a (?:reply|comment)|kommentare?|"
    r"comentarios|commentaires|commenti|reacties|комментарии|kommentierte artikel|"
    r"meist[- ]?(?:gelesen|diskutiert|kommentiert)"
)
# Headings that open a recirculation or comment block: the heading and the
# short or link-heavy blocks under it are dropped.
RECIRC_HEADING = re.compile(
    r"^(?:more must-reads|more from|more (?:stories|news|articles)|related|recommended|"
    r"you (?:may|might) (?:also )?(?:like|enjoy)|most (?:popular|read|viewed)|trending|"
    r"read (?:more|next|also)|see also|further reading|popular (?:posts|articles|stories)|"
    r"recent posts|latest (?:news|stories|posts)|top stories|editor'?s picks|"
    r"share this|about the author|newsletter|"
    r"mehr zum thema|weitere artikel|das könnte sie auch interessieren|lesen sie auch|"
    r"ähnliche (?:beiträge|artikel)|neueste beiträge|"
    r"noticias relacionadas|artículos relacionados|te puede interesar|lea también|relacionadas|"
    r"weiterführende links|das könnte dich auch interessieren|mehr themen|"
    r"weitere informationen|zusatzinformationen|quellen(?:angaben|verzeichnis)?|einzelnachweise|"
    r"über (?:den autor|die autorin)|mehr zu(?=\s*:)|mehr zu diesem thema|"
    r"à lire aussi|lire aussi|sur le même sujet|articles similaires|"
    r"(?:(?:audios? et )?vidéos sur le sujet|more on (?:this|the) (?:topic|subject))(?=\s*:?\s*$)|"
    r"leggi anche|articoli correlati|leia também|notícias relacionadas|"
    rf"gerelateerde artikelen|lees ook|похожие|читайте также|{_COMMENT_HEADINGS})\b",
)
COMMENT_HEADING = re.compile(rf"^(?:{_COMMENT_HEADINGS})\b")
RECIRC_KEEP_CHARS = 300  # a block this long and link-light ends the dropped run
RECIRC_PROSE_CHARS = 150  # under a recirculation heading (not comments), this long
RECIRC_LABEL_CHARS = 60  # a paragraph this short that is only such a heading acts as one
# A paragraph mostly one link is kept between prose paragraphs when it is a sentence
# (ends like one) and no label ("Also: ...", "Lire : ...") starts it in this many chars.
LINKED_LABEL_CHARS = 40
# A short paragraph of one sentence whose first link comes after this many words of its
# own, with links up to this share of its text, is the article's sentence.
SENTENCE_OPENING_WORDS = 4
SENTENCE_MAX_LINK_DENSITY = 0.5
SENTENCE_STOPS = (".", "!", "?", "…", "。")
TEASER_LINK_DENSITY = 0.5  # under such a paragraph, blocks this link-heavy go with it

# ---------------------------------------------------------------- metadata

# Elements whose text may carry the publication date, when no machine date exists.
DATE_ELEMENTS = (
    '[class*="date" i], [id*="date" i], [class*="datum" i], [class*="fecha" i], '
    '[class*="publish" i], [class*="posted" i], [class*="time" i], [class*="meta" i], '
    '[class*="byline" i], [class*="info" i]'
)

# ---------------------------------------------------------------- page type

ARTICLE_TYPES = frozenset(
    "article newsarticle blogposting reportagenewsarticle analysisnewsarticle "
    "opinionnewsarticle reviewnewsarticle backgroundnewsarticle socialmediaposting "
    "techarticle scholarlyarticle report liveblogposting posting review "
    "medicalscholarlyarticle advertisercontentarticle satiricalarticle".split()
)
INDEX_MIN_LINKS = 40
INDEX_LINK_TEXT_SHARE = 0.5  # link text over all text above this: an index page
ARTICLE_MIN_CHARS = 600
