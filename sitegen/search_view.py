"""What Material's search plugin reads of a page: its formulas as plain text, without its drawings.

The search plugin walks a page's HTML tag by tag. A formula or a diagram is hundreds of one-glyph
tags (<mi>H</mi><mo>−</mo>...), and walking them was most of the half second the index cost per
build. The hook hands the plugin the page with each <math> element set aside and only its text left
between two comments (the index reads "Ht−1Wu" as before), each <svg> with only its title and
description left (its labels are fragments like "σ" or "1−", its axes numbers), and puts the
elements back once the plugin is done.
"""
import re

# A script is matched only to be passed over: the quizzes' JSON holds formulas as "<math ...<\/math>".
SET_ASIDE = re.compile(r"<script\b.*?</script>|<(math|svg)\b.*?</\1>", re.DOTALL)  # none nests in its own kind
TAG = re.compile(r"<[^>]+>")
DESCRIBED = re.compile(r"<(title|desc)\b[^>]*>(.*?)</\1>", re.DOTALL)
MARKED = re.compile(r"<!--gr-set-aside:(\d+)-->.*?<!--/gr-set-aside-->", re.DOTALL)


def set_aside(html):
    """(html with every <math> and <svg> element replaced by its searchable text between marks, the elements)."""
    kept = []

    def mark(match):
        if match.group(1) is None:
            return match.group(0)
        kept.append(match.group(0))
        element = match.group(0)
        if match.group(1) == "math":
            text = TAG.sub("", element)
        else:
            text = " ".join(TAG.sub("", described) for _, described in DESCRIBED.findall(element))
        return f"<!--gr-set-aside:{len(kept) - 1}-->{text}<!--/gr-set-aside-->"

    return SET_ASIDE.sub(mark, html), kept


def put_back(html, kept):
    """The page as it was, with whatever the plugin changed around the elements."""
    found = MARKED.findall(html)
    if sorted(map(int, found)) != list(range(len(kept))):
        raise ValueError(f"{len(kept)} formulas and drawings were set aside for search, {len(found)} came back")
    return MARKED.sub(lambda match: kept[int(match.group(1))], html)
