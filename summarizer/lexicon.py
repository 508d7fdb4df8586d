"""Words that mean the same thing in a news question and a news sentence.

Each synonym set has an id (its first English member). Verbs and nouns are
reduced to that id when facts are stored and when questions are read, in
English, Russian and Ukrainian alike, so "Who headed the team?" finds "X led
the delegation", and "Кто возглавил делегацию?" finds it too. Job titles
mark the words that make a phrase a role ("Defense Minister").
"""

from __future__ import annotations

from functools import lru_cache

_SYNSETS: list[tuple[str, ...]] = [
    # verbs
    ("lead", "head", "chair", "helm", "spearhead", "direct", "captain", "front",
     "возглавить", "возглавлять", "руководить", "вести", "очолити", "очолювати", "керувати"),
    ("meet", "see", "receive", "встретиться", "встречаться", "провести встречу", "зустрітися",
     "зустрічатися"),
    ("say", "tell", "state", "declare", "announce", "add", "note", "stress", "claim", "insist",
     "заявить", "сказать", "сообщить", "отметить", "добавить", "подчеркнуть", "заявлять",
     "сообщать", "заявити", "сказати", "повідомити"),
    ("open", "begin", "start", "launch", "inaugurate", "открыть", "начать", "відкрити",
     "розпочати"),
    ("call", "dismiss", "describe", "label", "brand", "term", "name", "dub", "назвать",
     "называть", "охарактеризовать", "назвати"),
    ("agree", "accept", "consent", "договориться", "согласиться", "домовитися", "погодитися"),
    ("exchange", "swap", "trade", "обменять", "обменяться", "обмін", "обміняти"),
    ("hold", "host", "take place", "convene", "stage", "провести", "пройти", "состояться",
     "відбутися", "провести"),
    ("represent", "speak for", "представлять", "представить", "представляти"),
    ("arrive", "come", "land", "reach", "прибыть", "приехать", "прилететь", "прибути"),
    ("decline", "refuse", "reject", "отказаться", "отклонить", "відмовитися"),
    ("send", "dispatch", "направить", "отправить", "послать", "направити"),
    ("appoint", "name", "tap", "nominate", "choose", "pick", "назначить", "призначити"),
    ("kill", "die", "погибнуть", "убить", "загинути"),
    ("win", "победить", "выиграть", "перемогти"),
    # nouns
    ("delegation", "team", "negotiators", "negotiator", "делегация", "команда", "переговорщик",
     "делегація"),
    ("talks", "negotiation", "negotiations", "meeting", "session", "summit", "round",
     "переговоры", "встреча", "саммит", "переговори", "зустріч"),
    ("prisoner", "pow", "captive", "detainee", "пленный", "военнопленный", "полонений"),
    ("ceasefire", "truce", "armistice", "перемирие", "прекращение огня", "перемир'я"),
    ("spokesman", "spokeswoman", "spokesperson", "пресс-секретарь", "речник", "спикер"),
    ("president", "президент", "президента"),
    ("minister", "министр", "міністр"),
    ("envoy", "special envoy", "посланник", "спецпосланник", "спецпредставитель", "посланець"),
    ("aide", "adviser", "advisor", "assistant", "помощник", "советник", "помічник", "радник"),
    # roles, organisations and places questions ask about, in the three languages
    ("chairman", "chairwoman", "chairperson", "председатель", "голова"),
    ("chief executive", "ceo", "boss", "гендиректор", "генеральный директор", "керівник",
     "генеральний директор"),
    ("deputy", "vice", "заместитель", "вице", "заступник", "віце"),
    ("foreign", "иностранный", "закордонний", "іноземний"),
    ("defence", "defense", "оборона"),
    ("prime minister", "premier", "премьер-министр", "премьер", "прем'єр-міністр", "прем'єр"),
    ("government", "правительство", "уряд"),
    ("company", "firm", "компания", "фирма", "компанія"),
    ("country", "nation", "страна", "государство", "країна", "держава"),
    ("city", "town", "город", "місто"),
    ("village", "деревня", "село"),
    ("state-owned", "government-owned", "государственный", "державний"),
    ("stock exchange", "bourse", "биржа", "біржа"),
    ("court", "суд"),
    ("election", "vote", "выборы", "вибори"),
    ("price", "цена", "ціна"),
    ("oil", "нефть", "нафта"),
    ("bank", "банк"),
    ("budget", "бюджет"),
    ("club", "клуб"),
    ("match", "game", "матч", "игра", "гра"),
    ("tournament", "championship", "турнир", "чемпионат", "турнір", "чемпіонат"),
    ("film", "movie", "фильм", "фільм"),
    ("exhibition", "show", "fair", "выставка", "виставка"),
    # actions questions ask about
    ("cut", "reduce", "slash", "сократить", "сокращать", "скоротити", "скорочувати"),
    ("buy", "acquire", "purchase", "купить", "приобрести", "купити", "придбати"),
    ("sell", "продать", "продавать", "продати"),
    ("pay", "заплатить", "платить", "заплатити", "платити"),
    ("cost", "стоить", "стоимость", "коштувати", "вартість"),
    ("offer", "bid", "предложить", "запропонувати"),
    ("play", "сыграть", "играть", "зіграти", "грати"),
    ("work", "employ", "работать", "працювати"),
    # units, written out or abbreviated
    ("kilometre", "kilometer", "km", "км", "километр", "кілометр"),
    ("metre", "meter", "m", "метр"),
    ("tonne", "ton", "t", "тонна", "т"),
    ("percent", "per cent", "%", "процент", "відсоток"),
    ("dollar", "usd", "$", "доллар", "долар"),
    ("euro", "eur", "€", "евро", "євро"),
    ("job", "workplace", "position", "рабочее место", "робоче місце"),
    ("employee", "worker", "staff", "people", "сотрудник", "работник", "працівник"),
]  # fmt: skip

