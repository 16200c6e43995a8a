"""Every claim of the seed lecture notes is taught, and where needed corrected, somewhere on the site.

tests/site/seed_coverage.yml maps each claim of the notes (an exact substring) to a chapter and a heading
anchor. These tests check the mapping against the notes and against the pages themselves:
- each substring occurs exactly once in the notes, so it identifies one claim;
- together the substrings cover every word of every sentence, bullet, equation and heading of the
  notes (title and author lines excepted), with the sentences split here, independently of the map;
- each page exists and has a heading with that anchor, as Python-Markdown's toc extension makes it;
- each claim marked `errata: true` is corrected by an "Errata" admonition in that very section.
"""
import re
from pathlib import Path

import markdown
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MAPPING_FILE = Path(__file__).with_name("seed_coverage.yml")

CLAIM_KEYS = {"seed", "page", "anchor", "errata"}
REQUIRED_CLAIM_KEYS = {"seed", "page", "anchor"}
# The extensions of mkdocs.yml that change heading ids or hide headings; custom fences are plain
# fenced code here, which is all that matters for headings.
MARKDOWN_EXTENSIONS = ["toc", "attr_list", "admonition", "fenced_code", "md_in_html", "tables", "footnotes"]

SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z*])")
LIST_OR_HEADING_MARKER = re.compile(r"^(?:#{1,6}|[-*+])\s+")
ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
FENCE = re.compile(r"^\s*(```|~~~)")
ERRATA_ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s+[\w-]+(?:\s+[\w-]+)*\s+"Errata')


# ---------------------------------------------------------------- loading

def load_mapping(path=MAPPING_FILE):
    """The parsed mapping file, or a ValueError naming the file, the entry and what was expected."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with keys seed_files, skipped_lines, claims")
    for key in ("seed_files", "skipped_lines", "claims"):
        if not isinstance(data.get(key), list) or not data[key]:
            raise ValueError(f"{path}: '{key}' must be a non-empty list")
    for number, claim in enumerate(data["claims"], start=1):
        where = f"{path}: claim {number}"
        if not isinstance(claim, dict):
            raise ValueError(f"{where}: expected a mapping with keys {sorted(REQUIRED_CLAIM_KEYS)}")
        if missing := REQUIRED_CLAIM_KEYS - claim.keys():
            raise ValueError(f"{where}: missing {sorted(missing)}")
        if unknown := claim.keys() - CLAIM_KEYS:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(CLAIM_KEYS)}")
        for key in REQUIRED_CLAIM_KEYS:
            if not isinstance(claim[key], str) or not claim[key].strip():
                raise ValueError(f"{where}: '{key}' must be a non-empty string, got {claim[key]!r}")
        if not isinstance(claim.get("errata", False), bool):
            raise ValueError(f"{where}: 'errata' must be true or false, got {claim['errata']!r}")
    return data


def seed_path(mapping):
    for candidate in mapping["seed_files"]:
        path = (ROOT / candidate).resolve()
        if path.is_file():
            return path
    pytest.skip(f"seed notes not found at any of {mapping['seed_files']} (relative to {ROOT}); "
                "copy them to the first of these paths")


@pytest.fixture(scope="module")
def mapping():
    return load_mapping()


@pytest.fixture(scope="module")
def seed_text(mapping):
    return seed_path(mapping).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the notes, sentence by sentence

def seed_sentences(text, skipped_lines):
    """The notes' sentences, bullets, equations and headings, in order, with list and heading markers removed."""
    skipped = {line.strip() for line in skipped_lines}
    sentences = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line in skipped:
            continue
        body = LIST_OR_HEADING_MARKER.sub("", line)
        parts = [body] if body.startswith("$$") else SENTENCE_END.split(body)
        sentences.extend(part.strip() for part in parts if re.search(r"[A-Za-z]", part))
    return sentences


