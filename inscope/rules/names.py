"""Given names as people use them: full forms, diminutives, Latin spellings, short vocatives.

A Russian speaker calls Дарья «Дарья», «Даша», «Даш», «Дашенька», writes «Дарьи» / «Даше»
in other cases and «Daria» / «Dasha» in Latin script.  ``NAMES`` lists common Russian
given names (the nominative) with their diminutives and Latin spellings; inflected forms
need no listing, because the rules compare lemmas (pymorphy3 knows names: «Дарьи» →
``дарья``, «Даши» → ``даша``).  The colloquial short vocative («Даш», «Лен», «Серёж»)
is derived from each diminutive that ends in -а/-я.

``name_forms("Дарья Кузнецова")`` is every form that names that person (the surname and
its lemma included); ``[me] aliases`` add to mine.  A name missing from the table still
matches as written and by its lemma.
"""

from __future__ import annotations

from collections.abc import Iterable

from inscope.rules.lemmas import LEMMATIZER, tokens

_TABLE = """
# female
александра: саша шура сашенька | alexandra aleksandra sasha
алёна: алена алёнка | alena alyona
алина: | alina
алиса: | alisa alice
алла: | alla
анастасия: настя настенька стася | anastasia anastasiya nastya nastia
ангелина: геля | angelina
анна: аня анечка анюта | anna anya ann ania
антонина: тоня | antonina tonya
валентина: валя | valentina valya
валерия: лера | valeria valeriya lera
вера: верочка | vera
вероника: ника | veronika veronica nika
виктория: вика | viktoria victoria vika
галина: галя | galina galya
дарья: даша дашенька дашуля дашка | daria darya dariya darja dasha
диана: | diana
евгения: женя | evgenia evgeniya zhenya
екатерина: катя катюша катенька катька | ekaterina yekaterina katerina katya katia kate
елена: лена леночка | elena yelena helen lena
елизавета: лиза | elizaveta liza
жанна: | zhanna
зоя: | zoya
инна: | inna
ирина: ира иришка | irina ira
кира: | kira
кристина: | kristina christina
ксения: ксюша | ksenia kseniya ksusha
лариса: лара | larisa
любовь: люба | lyubov luba
людмила: люда | lyudmila ludmila lyuda
маргарита: рита | margarita rita
марина: | marina
мария: маша машенька маня | maria mariya masha mary
милана: | milana
надежда: надя | nadezhda nadya
наталья: наташа наталия | natalia natalya natasha
нина: | nina
оксана: | oksana
олеся: | olesya
ольга: оля оленька | olga olya
полина: поля | polina
светлана: света светик | svetlana sveta
софья: софия соня | sofia sofya sonya sophia
тамара: | tamara
татьяна: таня танечка | tatiana tatyana tanya
ульяна: уля | ulyana
юлия: юля юленька | yulia julia yuliya yulya
яна: | yana
# male
александр: саша шура | alexander aleksandr alex sasha
алексей: лёша леша алёша | alexey aleksei alexei lesha alex
анатолий: толя | anatoly anatoliy tolya
андрей: андрюша | andrey andrei andrew
антон: тоша | anton
аркадий: аркаша | arkady
артём: артем тёма | artem artyom tema
артур: | artur arthur
богдан: | bogdan
борис: боря | boris borya
вадим: вадик | vadim
валентин: валя | valentin
валерий: валера | valery valeriy valera
василий: вася | vasily vasiliy vasya
виктор: витя | viktor victor vitya
виталий: виталик | vitaly vitaliy
владимир: вова володя | vladimir vova volodya
владислав: влад | vladislav vlad
вячеслав: слава | vyacheslav slava
георгий: жора гоша | georgy georgiy gosha
глеб: | gleb
григорий: гриша | grigory grisha
даниил: данил даня | daniil danil danya
денис: | denis
дмитрий: дима митя | dmitry dmitriy dima
евгений: женя | evgeny evgeniy zhenya
егор: | egor yegor
иван: ваня | ivan vanya
игорь: | igor
илья: | ilya
кирилл: | kirill
константин: костя | konstantin kostya
лев: лёва | lev
леонид: лёня | leonid
максим: макс | maxim maksim max
марк: | mark
матвей: | matvey
михаил: миша | mikhail misha michael
никита: | nikita
николай: коля | nikolay nikolai kolya
олег: | oleg
павел: паша | pavel pasha paul
пётр: петр петя | petr pyotr petya peter
роман: рома | roman roma
руслан: | ruslan
сергей: серёжа сережа | sergey sergei serezha
станислав: стас | stanislav stas
степан: стёпа | stepan
тимофей: тима | timofey tima
тимур: | timur
фёдор: федор федя | fedor fyodor
юрий: юра | yury yuriy yura
ярослав: слава | yaroslav
"""


def _parse(table: str) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for line in table.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(":")
        cyr, _, lat = rest.partition("|")
        key = head.strip().replace("ё", "е")
        out[key] = (frozenset(w.replace("ё", "е") for w in cyr.split()), frozenset(lat.split()))
    return out


NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = _parse(_TABLE)
"""nominative (``ё`` as ``е``) → (Cyrillic diminutives, Latin spellings)."""


def _short_vocative(word: str) -> str | None:
    """«Даша» → «даш», «Катя» → «кать»: the colloquial vocative of an -а/-я name."""
    if len(word) < 4 or not word.endswith(("а", "я")):
        return None
    return word[:-1] + ("ь" if word.endswith("я") and word[-2] not in "аеиоуыэюя" else "")


def name_forms(full_name: str, aliases: Iterable[str] = ()) -> frozenset[str]:
    """Every form (lower-case, ``ё`` → ``е``; lemmas and written forms) naming this person.

    The first word of ``full_name`` is looked up in ``NAMES`` (diminutives, Latin
    spellings and short vocatives join); other words (the surname) and ``aliases`` count
    as written and by lemma.  Words shorter than three letters are left out.
    """
    out: set[str] = set()
    diminutives: set[str] = set()
    words = tokens(full_name)
    extra = [w for a in aliases for w in tokens(a)]
    for i, w in enumerate([*words, *extra]):
        if len(w) < 3 or w.startswith("@"):
            continue
        out.add(w)
        if i == 0 or i >= len(words):
            entry = (w, NAMES[w]) if w in NAMES else _by_diminutive(w)
            if entry is not None:
                key, (cyr, lat) = entry
                out.add(key)
                out.update(cyr)
                out.update(lat)
                diminutives.update(cyr)
    for w in diminutives:
        short = _short_vocative(w)
        if short:
            out.add(short)
    return frozenset(out | {LEMMATIZER.lemma(w) for w in out if _is_cyrillic(w)})


def _by_diminutive(word: str) -> tuple[str, tuple[frozenset[str], frozenset[str]]] | None:
    for key, (cyr, lat) in NAMES.items():
        if word in cyr or word in lat:
            return key, (cyr, lat)
    return None


def _is_cyrillic(word: str) -> bool:
    return any("а" <= ch <= "я" for ch in word)
