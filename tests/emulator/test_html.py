"""The HTML parser must agree with Telegram on text, UTF-16 offsets and error wording."""

from __future__ import annotations

import pytest

from bot.emulator.html import HtmlParseError, parse_html, plain_len, utf16_len


def kinds(html: str) -> list[tuple[str, int, int]]:
    return [(e.type, e.offset, e.length) for e in parse_html(html)[1]]


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<b>x</b>", "bold"),
        ("<strong>x</strong>", "bold"),
        ("<i>x</i>", "italic"),
        ("<em>x</em>", "italic"),
        ("<u>x</u>", "underline"),
        ("<ins>x</ins>", "underline"),
        ("<s>x</s>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ('<a href="https://12315.cn">x</a>', "text_link"),
        ('<tg-emoji emoji-id="5368324170671202286">x</tg-emoji>', "custom_emoji"),
        ("<B>x</B>", "bold"),
    ],
)
def test_every_tag_becomes_its_entity(html: str, kind: str) -> None:
    assert parse_html(html) == ("x", parse_html(html)[1])
    assert kinds(html) == [(kind, 0, 1)]


def test_link_and_pre_code_arguments() -> None:
    _, entities = parse_html(
        '<a href="https://www.12321.cn/">举报</a>'
        '<pre><code class="language-python">print(1)</code></pre>'
        '<code class="language-x">c</code>'
    )
    link, pre, code = entities
    assert (link.url, link.offset, link.length) == ("https://www.12321.cn/", 0, 2)
    assert (pre.type, pre.language, pre.offset, pre.length) == ("pre", "python", 2, 8)
    assert (code.type, code.language) == ("code", None)  # a language only counts inside pre


def test_link_without_href_uses_its_text_and_bad_links_become_plain() -> None:
    _, entities = parse_html('<a>12315.cn</a> <a href="not a url">x</a>')
    assert [(e.type, e.url) for e in entities] == [("text_link", "http://12315.cn")]


def test_tg_user_link_is_a_text_mention() -> None:
    (entity,) = parse_html('<a href="tg://user?id=42">小王</a>')[1]
    assert (entity.type, entity.user_id) == ("text_mention", 42)


def test_nesting_is_sorted_outer_first() -> None:
    assert kinds("<b>a<i>b</i><u>c</u></b>") == [
        ("bold", 0, 3),
        ("italic", 1, 1),
        ("underline", 2, 1),
    ]


def test_offsets_are_utf16_with_chinese_and_emoji() -> None:
    text, entities = parse_html("🚨注意<b>假冒客服</b>😀<i>退款</i>")
    assert text == "🚨注意假冒客服😀退款"
    assert [(e.type, e.offset, e.length) for e in entities] == [
        ("bold", 4, 4),
        ("italic", 10, 2),
    ]
    assert utf16_len(text) == 12


def test_html_entities_decode() -> None:
    text, _ = parse_html("1 &lt; 2 &gt; 0 &amp;&amp; &quot;q&quot; &#65;&#x42;&#x1F600;")
    assert text == '1 < 2 > 0 && "q" AB😀'


def test_unknown_entities_and_bare_ampersand_stay_literal_like_tdlib() -> None:
    assert parse_html("A&B &nbsp; &copy &lt")[0] == "A&B &nbsp; &copy <"


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("a<b></b>c") == ("ac", [])


def test_end_tag_may_be_anonymous() -> None:
    assert kinds("<b>x</>") == [("bold", 0, 1)]


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("安全<br>", 'Unsupported start tag "br" at byte offset 6'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_malformed_html_is_refused_with_telegrams_words(html: str, detail: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(html)
    assert caught.value.detail == detail
    assert caught.value.description == f"Bad Request: can't parse entities: {detail}"
    assert str(caught.value) == f"can't parse entities: {detail}".capitalize()


def test_error_text_matches_what_ptb_shows() -> None:
    with pytest.raises(
        HtmlParseError, match=r'^Can\'t parse entities: unsupported start tag "foo"'
    ):
        parse_html("<foo>")


def test_plain_len_counts_after_parsing() -> None:
    assert plain_len("<b>中文</b>😀", "HTML") == 4
    assert plain_len("<b>中文</b>", None) == 9
    with pytest.raises(ValueError, match="not emulated"):
        plain_len("*x*", "MarkdownV2")