def uncovered_text(sentence, substrings):
    """The letters and digits of `sentence` that no substring covers ('' if fully covered)."""
    if any(sentence in substring for substring in substrings):
        return ""
    covered = [False] * len(sentence)
    for substring in substrings:
        start = sentence.find(substring)
        while start != -1:
            covered[start:start + len(substring)] = [True] * len(substring)
            start = sentence.find(substring, start + 1)
    return "".join(char for char, done in zip(sentence, covered) if not done and char.isalnum())


# ---------------------------------------------------------------- the pages, section by section

def heading_sections(source):
    """(id, level, text of the section) for each heading of a Markdown page, ids made by the toc extension."""
    lines = source.splitlines()
    heading_lines, in_fence = [], None
    for number, line in enumerate(lines):
        if fence := FENCE.match(line):
            marker = fence.group(1)
            in_fence = None if in_fence == marker else (in_fence or marker)
        elif in_fence is None and (heading := ATX_HEADING.match(line)):
            heading_lines.append((number, len(heading.group(1))))
    renderer = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    renderer.convert(source)
    tokens = []

    def flatten(items):
        for item in items:
            tokens.append(item)
            flatten(item["children"])
    flatten(renderer.toc_tokens)
    if len(tokens) != len(heading_lines):
        raise ValueError(f"found {len(heading_lines)} '#' headings but the toc extension made {len(tokens)} "
                         "ids; write headings as '# Title' lines outside code blocks")
    sections = []
    for index, ((start, level), token) in enumerate(zip(heading_lines, tokens)):
        end = next((line for line, other in heading_lines[index + 1:] if other <= level), len(lines))
        sections.append((token["id"], level, "\n".join(lines[start:end])))
    return sections


@pytest.fixture(scope="module")
def pages(mapping):
    """page name -> {anchor: section text}, for every page the mapping names that exists."""
    found = {}
    for name in {claim["page"] for claim in mapping["claims"]}:
        path = DOCS / name
        if path.is_file():
            found[name] = {anchor: text for anchor, _, text in heading_sections(path.read_text(encoding="utf-8"))}
    return found


# ---------------------------------------------------------------- the helpers can fail

def test_sentences_split_at_sentence_ends_only():
    text = ("# Title\n\n## **A Heading**\n\nOne claim (Ct). Another, i.e., the same. A third i.e it.\n\n"
            "- A bullet without a full stop\n$$a = b * c$$\n")
    assert seed_sentences(text, ["# Title"]) == [
        "**A Heading**", "One claim (Ct).", "Another, i.e., the same.", "A third i.e it.",
        "A bullet without a full stop", "$$a = b * c$$"]


def test_coverage_reports_the_words_left_uncovered():
    sentence = "In LSTM the gates are coupled and in GRU they are not."
    assert uncovered_text(sentence, ["In LSTM the gates are coupled", "in GRU they are not."]) == "and"
    assert uncovered_text(sentence, ["In LSTM the gates are coupled", "and in GRU they are not."]) == ""
    assert uncovered_text("Short.", ["A longer text. Short. More."]) == ""
    assert uncovered_text(sentence, ["no such text"]) == re.sub(r"\W", "", sentence)


def test_heading_ids_follow_the_toc_extension():
    source = ("# Notation across sources\n\n```python\n# not a heading\n```\n\n## GRU in Cho et al. 2014\n\n"
              "text\n\n## Errata\n\n## Errata\n\n### Custom {#chosen-id}\n\n!!! warning \"Errata\"\n    body\n")
    sections = heading_sections(source)
    assert [(anchor, level) for anchor, level, _ in sections] == [
        ("notation-across-sources", 1), ("gru-in-cho-et-al-2014", 2), ("errata", 2), ("errata_1", 2),
        ("chosen-id", 3)]
    assert "# not a heading" in sections[0][2]
    assert ERRATA_ADMONITION.match(sections[-1][2].splitlines()[-2])
    assert not any(ERRATA_ADMONITION.match(line) for line in sections[1][2].splitlines())


