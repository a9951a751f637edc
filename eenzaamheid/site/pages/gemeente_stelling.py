"""Whether a headline statement ("maakt gebruik van best practices") holds for one municipality in
one year, and what it actually ticked.

A headline definition (kernantwoorden.headline_definitions) names a row (`item_code`, '' for a
question without rows) and the options that make the statement true (`opties`, an option group
expanded). The statement is never the raw answer: on the row `geen` of `best_practices` the
statement holds when the answer is `nee`, so ticking *Geen* means "Nee". In a multiple-choice
question only ticked items are stored ('gekozen'); an item left unticked is an answer too, as long
as the municipality answered the question at all.
"""
HOLDS, DOES_NOT_HOLD = "ja", "nee"
TICKED = {"ja", "gekozen"}  # the options that mean "this item was ticked" (meervoudig; ja/nee rows)


def statement_holds(definition: dict, question_type: str, answers: dict) -> str | None:
    """'ja' or 'nee' for a municipality's answers to the question in one year ({item_code:
    optie_code} of its accepted submission), None when it left the statement's row unanswered."""
    if not answers:
        return None
    item, options = definition["item_code"], definition["opties"]
    if question_type == "meervoudig":
        ticked = item in answers
        return HOLDS if ticked == ("gekozen" in options) else DOES_NOT_HOLD
    if item not in answers:
        return None
    return HOLDS if answers[item] in options else DOES_NOT_HOLD


def is_negated(definition: dict, question_type: str) -> bool:
    """Ticking the statement's item makes it false (`geen` with optie `nee`)."""
    if question_type == "meervoudig":
        return "gekozen" not in definition["opties"]
    return bool(definition["item_code"]) and not TICKED & set(definition["opties"])


def ticked_detail(definition: dict, question_type: str, answers: dict, label) -> str:
    """What the municipality actually answered, in words, where its wording differs from the
    statement's "Ja"/"Nee": 'kruiste ‘Geen’ aan', 'antwoord: Wel', '‘Adviseur’: Bekend, niet
    gebruikt'; '' for a plain yes/no answer that *is* the value. label(item_code, optie_code) ->
    (item label, option label). Where a negated item was left unticked, the ticked items follow."""
    item, negated = definition["item_code"], is_negated(definition, question_type)
    if question_type == "meervoudig":
        ticked = item in answers
    elif not negated and label(item, answers[item])[1].lower() in ("ja", "nee"):
        return ""
    elif not item:
        return f"antwoord: {label('', answers[''])[1]}"
    elif answers[item] in TICKED or answers[item] == "nee":
        ticked = answers[item] in TICKED
    else:
        return f"‘{label(item, None)[0]}’: {label(item, answers[item])[1]}"
    text = f"kruiste ‘{label(item, None)[0]}’ {'aan' if ticked else 'niet aan'}"
    if not ticked and negated:
        others = [label(i, None)[0] for i, o in answers.items() if i != item and o in TICKED]
        text += f"; aangekruist: {'; '.join(others)}" if others else "; verder niets aangekruist"
    return text
