"""Cheap language detection: writing system first, then a stopword vote."""

from __future__ import annotations

import re

# The most frequent function words of each language (data, not code).
STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to a in is that for it with as was on be by this are at from his "
        "her have not but they which an or had he she you were their been has would",
        "de": "der die und den das von zu mit sich des auf für ist im dem nicht ein eine als "
        "auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie",
        "fr": "le la les de des et en un une du est que qui dans pour pas au sur il par ne "
        "plus avec ce se sont aux elle ou mais nous vous cette été leur",
        "es": "el la de que y en los se del las un por con no una su para es al lo como más "
        "pero sus le ya o fue este ha sí porque esta entre cuando muy sin sobre",
        "it": "il di che e la per un in è non una del sono della le si con da al gli dei "
        "nel alla anche come più ma ha lo ci questo delle io",
        "pt": "de que o a do da em um para com não uma os no se na por mais as dos como mas "
        "ao ele das à seu sua ou quando muito nos já também só pelo pela até isso",
        "nl": "de het een van en in is dat op te zijn met voor niet aan er om ook als bij "
        "door maar uit nog dan was wordt worden naar deze heeft hij zij",
        "sv": "och i att det som en på är av för med till den har de inte om ett men var "
        "jag sig från vi så kan när efter också",
        "da": "og i at det som en på er af for med til den har de ikke om et men var jeg sig "
        "fra vi så kan når efter også blev",
        "no": "og i å det som en på er av for med til den har de ikke om et men var jeg seg "
        "fra vi så kan når etter også ble",
        "pl": "i w na z do się nie że to jest o jak po co ale od za przez jego oraz są tak "
        "dla już może być tym które która",
        "cs": "a v se na je že s z do o to i k ve by jak jsou pro ale tak jeho které které "
        "být podle jako také",
        "tr": "ve bir bu da de için ile olarak çok daha en gibi ama ne var olan değil kadar "
        "sonra ise göre",
        "id": "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke ada oleh "
        "karena bisa atau saat",
        "fi": "ja on ei se että oli hän myös kun mutta ovat tai joka sen niin kuin jo vain "
        "hänen olla",
        "ru": "и в не на что с по это как а из к у за от так же но о для его все она они",
        "uk": "і в не на що з до це як а та у за від так але його для вона вони також",
    }.items()
}
_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _word in _words:
        _INDEX[_word] = (*_INDEX.get(_word, ()), _lang)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_SAMPLE_CHARS = 3000
_MIN_VOTES = 5

# Scripts that settle the question alone: (regex, language).
_SCRIPTS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
)
_SCRIPT_SHARE = 0.2
_OTHER_SCRIPT = re.compile(
    "[" + "".join(rx.pattern[1:-1] for rx, _ in _SCRIPTS) + "]"
)  # any letter of the writing systems above


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when unsure."""
    sample = text[:_SAMPLE_CHARS]
    if not sample.strip():
        return None
    words = _TOKEN.findall(sample.lower())
    if not sample.isascii() and _OTHER_SCRIPT.search(sample):  # another writing system
        letters = sum(map(len, words)) or 1
        for rx, lang in _SCRIPTS:
            if len(rx.findall(sample)) / letters >= _SCRIPT_SHARE:
                return lang
    votes = dict.fromkeys(STOPWORDS, 0)
    for word in words:
        for lang in _INDEX.get(word, ()):
            votes[lang] += 1
    lang, best = max(votes.items(), key=lambda kv: kv[1])
    return lang if best >= _MIN_VOTES else None