def test_a_malformed_mapping_is_rejected_with_its_location(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("seed_files: [a]\nskipped_lines: [b]\nclaims:\n  - seed: x\n    page: gru.md\n")
    with pytest.raises(ValueError, match=r"broken.yml: claim 1: missing \['anchor'\]"):
        load_mapping(broken)
    broken.write_text("seed_files: [a]\nskipped_lines: [b]\nclaims:\n"
                      "  - {seed: x, page: gru.md, anchor: y, errata: 'yes'}\n")
    with pytest.raises(ValueError, match="claim 1: 'errata' must be true or false"):
        load_mapping(broken)


# ---------------------------------------------------------------- the mapping against the notes

def test_skipped_lines_are_title_and_author_headings(mapping, seed_text):
    lines = {line.strip() for line in seed_text.splitlines()}
    for line in mapping["skipped_lines"]:
        assert line in lines, f"skipped line {line!r} is not a line of the notes"
        assert line.startswith("#"), f"only title and author headings may be skipped, not {line!r}"


def test_each_seed_substring_identifies_one_place_in_the_notes(mapping, seed_text):
    problems = [f"{claim['seed']!r} occurs {seed_text.count(claim['seed'])} times"
                for claim in mapping["claims"] if seed_text.count(claim["seed"]) != 1]
    assert not problems, "each seed substring must occur exactly once in the notes:\n" + "\n".join(problems)


def test_every_sentence_of_the_notes_is_mapped(mapping, seed_text):
    substrings = [claim["seed"] for claim in mapping["claims"]]
    sentences = seed_sentences(seed_text, mapping["skipped_lines"])
    assert len(sentences) >= len(mapping["skipped_lines"])
    missing = [f"{sentence!r} (uncovered: {gap!r})" for sentence in sentences
               if (gap := uncovered_text(sentence, substrings))]
    assert not missing, "sentences of the notes that no claim in seed_coverage.yml covers:\n" + "\n".join(missing)


# ---------------------------------------------------------------- the mapping against the pages

def test_every_claim_points_to_an_existing_section(mapping, pages):
    problems = []
    for claim in mapping["claims"]:
        if claim["page"] not in pages:
            problems.append(f"{claim['seed']!r}: page docs/{claim['page']} does not exist")
        elif claim["anchor"] not in pages[claim["page"]]:
            problems.append(f"{claim['seed']!r}: docs/{claim['page']} has no heading with id "
                            f"{claim['anchor']!r} (ids: {sorted(pages[claim['page']])})")
    assert not problems, "\n".join(problems)


def test_every_erratum_is_corrected_in_its_section(mapping, pages):
    problems = []
    for claim in mapping["claims"]:
        if not claim.get("errata"):
            continue
        section = pages.get(claim["page"], {}).get(claim["anchor"])
        if section is None:
            continue  # reported by test_every_claim_points_to_an_existing_section
        if not any(ERRATA_ADMONITION.match(line) for line in section.splitlines()):
            problems.append(f"{claim['seed']!r}: docs/{claim['page']}#{claim['anchor']} has no "
                            '!!! <type> "Errata" admonition')
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the claims ledger (evidence/claims.yml)

def test_every_ledger_claim_quotes_the_notes_and_agrees_with_the_errata(mapping, seed_text):
    """The ledger quotes the notes exactly, each claim once; a claim it calls wrong is one the coverage
    map marks as corrected by an Errata box, and a claim the map leaves uncorrected is not called wrong."""
    from sitegen.evidence import load_claims

    claims = load_claims()
    assert len({c.claim for c in claims}) == len(claims)
    for claim in claims:
        assert seed_text.count(claim.claim) == 1, f"ledger claim not quoted once from the notes: {claim.claim!r}"
        entries = [e for e in mapping["claims"] if claim.claim in e["seed"] or e["seed"] in claim.claim]
        assert entries, f"ledger claim {claim.claim!r} overlaps no entry of seed_coverage.yml"
        corrected = any(e.get("errata", False) for e in entries)
        if claim.verdict == "wrong":
            assert corrected, f"the ledger calls {claim.claim!r} wrong, but no Errata box corrects it"
        if claim.verdict == "holds":
            assert not corrected, f"the ledger says {claim.claim!r} holds, but an Errata box corrects it"
