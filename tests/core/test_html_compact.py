from apps.core.html import html_compact


def test_indentation_collapses_to_one_newline():
    assert html_compact("<div>\n    <p>a</p>\n\n   <p>b</p>\n</div>") == "<div>\n<p>a</p>\n<p>b</p>\n</div>"


def test_inline_spacing_between_words_is_kept():
    assert (
        html_compact("<strong>Sticky</strong> <code>rot-sticky</code>")
        == "<strong>Sticky</strong> <code>rot-sticky</code>"
    )


def test_pre_textarea_and_script_bodies_are_kept_exactly():
    pre = "<pre><code>import x\n\n    print(1)</code></pre>"
    textarea = "<textarea>\n  a\n</textarea>"
    script = '<script type="application/json">{\n  "a": 1\n}</script>'
    assert html_compact(f"{pre}\n  {textarea}\n  {script}") == f"{pre}\n{textarea}\n{script}"