TITLES = frozenset(
    """minister president premier chancellor spokesman spokeswoman spokesperson aide adviser
    advisor envoy ambassador secretary director chief head leader negotiator chairman
    chairwoman chair governor mayor general commander senator congressman congresswoman
    lawmaker official ceo founder editor king queen prince princess pope judge prosecutor
    attorney coach captain deputy lawyer analyst professor economist manager officer diplomat
    representative speaker mediator commissioner inspector emir sheikh monarch patriarch
    archbishop bishop cardinal candidate chairperson executive spokesmen ombudsman
    министр президент премьер премьер-министр канцлер пресс-секретарь помощник советник
    посланник спецпосланник спецпредставитель посол секретарь директор глава руководитель лидер
    переговорщик председатель губернатор мэр генерал командующий сенатор депутат чиновник
    основатель редактор король королева принц судья прокурор тренер капитан заместитель
    адвокат аналитик профессор экономист дипломат представитель спикер вице-премьер патриарх
    замминистра начальник уполномоченный омбудсмен гендиректор генсек генеральный
    міністр президент прем'єр речник помічник радник посол голова керівник лідер депутат мер
    генерал командувач""".split()
)


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    table: dict[str, str] = {}
    for synset in _SYNSETS:
        for word in synset:
            table.setdefault(word, synset[0])
    return table


def concept(lemma: str) -> str:
    """The synonym-set id of ``lemma``, or the lemma itself."""
    lemma = lemma.lower()
    return _index().get(lemma, lemma)


def synonyms(lemma: str) -> list[str]:
    """Every word in ``lemma``'s synonym sets (``lemma`` first)."""
    lemma = lemma.lower()
    out = [lemma]
    for synset in _SYNSETS:
        if lemma in synset:
            out.extend(w for w in synset if w not in out)
    return out


def is_title(word: str) -> bool:
    return word.lower() in TITLES
