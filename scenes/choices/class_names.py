"""Class names in the scenes' words: titles that read naturally ("This is a 3", "This is an 8",
"This is an ankle boot"), plurals, and short labels for the output neurons with a legend.

Plain string logic, unit-tested on small lists; the story scenes call it.

    >>> this_is("Ankle boot"), this_is("8"), plural("3"), plural("Dress")
    ('This is an ankle boot', 'This is an 8', '3s', 'dresses')
    >>> output_labels(["T-shirt/top", "Trouser", "Pullover"], max_chars=5)
    (['T-sh.', 'Trou.', 'Pull.'], True)
"""

from __future__ import annotations

import re

__all__ = ["article", "in_sentence", "output_labels", "plural", "this_is"]

MAX_LABEL = 6  # characters of an output neuron's label before it is shortened


def in_sentence(name: str) -> str:
    """The name as it reads mid-sentence: 'Ankle boot' -> 'ankle boot'; 'T-shirt', 'USB' and '3'
    stay as they are (a capital followed by a capital or a non-letter is kept)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def article(name: str) -> str:
    """'a' or 'an' before the name as spoken: an 8, an 11, an 18, an ankle boot, a 3, a T-shirt."""
    word = in_sentence(name)
    number = re.match(r"\d+", word)
    if number:
        digits = number.group()
        spoken_an = digits[0] == "8" or (len(digits) in (2, 5, 8) and digits[:2] in ("11", "18"))
        return "an" if spoken_an else "a"
    if word[:1].isupper() and (len(word) == 1 or not word[1].islower()):  # a letter spoken alone
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def this_is(name: str) -> str:
    """The title of the story's first beat: 'This is a 3'."""
    return f"This is {article(name)} {in_sentence(name)}"


def plural(name: str) -> str:
    """'3s', 'ankle boots', 'dresses', 'T-shirt/tops' (mid-sentence form)."""
    word = in_sentence(name)
    if word[-1:].isdigit():
        return f"{word}s"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return f"{word}es"
    return f"{word}s"


def output_labels(names, max_chars: int = MAX_LABEL) -> tuple[list[str], bool]:
    """Labels for the output neurons and whether they were shortened (then show a legend): names
    of up to `max_chars` characters stay; longer ones become their first letters and a period,
    made longer where two would read the same."""
    names = list(names)
    if all(len(name) <= max_chars for name in names):
        return names, False
    labels = []
    for name in names:
        if len(name) <= max_chars:
            labels.append(name)
            continue
        keep = max_chars - 1
        label = name[:keep].rstrip(" -/") + "."
        while label in labels and keep < len(name):
            keep += 1
            label = name[:keep].rstrip(" -/") + "."
        labels.append(label if label not in labels else name)
    return labels, True
